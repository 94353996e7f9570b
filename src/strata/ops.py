"""`strata.ops`: the Keras op names custom layers are written with, on `jax.numpy`/`jax.lax`.

Each op is a thin mapping with Keras 3's argument names and defaults (``concatenate`` joins
along ``axis=0``, ``gelu`` is approximate by default, ``leaky_relu`` has slope 0.2, ``mean`` of
integers is a float). Every op accepts strata `Variable`s (a layer's ``self.kernel``) as well as
arrays, so ``ops.matmul(x, self.kernel)`` works eagerly and inside a compiled step.

Example:
    >>> import numpy as np
    >>> from strata import ops
    >>> ops.matmul(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> ops.convert_to_numpy(ops.softmax(np.zeros((1, 2)))).tolist()
    [[0.5, 0.5]]
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp_special
import numpy as np

from strata.state.variable import Variable, unwrap

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
    "cast",
    "ceil",
    "clip",
    "concatenate",
    "cond",
    "convert_to_numpy",
    "convert_to_tensor",
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
    "elu",
    "equal",
    "erf",
    "erfinv",
    "exp",
    "expand_dims",
    "expm1",
    "eye",
    "flip",
    "floor",
    "floor_divide",
    "fori_loop",
    "full",
    "full_like",
    "gelu",
    "greater",
    "greater_equal",
    "hard_sigmoid",
    "hstack",
    "identity",
    "isfinite",
    "isinf",
    "isnan",
    "leaky_relu",
    "less",
    "less_equal",
    "linspace",
    "log",
    "log10",
    "log1p",
    "log2",
    "log_sigmoid",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "map",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mod",
    "moments",
    "moveaxis",
    "multiply",
    "ndim",
    "negative",
    "nonzero",
    "norm",
    "normalize",
    "not_equal",
    "one_hot",
    "ones",
    "ones_like",
    "outer",
    "pad",
    "power",
    "prod",
    "ravel",
    "reciprocal",
    "relu",
    "relu6",
    "repeat",
    "reshape",
    "roll",
    "round",
    "rsqrt",
    "scan",
    "scatter",
    "scatter_update",
    "selu",
    "shape",
    "sigmoid",
    "sign",
    "silu",
    "sin",
    "sinh",
    "size",
    "slice",
    "slice_update",
    "softmax",
    "softplus",
    "softsign",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "stop_gradient",
    "subtract",
    "sum",
    "swapaxes",
    "swish",
    "take",
    "take_along_axis",
    "tan",
    "tanh",
    "tensordot",
    "tile",
    "top_k",
    "transpose",
    "tril",
    "triu",
    "true_divide",
    "var",
    "vectorized_map",
    "vstack",
    "where",
    "while_loop",
    "zeros",
    "zeros_like",
]

_FLOATX = "float32"


def _unwrap_all(tree):
    """Variables anywhere in `tree` (lists of tensors included) replaced by their arrays."""
    return jax.tree_util.tree_map(unwrap, tree, is_leaf=lambda node: isinstance(node, Variable))


def _op(fn):
    """Unwrap strata Variables in every argument before calling `fn`."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return fn(*_unwrap_all(args), **_unwrap_all(kwargs))

    return wrapper


def _float_input(x):
    """Integers and booleans are averaged (and the like) in float32, as Keras does."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(_FLOATX)
    return x


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


# ---- creating and converting --------------------------------------------------------------------
@_op
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """An array from `x` (array-like or Variable), optionally cast to `dtype`."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: sparse and ragged tensors are not supported.")
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    """A NumPy array from an array, Variable or array-like."""
    return np.asarray(unwrap(x))


@_op
def cast(x, dtype):
    """`x` as `dtype`."""
    return jnp.asarray(x).astype(dtype)


def shape(x):
    """The static shape of `x`, a tuple of ints."""
    return tuple(unwrap(x).shape) if hasattr(unwrap(x), "shape") else np.shape(x)


@_op
def ndim(x):
    """The rank of `x`."""
    return jnp.ndim(x)


@_op
def size(x):
    """The number of elements of `x`."""
    return jnp.size(x)


@_op
def stop_gradient(variable):
    """`variable` with its gradient blocked."""
    return jax.lax.stop_gradient(variable)


def zeros(shape, dtype=None):
    """An array of zeros (float32 by default)."""
    return jnp.zeros(shape, dtype=dtype or _FLOATX)


def ones(shape, dtype=None):
    """An array of ones (float32 by default)."""
    return jnp.ones(shape, dtype=dtype or _FLOATX)


@_op
def zeros_like(x, dtype=None):
    """Zeros with the shape (and, by default, dtype) of `x`."""
    return jnp.zeros_like(x, dtype=dtype)


@_op
def ones_like(x, dtype=None):
    """Ones with the shape (and, by default, dtype) of `x`."""
    return jnp.ones_like(x, dtype=dtype)


@_op
def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value`."""
    return jnp.full(shape, fill_value, dtype=dtype)


@_op
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
    return jnp.eye(N, M, k=k, dtype=dtype or _FLOATX)


def identity(n, dtype=None):
    """The ``n x n`` identity matrix."""
    return jnp.identity(n, dtype=dtype or _FLOATX)


# ---- linear algebra -----------------------------------------------------------------------------
@_op
def matmul(x1, x2):
    """Matrix product of `x1` and `x2` (batched over leading axes)."""
    return jnp.matmul(x1, x2)


@_op
def dot(x1, x2):
    """Dot product: ``x1 @ x2`` for matrices, a sum over the last/second-to-last axes in general."""
    return jnp.dot(x1, x2)


@_op
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation, e.g. ``einsum("bij,jk->bik", x, w)``."""
    return jnp.einsum(subscripts, *operands, **kwargs)


@_op
def tensordot(x1, x2, axes=2):
    """Sum products over the given axes of `x1` and `x2`."""
    return jnp.tensordot(x1, x2, axes=axes)


@_op
def outer(x1, x2):
    """Outer product of two vectors."""
    return jnp.outer(x1, x2)


@_op
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's argument name
    """A vector or matrix norm (`jnp.linalg.norm`)."""
    return jnp.linalg.norm(_float_input(x), ord=ord, axis=_axis(axis), keepdims=keepdims)


@_op
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x` divided by its `order`-norm along `axis`."""
    x = _float_input(x)
    if order == 2:
        eps = 1e-12 if epsilon is None else epsilon
        squares = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
        return x * jax.lax.rsqrt(jnp.maximum(squares, eps))
    norms = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    eps = 1e-7 if epsilon is None else epsilon
    return x / jnp.maximum(norms, eps)


# ---- activations --------------------------------------------------------------------------------
@_op
def relu(x):
    """``max(x, 0)``."""
    return jax.nn.relu(x)


@_op
def relu6(x):
    """``min(max(x, 0), 6)``."""
    return jax.nn.relu6(x)


@_op
def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return jax.nn.sigmoid(x)


@_op
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``."""
    return jax.nn.hard_sigmoid(x)


@_op
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return jax.nn.log_sigmoid(x)


@_op
def tanh(x):
    """Hyperbolic tangent."""
    return jnp.tanh(x)


@_op
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along `axis`."""
    return jax.nn.softmax(x, axis=_axis(axis))


@_op
def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along `axis`, computed stably."""
    return jax.nn.log_softmax(x, axis=_axis(axis))


@_op
def gelu(x, approximate=True):
    """Gaussian error linear unit (the tanh approximation by default, as in Keras)."""
    return jax.nn.gelu(x, approximate=approximate)


@_op
def silu(x):
    """``x * sigmoid(x)``."""
    return jax.nn.silu(x)


swish = silu


@_op
def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return jax.nn.elu(x, alpha=alpha)


@_op
def selu(x):
    """Scaled ELU."""
    return jax.nn.selu(x)


@_op
def softplus(x):
    """``log(1 + exp(x))``."""
    return jax.nn.softplus(x)


@_op
def softsign(x):
    """``x / (1 + |x|)``."""
    return jax.nn.soft_sign(x)


@_op
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x >= 0``, else ``negative_slope * x``."""
    return jax.nn.leaky_relu(x, negative_slope=negative_slope)


@_op
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` along `axis`, computed stably."""
    return jax.nn.logsumexp(x, axis=_axis(axis), keepdims=keepdims)


@_op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of length `num_classes` for integer `x` (negative ids give zeros)."""
    if sparse:
        raise ValueError("one_hot: `sparse=True` is not supported.")
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype or _FLOATX)


@_op
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`: ``(mean, variance)``.

    As Keras does, 16-bit inputs are reduced in float32 and the results cast back.
    """
    dtype = jnp.asarray(x).dtype
    x = _float_input(x)
    if x.dtype in (jnp.float16, jnp.bfloat16):
        x = x.astype(jnp.float32)
    axes = _axis(axes)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    # Keras's formula: E[x^2] - E[x]^2, with no gradient through the subtracted mean.
    variance = jnp.mean(jnp.square(x), axis=axes, keepdims=True) - jnp.square(
        jax.lax.stop_gradient(mean)
    )
    if not keepdims:
        mean = jnp.squeeze(mean, axes)
        variance = jnp.squeeze(variance, axes)
    out_dtype = dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.float32
    return mean.astype(out_dtype), variance.astype(out_dtype)


# ---- shape manipulation -------------------------------------------------------------------------
@_op
def concatenate(xs, axis=0):
    """Join a list of arrays along `axis` (default 0, as in Keras)."""
    return jnp.concatenate(list(xs), axis=axis)


@_op
def stack(x, axis=0):
    """Stack a list of same-shaped arrays along a new `axis`."""
    return jnp.stack(list(x), axis=axis)


@_op
def vstack(xs):
    """Stack arrays row-wise."""
    return jnp.vstack(list(xs))


@_op
def hstack(xs):
    """Stack arrays column-wise."""
    return jnp.hstack(list(xs))


@_op
def reshape(x, newshape):
    """`x` with shape `newshape` (one entry may be -1)."""
    return jnp.reshape(x, newshape)


@_op
def transpose(x, axes=None):
    """`x` with its axes permuted (reversed by default)."""
    return jnp.transpose(x, axes)


@_op
def swapaxes(x, axis1, axis2):
    """`x` with two axes exchanged."""
    return jnp.swapaxes(x, axis1, axis2)


@_op
def moveaxis(x, source, destination):
    """`x` with axes moved to new positions."""
    return jnp.moveaxis(x, source, destination)


@_op
def expand_dims(x, axis):
    """`x` with a new axis of size 1 at `axis`."""
    return jnp.expand_dims(x, axis)


@_op
def squeeze(x, axis=None):
    """`x` without its size-1 axes (or only `axis`)."""
    return jnp.squeeze(x, axis=_axis(axis))


@_op
def broadcast_to(x, shape):
    """`x` broadcast to `shape`."""
    return jnp.broadcast_to(x, shape)


@_op
def split(x, indices_or_sections, axis=0):
    """A list of sub-arrays of `x` (equal sections, or split at the given indices)."""
    return jnp.split(x, indices_or_sections, axis=axis)


@_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded by ``pad_width`` (``[(before, after), ...]``)."""
    if constant_values is not None:
        if mode != "constant":
            raise ValueError(
                f"pad: `constant_values` applies only to mode='constant'; received mode={mode!r}."
            )
        return jnp.pad(x, pad_width, mode=mode, constant_values=constant_values)
    return jnp.pad(x, pad_width, mode=mode)


@_op
def tile(x, repeats):
    """`x` repeated `repeats` times along each axis."""
    return jnp.tile(x, repeats)


@_op
def repeat(x, repeats, axis=None):
    """Each element of `x` repeated `repeats` times (along `axis`, or flattened)."""
    return jnp.repeat(x, repeats, axis=axis)


@_op
def flip(x, axis=None):
    """`x` reversed along `axis` (all axes by default)."""
    return jnp.flip(x, axis=_axis(axis))


@_op
def roll(x, shift, axis=None):
    """`x` rolled by `shift` along `axis`."""
    return jnp.roll(x, shift, axis=_axis(axis))


@_op
def ravel(x):
    """`x` flattened to 1-D."""
    return jnp.ravel(x)


@_op
def tril(x, k=0):
    """The lower triangle of `x`."""
    return jnp.tril(x, k=k)


@_op
def triu(x, k=0):
    """The upper triangle of `x`."""
    return jnp.triu(x, k=k)


@_op
def diag(x, k=0):
    """The `k`-th diagonal of a matrix, or a diagonal matrix from a vector."""
    return jnp.diag(x, k=k)


# ---- indexing -----------------------------------------------------------------------------------
@_op
def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition`, else of `x2`; the indices of True with only `condition`."""
    if x1 is None and x2 is None:
        return jnp.nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: pass both `x1` and `x2`, or neither.")
    return jnp.where(condition, x1, x2)


@_op
def take(x, indices, axis=None):
    """Elements of `x` at `indices` (along `axis`, or of the flattened array)."""
    return jnp.take(x, jnp.asarray(indices), axis=axis)


@_op
def take_along_axis(x, indices, axis=None):
    """Elements of `x` picked by an index array of matching rank along `axis`."""
    return jnp.take_along_axis(x, jnp.asarray(indices), axis=axis)


@_op
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's op name
    """A block of `inputs` of `shape` starting at `start_indices`."""
    return jax.lax.dynamic_slice(inputs, start_indices, shape)


@_op
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates`."""
    return jax.lax.dynamic_update_slice(inputs, updates, start_indices)


@_op
def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at the index rows of `indices`."""
    indices = jnp.asarray(indices)
    zeros_ = jnp.zeros(shape, jnp.asarray(values).dtype)
    return zeros_.at[tuple(jnp.moveaxis(indices, -1, 0))].add(values)


@_op
def scatter_update(inputs, indices, updates):
    """`inputs` with the elements at the index rows of `indices` set to `updates`."""
    indices = jnp.asarray(indices)
    return jnp.asarray(inputs).at[tuple(jnp.moveaxis(indices, -1, 0))].set(updates)


@_op
def nonzero(x):
    """The indices of the non-zero elements of `x`, one array per axis."""
    return jnp.nonzero(x)


@_op
def count_nonzero(x, axis=None):
    """How many elements of `x` are non-zero (along `axis`)."""
    return jnp.count_nonzero(x, axis=_axis(axis)).astype("int32")


# ---- reductions ---------------------------------------------------------------------------------
@_op
def mean(x, axis=None, keepdims=False):
    """The mean along `axis` (integers give a float32 result)."""
    return jnp.mean(_float_input(x), axis=_axis(axis), keepdims=keepdims)


@_op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's op name
    """The sum along `axis`."""
    return jnp.sum(x, axis=_axis(axis), keepdims=keepdims)


@_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product along `axis`."""
    return jnp.prod(x, axis=_axis(axis), keepdims=keepdims, dtype=dtype)


@_op
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's op name
    """The maximum along `axis`."""
    return jnp.max(x, axis=_axis(axis), keepdims=keepdims, initial=initial)


@_op
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's op name
    """The minimum along `axis`."""
    return jnp.min(x, axis=_axis(axis), keepdims=keepdims, initial=initial)


amax, amin = max, min


@_op
def std(x, axis=None, keepdims=False):
    """The standard deviation along `axis`."""
    return jnp.std(_float_input(x), axis=_axis(axis), keepdims=keepdims)


@_op
def var(x, axis=None, keepdims=False):
    """The variance along `axis`."""
    return jnp.var(_float_input(x), axis=_axis(axis), keepdims=keepdims)


@_op
def average(x, axis=None, weights=None):
    """The (weighted) average along `axis`."""
    return jnp.average(_float_input(x), axis=_axis(axis), weights=weights)


@_op
def argmax(x, axis=None, keepdims=False):
    """The index of the largest element along `axis` (int32)."""
    return jnp.argmax(x, axis=axis, keepdims=keepdims).astype("int32")


@_op
def argmin(x, axis=None, keepdims=False):
    """The index of the smallest element along `axis` (int32)."""
    return jnp.argmin(x, axis=axis, keepdims=keepdims).astype("int32")


@_op
def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's op name
    """Whether any element along `axis` is true."""
    return jnp.any(x, axis=_axis(axis), keepdims=keepdims)


@_op
def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's op name
    """Whether every element along `axis` is true."""
    return jnp.all(x, axis=_axis(axis), keepdims=keepdims)


@_op
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened array by default)."""
    return jnp.cumsum(x, axis=axis, dtype=dtype)


@_op
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened array by default)."""
    return jnp.cumprod(x, axis=axis, dtype=dtype)


@_op
def sort(x, axis=-1):
    """`x` sorted along `axis`."""
    return jnp.sort(x, axis=axis)


@_op
def argsort(x, axis=-1):
    """The indices that sort `x` along `axis` (int32)."""
    return jnp.argsort(x, axis=axis).astype("int32")


@_op
def top_k(x, k, sorted=True):  # noqa: A002 - Keras's argument name
    """The `k` largest values along the last axis and their indices: ``(values, indices)``.

    The results are always sorted (`jax.lax.top_k`); that is also a valid ``sorted=False`` answer.
    """
    return jax.lax.top_k(x, k)


# ---- elementwise math ---------------------------------------------------------------------------
def _unary(name, fn, doc):
    def op(x):
        return fn(unwrap(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


abs = _unary("abs", jnp.abs, "Absolute value.")  # noqa: A001 - Keras's op name
absolute = abs
sqrt = _unary("sqrt", lambda x: jnp.sqrt(_float_input(x)), "Square root.")
rsqrt = _unary("rsqrt", lambda x: jax.lax.rsqrt(_float_input(x)), "``1 / sqrt(x)``.")
square = _unary("square", jnp.square, "``x * x``.")
exp = _unary("exp", lambda x: jnp.exp(_float_input(x)), "Exponential.")
expm1 = _unary("expm1", lambda x: jnp.expm1(_float_input(x)), "``exp(x) - 1``.")
log = _unary("log", lambda x: jnp.log(_float_input(x)), "Natural logarithm.")
log1p = _unary("log1p", lambda x: jnp.log1p(_float_input(x)), "``log(1 + x)``.")
log2 = _unary("log2", lambda x: jnp.log2(_float_input(x)), "Base-2 logarithm.")
log10 = _unary("log10", lambda x: jnp.log10(_float_input(x)), "Base-10 logarithm.")
sign = _unary("sign", jnp.sign, "-1, 0 or 1 by the sign of `x`.")
negative = _unary("negative", jnp.negative, "``-x``.")
reciprocal = _unary("reciprocal", lambda x: 1.0 / _float_input(x), "``1 / x``.")
floor = _unary("floor", jnp.floor, "Round down.")
ceil = _unary("ceil", jnp.ceil, "Round up.")
sin = _unary("sin", jnp.sin, "Sine.")
cos = _unary("cos", jnp.cos, "Cosine.")
tan = _unary("tan", jnp.tan, "Tangent.")
arcsin = _unary("arcsin", jnp.arcsin, "Inverse sine.")
arccos = _unary("arccos", jnp.arccos, "Inverse cosine.")
arctan = _unary("arctan", jnp.arctan, "Inverse tangent.")
sinh = _unary("sinh", jnp.sinh, "Hyperbolic sine.")
cosh = _unary("cosh", jnp.cosh, "Hyperbolic cosine.")
erf = _unary("erf", lambda x: jsp_special.erf(_float_input(x)), "The error function.")
erfinv = _unary(
    "erfinv", lambda x: jsp_special.erfinv(_float_input(x)), "The inverse error function."
)
isnan = _unary("isnan", jnp.isnan, "Whether each element is NaN.")
isinf = _unary("isinf", jnp.isinf, "Whether each element is infinite.")
isfinite = _unary("isfinite", jnp.isfinite, "Whether each element is finite.")
logical_not = _unary("logical_not", jnp.logical_not, "Elementwise NOT.")


@_op
def round(x, decimals=0):  # noqa: A001 - Keras's op name
    """`x` rounded to `decimals` places (half to even)."""
    return jnp.round(x, decimals=decimals)


@_op
def clip(x, x_min, x_max):
    """`x` limited to ``[x_min, x_max]``."""
    return jnp.clip(x, x_min, x_max)


def _binary(name, fn, doc):
    def op(x1, x2):
        return fn(unwrap(x1), unwrap(x2))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


add = _binary("add", jnp.add, "``x1 + x2``.")
subtract = _binary("subtract", jnp.subtract, "``x1 - x2``.")
multiply = _binary("multiply", jnp.multiply, "``x1 * x2``.")
divide = _binary("divide", jnp.true_divide, "``x1 / x2``.")
true_divide = divide
divide_no_nan = _binary(
    "divide_no_nan",
    lambda x1, x2: jnp.where(x2 == 0, 0, x1 / jnp.where(x2 == 0, 1, x2)),
    "``x1 / x2``, with 0 where `x2` is 0.",
)
floor_divide = _binary("floor_divide", jnp.floor_divide, "``x1 // x2``.")
mod = _binary("mod", jnp.mod, "``x1 % x2``.")
power = _binary("power", jnp.power, "``x1 ** x2``.")
maximum = _binary("maximum", jnp.maximum, "Elementwise maximum.")
minimum = _binary("minimum", jnp.minimum, "Elementwise minimum.")
arctan2 = _binary("arctan2", jnp.arctan2, "Angle of the point ``(x2, x1)``.")
equal = _binary("equal", jnp.equal, "``x1 == x2``.")
not_equal = _binary("not_equal", jnp.not_equal, "``x1 != x2``.")
greater = _binary("greater", jnp.greater, "``x1 > x2``.")
greater_equal = _binary("greater_equal", jnp.greater_equal, "``x1 >= x2``.")
less = _binary("less", jnp.less, "``x1 < x2``.")
less_equal = _binary("less_equal", jnp.less_equal, "``x1 <= x2``.")
logical_and = _binary("logical_and", jnp.logical_and, "Elementwise AND.")
logical_or = _binary("logical_or", jnp.logical_or, "Elementwise OR.")
logical_xor = _binary("logical_xor", jnp.logical_xor, "Elementwise XOR.")


# ---- control flow -------------------------------------------------------------------------------
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if `pred` else ``false_fn()``, traced as one `jax.lax.cond`."""
    return jax.lax.cond(unwrap(pred), true_fn, false_fn)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``carry, y = f(carry, x)`` over the leading axis of `xs`: ``(carry, stacked ys)``."""
    return jax.lax.scan(
        f, _unwrap_all(init), _unwrap_all(xs), length=length, reverse=reverse, unroll=unroll
    )


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Run ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``; returns the loop vars.

    As in Keras, `loop_vars` is a tuple/list whose items are passed as separate arguments (a
    single non-sequence value is passed alone), and `maximum_iterations` caps the loop.
    """
    is_sequence = isinstance(loop_vars, list | tuple)
    state = tuple(loop_vars) if is_sequence else (loop_vars,)
    state = _unwrap_all(state)

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


def fori_loop(lower, upper, body_fun, init_val):
    """``val = body_fun(i, val)`` for ``i`` in ``[lower, upper)``; returns the final value."""
    return jax.lax.fori_loop(lower, upper, body_fun, _unwrap_all(init_val))


def map(f, xs):  # noqa: A001 - Keras's op name
    """``f`` applied to each slice of `xs` along its leading axis, results stacked."""
    return jax.lax.map(f, _unwrap_all(xs))


def vectorized_map(function, elements):
    """``function`` applied to each leading-axis slice of `elements`, vectorized with `vmap`."""
    return jax.vmap(function)(_unwrap_all(elements))
