"""Helpers shared by the `strata.ops` modules: dtype rules and the unary/binary op factories."""

from __future__ import annotations

import jax.numpy as jnp

from strata.ops._dispatch import keras_op

FLOATX = "float32"


def float_input(x):
    """Integers and booleans are averaged (and the like) in float32, as Keras does."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(FLOATX)
    return x


def as_axis(axis):
    """An axis argument as JAX takes it (a list of axes becomes a tuple)."""
    return tuple(axis) if isinstance(axis, list) else axis


def unary(module: str, name: str, fn, doc: str):
    """The op `name` of one tensor `x`, computing ``fn(x)``."""

    def op(x):
        return fn(x)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(module)(op)


def binary(module: str, name: str, fn, doc: str):
    """The op `name` of two tensors `x1`, `x2`, computing ``fn(x1, x2)``."""

    def op(x1, x2):
        return fn(x1, x2)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return keras_op(module, tensors=("x1", "x2"))(op)
