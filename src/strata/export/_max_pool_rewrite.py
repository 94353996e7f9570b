"""A function whose max-pooling windows are written as maxima of strided slices.

`jax2onnx` turns `lax.reduce_window_max` into an ONNX ``MaxPool`` that pools over every axis
(batch and channels too), which ONNX Runtime rejects beyond three pooled axes: a 2-D pooling
layer's ``(batch, height, width, channels)`` window fails. The maximum of the window's shifted,
strided slices is the same number and converts to plain ``Slice``/``Max`` nodes.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
from jax import lax
from jax.extend import core as jax_core

# Higher-order primitives whose inner function is inlined (the exported program only runs it).
_INLINED = {"jit": "jaxpr", "pjit": "jaxpr", "closed_call": "call_jaxpr"}


def _max_by_slices(x, window_dimensions, window_strides, padding, base_dilation, window_dilation):
    if any(d != 1 for d in (*base_dilation, *window_dilation)):
        return lax.reduce_window(
            x,
            -jnp.inf,
            lax.max,
            window_dimensions,
            window_strides,
            padding,
            base_dilation,
            window_dilation,
        )
    # Padding repeats the edge instead of adding -inf: every padded window still holds its
    # nearest edge value, so the maximum is unchanged, and jax2onnx's `pad` needs static shapes.
    for axis, (low, high) in enumerate(padding):
        if low or high:
            first = lax.slice_in_dim(x, 0, 1, axis=axis)
            last = lax.slice_in_dim(x, x.shape[axis] - 1, x.shape[axis], axis=axis)
            x = lax.concatenate([first] * low + [x] + [last] * high, axis)
    result = None
    for offsets in itertools.product(*(range(w) for w in window_dimensions)):
        starts, limits = [], []
        for axis, (offset, size, stride, dilation) in enumerate(
            zip(offsets, window_dimensions, window_strides, window_dilation)
        ):
            count = (x.shape[axis] - (size - 1) * dilation - 1) // stride + 1
            starts.append(offset * dilation)
            limits.append(offset * dilation + (count - 1) * stride + 1)
        piece = lax.slice(x, starts, limits, window_strides)
        result = piece if result is None else jnp.maximum(result, piece)
    return result


def _evaluate(jaxpr, consts, *args):
    env = {}

    def read(var):
        return var.val if isinstance(var, jax_core.Literal) else env[var]

    for var, value in zip(jaxpr.constvars, consts):
        env[var] = value
    for var, value in zip(jaxpr.invars, args):
        env[var] = value
    for eqn in jaxpr.eqns:
        values = [read(var) for var in eqn.invars]
        name = eqn.primitive.name
        if name == "reduce_window_max":
            outputs = [_max_by_slices(*values, **eqn.params)]
        elif name in _INLINED:
            inner = eqn.params[_INLINED[name]]
            outputs = _evaluate(inner.jaxpr, inner.consts, *values)
        else:
            outputs = eqn.primitive.bind(*values, **eqn.params)
            if not eqn.primitive.multiple_results:
                outputs = [outputs]
        for var, value in zip(eqn.outvars, outputs):
            env[var] = value
    return [read(var) for var in jaxpr.outvars]


def without_reduce_window_max(fn):
    """`fn` (of flat array arguments) with every max-pooling window taken by slices."""

    def rewritten(*args):
        closed, out_shape = jax.make_jaxpr(fn, return_shape=True)(*args)
        flat = _evaluate(closed.jaxpr, closed.consts, *args)
        return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(out_shape), flat)

    return rewritten
