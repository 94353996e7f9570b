"""`strata.ops` core ops: conversion, casting, slicing and scattering, control flow, and the
math ops Keras keeps outside its submodules (`erf`, `logsumexp`, `top_k` ...).

Example:
    >>> import numpy as np
    >>> from strata import ops
    >>> ops.convert_to_numpy(ops.cast(np.array([1.7]), "int32")).tolist()
    [1]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp_special
import numpy as np

from strata.ops._common import as_axis, float_input, unary
from strata.ops._dispatch import keras_op, unwrap_all
from strata.state.variable import unwrap

CORE = "keras.src.ops.core"
MATH = "keras.src.ops.math"


@keras_op(CORE)
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """An array from `x` (array-like or Variable), optionally cast to `dtype`."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: sparse and ragged tensors are not supported.")
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    """A NumPy array from an array, Variable or array-like."""
    return np.asarray(unwrap(x))


@keras_op(CORE)
def cast(x, dtype):
    """`x` as `dtype`."""
    return jnp.asarray(x).astype(dtype)


def shape(x):
    """The static shape of `x`, a tuple of ints."""
    return tuple(unwrap(x).shape) if hasattr(unwrap(x), "shape") else np.shape(x)


@keras_op(CORE, tensors=("variable",))
def stop_gradient(variable):
    """`variable` with its gradient blocked."""
    return jax.lax.stop_gradient(variable)


@keras_op(CORE, tensors=("inputs", "start_indices"))
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's op name
    """A block of `inputs` of `shape` starting at `start_indices`."""
    return jax.lax.dynamic_slice(inputs, start_indices, shape)


@keras_op(CORE, tensors=("inputs", "start_indices", "updates"))
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates`."""
    return jax.lax.dynamic_update_slice(inputs, updates, start_indices)


@keras_op(CORE, tensors=("indices", "values"))
def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at the index rows of `indices`."""
    indices = jnp.asarray(indices)
    zeros_ = jnp.zeros(shape, jnp.asarray(values).dtype)
    return zeros_.at[tuple(jnp.moveaxis(indices, -1, 0))].add(values)


@keras_op(CORE, tensors=("inputs", "indices", "updates"))
def scatter_update(inputs, indices, updates):
    """`inputs` with the elements at the index rows of `indices` set to `updates`."""
    indices = jnp.asarray(indices)
    return jnp.asarray(inputs).at[tuple(jnp.moveaxis(indices, -1, 0))].set(updates)


erf = unary(MATH, "erf", lambda x: jsp_special.erf(float_input(x)), "The error function.")


erfinv = unary(
    MATH, "erfinv", lambda x: jsp_special.erfinv(float_input(x)), "The inverse error function."
)


@keras_op(MATH)
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` along `axis`, computed stably."""
    return jax.nn.logsumexp(x, axis=as_axis(axis), keepdims=keepdims)


rsqrt = unary(MATH, "rsqrt", lambda x: jax.lax.rsqrt(float_input(x)), "``1 / sqrt(x)``.")


@keras_op(MATH)
def top_k(x, k, sorted=True):  # noqa: A002 - Keras's argument name
    """The `k` largest values along the last axis and their indices: ``(values, indices)``.

    The results are always sorted (`jax.lax.top_k`); that is also a valid ``sorted=False`` answer.
    """
    return jax.lax.top_k(x, k)


@keras_op(CORE, tensors=("pred", "true_fn", "false_fn"))
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if `pred` else ``false_fn()``, traced as one `jax.lax.cond`."""
    return jax.lax.cond(unwrap(pred), true_fn, false_fn)


@keras_op(CORE, tensors=("f", "init", "xs"))
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of `xs`: ``(carry, stacked ys)``."""
    return jax.lax.scan(
        f, unwrap_all(init), unwrap_all(xs), length=length, reverse=reverse, unroll=unroll
    )


@keras_op(CORE, tensors=("loop_vars",))
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``; returns the loop vars.

    As in Keras, `loop_vars` is a tuple/list whose items are passed as separate arguments (a
    single non-sequence value is passed alone), and `maximum_iterations` caps the loop.
    """
    is_sequence = isinstance(loop_vars, list | tuple)
    state = tuple(loop_vars) if is_sequence else (loop_vars,)
    state = unwrap_all(state)

    def as_tuple(value):
        return tuple(value) if isinstance(value, list | tuple) else (value,)

    if maximum_iterations is None:
        result = jax.lax.while_loop(lambda s: cond(*s), lambda s: as_tuple(body(*s)), state)
    else:

        def keep_going(counted):
            i, s = counted
            return jnp.logical_and(i < maximum_iterations, cond(*s))

        def step(counted):
            i, s = counted
            return i + 1, as_tuple(body(*s))

        _, result = jax.lax.while_loop(keep_going, step, (jnp.asarray(0), state))
    if is_sequence:
        return type(loop_vars)(result) if isinstance(loop_vars, list) else result
    return result[0]


@keras_op(CORE, tensors=("init_val",))
def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``[lower, upper)``; returns the final value."""
    return jax.lax.fori_loop(lower, upper, body_fun, unwrap_all(init_val))


@keras_op(CORE, tensors=("f", "xs"))
def map(f, xs):  # noqa: A001 - Keras's op name
    """``f`` applied to each slice of `xs` along its leading axis, results stacked."""
    return jax.lax.map(f, unwrap_all(xs))


@keras_op(CORE, tensors=("elements",))
def vectorized_map(function, elements):
    """``function`` applied to each leading-axis slice of `elements`, vectorized with `vmap`."""
    return jax.vmap(function)(unwrap_all(elements))


__all__ = [
    "cast",
    "cond",
    "convert_to_numpy",
    "convert_to_tensor",
    "erf",
    "erfinv",
    "fori_loop",
    "logsumexp",
    "map",
    "rsqrt",
    "scan",
    "scatter",
    "scatter_update",
    "shape",
    "slice",
    "slice_update",
    "stop_gradient",
    "top_k",
    "vectorized_map",
    "while_loop",
]
