"""`strata.ops.numpy`: NumPy-style array ops (Keras's ``keras.ops.numpy``).

Example:
    >>> import numpy as np
    >>> from strata.ops import numpy as onp
    >>> onp.sum(np.ones((2, 3)), axis=-1).tolist()
    [3.0, 3.0]
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from strata.ops._common import FLOATX, as_axis
from strata.ops._dispatch import keras_op
from strata.ops._numpy_math import (  # noqa: F401 - part of this namespace
    abs,
    absolute,
    add,
    all,
    amax,
    amin,
    any,
    arccos,
    arcsin,
    arctan,
    arctan2,
    argmax,
    argmin,
    argsort,
    average,
    ceil,
    clip,
    cos,
    cosh,
    cumprod,
    cumsum,
    divide,
    divide_no_nan,
    equal,
    exp,
    expm1,
    floor,
    floor_divide,
    greater,
    greater_equal,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    max,
    maximum,
    mean,
    min,
    minimum,
    mod,
    multiply,
    negative,
    not_equal,
    power,
    prod,
    reciprocal,
    round,
    sign,
    sin,
    sinh,
    sort,
    sqrt,
    square,
    std,
    subtract,
    sum,
    tan,
    true_divide,
    var,
)

NUMPY = "keras.src.ops.numpy"


@keras_op(NUMPY)
def ndim(x):
    """The rank of `x`."""
    return jnp.ndim(x)


@keras_op(NUMPY)
def size(x):
    """The number of elements of `x`."""
    return jnp.size(x)


def zeros(shape, dtype=None):
    """An array of zeros (float32 by default)."""
    return jnp.zeros(shape, dtype=dtype or FLOATX)


def ones(shape, dtype=None):
    """An array of ones (float32 by default)."""
    return jnp.ones(shape, dtype=dtype or FLOATX)


@keras_op(NUMPY)
def zeros_like(x, dtype=None):
    """Zeros with the shape (and, by default, dtype) of `x`."""
    return jnp.zeros_like(x, dtype=dtype)


@keras_op(NUMPY)
def ones_like(x, dtype=None):
    """Ones with the shape (and, by default, dtype) of `x`."""
    return jnp.ones_like(x, dtype=dtype)


@keras_op(NUMPY, tensors=("fill_value",))
def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value`."""
    return jnp.full(shape, fill_value, dtype=dtype)


@keras_op(NUMPY, tensors=("x", "fill_value"))
def full_like(x, fill_value, dtype=None):
    """An array like `x` filled with `fill_value`."""
    return jnp.full_like(x, fill_value, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in ``[start, stop)``."""
    return jnp.arange(start, stop, step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`."""
    return jnp.linspace(
        start, stop, num, endpoint=endpoint, retstep=retstep, dtype=dtype, axis=axis
    )


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """A 2-D array with ones on the `k`-th diagonal."""
    return jnp.eye(N, M, k=k, dtype=dtype or FLOATX)


def identity(n, dtype=None):
    """The ``n x n`` identity matrix."""
    return jnp.identity(n, dtype=dtype or FLOATX)


@keras_op(NUMPY, tensors=("x1", "x2"))
def matmul(x1, x2):
    """Matrix product of `x1` and `x2` (batched over leading axes)."""
    return jnp.matmul(x1, x2)


@keras_op(NUMPY, tensors=("x1", "x2"))
def dot(x1, x2):
    """Dot product: ``x1 @ x2`` for matrices, a sum over the last/second-to-last axes in general."""
    return jnp.dot(x1, x2)


@keras_op(NUMPY, tensors=("operands",))
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation, e.g. ``einsum("bij,jk->bik", x, w)``."""
    return jnp.einsum(subscripts, *operands, **kwargs)


@keras_op(NUMPY, tensors=("x1", "x2"))
def tensordot(x1, x2, axes=2):
    """Sum products over the given axes of `x1` and `x2`."""
    return jnp.tensordot(x1, x2, axes=axes)


@keras_op(NUMPY, tensors=("x1", "x2"))
def outer(x1, x2):
    """Outer product of two vectors."""
    return jnp.outer(x1, x2)


@keras_op(NUMPY)
def tanh(x):
    """Hyperbolic tangent."""
    return jnp.tanh(x)


@keras_op(NUMPY, tensors=("xs",))
def concatenate(xs, axis=0):
    """Join a list of arrays along `axis` (default 0, as in Keras)."""
    return jnp.concatenate(list(xs), axis=axis)


@keras_op(NUMPY)
def stack(x, axis=0):
    """Stack a list of same-shaped arrays along a new `axis`."""
    return jnp.stack(list(x), axis=axis)


@keras_op(NUMPY, tensors=("xs",))
def vstack(xs):
    """Stack arrays row-wise."""
    return jnp.vstack(list(xs))


@keras_op(NUMPY, tensors=("xs",))
def hstack(xs):
    """Stack arrays column-wise."""
    return jnp.hstack(list(xs))


@keras_op(NUMPY)
def reshape(x, newshape):
    """`x` with shape `newshape` (one entry may be -1)."""
    return jnp.reshape(x, newshape)


@keras_op(NUMPY)
def transpose(x, axes=None):
    """`x` with its axes permuted (reversed by default)."""
    return jnp.transpose(x, axes)


@keras_op(NUMPY)
def swapaxes(x, axis1, axis2):
    """`x` with two axes exchanged."""
    return jnp.swapaxes(x, axis1, axis2)


@keras_op(NUMPY)
def moveaxis(x, source, destination):
    """`x` with axes moved to new positions."""
    return jnp.moveaxis(x, source, destination)


@keras_op(NUMPY)
def expand_dims(x, axis):
    """`x` with a new axis of size 1 at `axis`."""
    return jnp.expand_dims(x, axis)


@keras_op(NUMPY)
def squeeze(x, axis=None):
    """`x` without its size-1 axes (or only `axis`)."""
    return jnp.squeeze(x, axis=as_axis(axis))


@keras_op(NUMPY)
def broadcast_to(x, shape):
    """`x` broadcast to `shape`."""
    return jnp.broadcast_to(x, shape)


@keras_op(NUMPY)
def split(x, indices_or_sections, axis=0):
    """A list of sub-arrays of `x` (equal sections, or split at the given indices)."""
    return jnp.split(x, indices_or_sections, axis=axis)


@keras_op(NUMPY, tensors=("x", "constant_values"))
def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded by ``pad_width`` (``[(before, after), ...]``)."""
    if constant_values is not None:
        if mode != "constant":
            raise ValueError(
                f"pad: `constant_values` applies only to mode='constant'; received mode={mode!r}."
            )
        return jnp.pad(x, pad_width, mode=mode, constant_values=constant_values)
    return jnp.pad(x, pad_width, mode=mode)


@keras_op(NUMPY)
def tile(x, repeats):
    """`x` repeated `repeats` times along each axis."""
    return jnp.tile(x, repeats)


@keras_op(NUMPY)
def repeat(x, repeats, axis=None):
    """Each element of `x` repeated `repeats` times (along `axis`, or flattened)."""
    return jnp.repeat(x, repeats, axis=axis)


@keras_op(NUMPY)
def flip(x, axis=None):
    """`x` reversed along `axis` (all axes by default)."""
    return jnp.flip(x, axis=as_axis(axis))


@keras_op(NUMPY)
def roll(x, shift, axis=None):
    """`x` rolled by `shift` along `axis`."""
    return jnp.roll(x, shift, axis=as_axis(axis))


@keras_op(NUMPY)
def ravel(x):
    """`x` flattened to 1-D."""
    return jnp.ravel(x)


@keras_op(NUMPY)
def tril(x, k=0):
    """The lower triangle of `x`."""
    return jnp.tril(x, k=k)


@keras_op(NUMPY)
def triu(x, k=0):
    """The upper triangle of `x`."""
    return jnp.triu(x, k=k)


@keras_op(NUMPY)
def diag(x, k=0):
    """The `k`-th diagonal of a matrix, or a diagonal matrix from a vector."""
    return jnp.diag(x, k=k)


@keras_op(NUMPY, tensors=("condition", "x1", "x2"))
def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition`, else of `x2`; the indices of True with only `condition`."""
    if x1 is None and x2 is None:
        return jnp.nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: pass both `x1` and `x2`, or neither.")
    return jnp.where(condition, x1, x2)


@keras_op(NUMPY, tensors=("x", "indices"))
def take(x, indices, axis=None):
    """Elements of `x` at `indices` (along `axis`, or of the flattened array)."""
    return jnp.take(x, jnp.asarray(indices), axis=axis)


@keras_op(NUMPY, tensors=("x", "indices"))
def take_along_axis(x, indices, axis=None):
    """Elements of `x` picked by an index array of matching rank along `axis`."""
    return jnp.take_along_axis(x, jnp.asarray(indices), axis=axis)


@keras_op(NUMPY)
def nonzero(x):
    """The indices of the non-zero elements of `x`, one array per axis."""
    return jnp.nonzero(x)


@keras_op(NUMPY)
def count_nonzero(x, axis=None):
    """How many elements of `x` are non-zero (along `axis`)."""
    return jnp.count_nonzero(x, axis=as_axis(axis)).astype("int32")


@keras_op(NUMPY, tensors=("x", "key"))
def get_item(x, key):
    """``x[key]`` (ints, slices, None, ``...``); a list key is read as a tuple, as Keras
    reads the keys it saved."""
    if isinstance(key, list):
        key = tuple(key)
    x = jnp.asarray(x)
    _check_static_indices(x.shape, key if isinstance(key, tuple) else (key,))
    return x[key]


def _check_static_indices(shape: tuple, parts: tuple) -> None:
    """Raise for an int index out of range, or too many indices (JAX would clamp silently;
    NumPy and Keras raise)."""
    consuming = [p for p in parts if p is not None and p is not Ellipsis]
    if len(consuming) > len(shape):
        raise IndexError(
            f"get_item: too many indices for a tensor of shape {tuple(shape)}: the key "
            f"{parts!r} indexes {len(consuming)} axes."
        )
    if Ellipsis in parts:
        cut = parts.index(Ellipsis)
        left = [p for p in parts[:cut] if p is not None]
        right = [p for p in parts[cut + 1 :] if p is not None]
        placed = list(enumerate(left)) + [
            (len(shape) - len(right) + i, p) for i, p in enumerate(right)
        ]
    else:
        placed = list(enumerate(consuming))
    for axis, part in placed:
        if isinstance(part, int | np.integer) and not isinstance(part, bool):
            size = shape[axis]
            if not -size <= part < size:
                raise IndexError(
                    f"get_item: index {part} is out of bounds for axis {axis} with size {size} "
                    f"(tensor of shape {tuple(shape)})."
                )


__all__ = [
    "abs",
    "absolute",
    "add",
    "all",
    "amax",
    "amin",
    "any",
    "arange",
    "arccos",
    "arcsin",
    "arctan",
    "arctan2",
    "argmax",
    "argmin",
    "argsort",
    "average",
    "broadcast_to",
    "ceil",
    "clip",
    "concatenate",
    "cos",
    "cosh",
    "count_nonzero",
    "cumprod",
    "cumsum",
    "diag",
    "divide",
    "divide_no_nan",
    "dot",
    "einsum",
    "equal",
    "exp",
    "expand_dims",
    "expm1",
    "eye",
    "flip",
    "floor",
    "floor_divide",
    "full",
    "full_like",
    "get_item",
    "greater",
    "greater_equal",
    "hstack",
    "identity",
    "isfinite",
    "isinf",
    "isnan",
    "less",
    "less_equal",
    "linspace",
    "log",
    "log10",
    "log1p",
    "log2",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "moveaxis",
    "multiply",
    "ndim",
    "negative",
    "nonzero",
    "not_equal",
    "ones",
    "ones_like",
    "outer",
    "pad",
    "power",
    "prod",
    "ravel",
    "reciprocal",
    "repeat",
    "reshape",
    "roll",
    "round",
    "sign",
    "sin",
    "sinh",
    "size",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "subtract",
    "sum",
    "swapaxes",
    "take",
    "take_along_axis",
    "tan",
    "tanh",
    "tensordot",
    "tile",
    "transpose",
    "tril",
    "triu",
    "true_divide",
    "var",
    "vstack",
    "where",
    "zeros",
    "zeros_like",
]
