"""The reductions and elementwise math of `strata.ops.numpy` (kept apart to keep files short).

Example:
    >>> import numpy as np
    >>> mean(np.array([1, 2])).tolist(), maximum(np.array([1.0]), 2.0).tolist()
    (1.5, [2.0])
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.ops._common import as_axis, binary, float_input, unary
from strata.ops._dispatch import keras_op

NUMPY = "keras.src.ops.numpy"


@keras_op(NUMPY)
def mean(x, axis=None, keepdims=False):
    """The mean along `axis` (integers give a float32 result)."""
    return jnp.mean(float_input(x), axis=as_axis(axis), keepdims=keepdims)


@keras_op(NUMPY)
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's op name
    """The sum along `axis`."""
    return jnp.sum(x, axis=as_axis(axis), keepdims=keepdims)


@keras_op(NUMPY)
def prod(x, axis=None, keepdims=False, dtype=None):
    """The product along `axis`."""
    return jnp.prod(x, axis=as_axis(axis), keepdims=keepdims, dtype=dtype)


@keras_op(NUMPY)
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's op name
    """The maximum along `axis`."""
    return jnp.max(x, axis=as_axis(axis), keepdims=keepdims, initial=initial)


@keras_op(NUMPY)
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's op name
    """The minimum along `axis`."""
    return jnp.min(x, axis=as_axis(axis), keepdims=keepdims, initial=initial)


amax, amin = max, min


@keras_op(NUMPY)
def std(x, axis=None, keepdims=False):
    """The standard deviation along `axis`."""
    return jnp.std(float_input(x), axis=as_axis(axis), keepdims=keepdims)


@keras_op(NUMPY)
def var(x, axis=None, keepdims=False):
    """The variance along `axis`."""
    return jnp.var(float_input(x), axis=as_axis(axis), keepdims=keepdims)


@keras_op(NUMPY, tensors=("x", "weights"))
def average(x, axis=None, weights=None):
    """The (weighted) average along `axis`."""
    return jnp.average(float_input(x), axis=as_axis(axis), weights=weights)


@keras_op(NUMPY)
def argmax(x, axis=None, keepdims=False):
    """The index of the largest element along `axis` (int32)."""
    return jnp.argmax(x, axis=axis, keepdims=keepdims).astype("int32")


@keras_op(NUMPY)
def argmin(x, axis=None, keepdims=False):
    """The index of the smallest element along `axis` (int32)."""
    return jnp.argmin(x, axis=axis, keepdims=keepdims).astype("int32")


@keras_op(NUMPY)
def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's op name
    """Whether any element along `axis` is true."""
    return jnp.any(x, axis=as_axis(axis), keepdims=keepdims)


@keras_op(NUMPY)
def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's op name
    """Whether every element along `axis` is true."""
    return jnp.all(x, axis=as_axis(axis), keepdims=keepdims)


@keras_op(NUMPY)
def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (of the flattened array by default)."""
    return jnp.cumsum(x, axis=axis, dtype=dtype)


@keras_op(NUMPY)
def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (of the flattened array by default)."""
    return jnp.cumprod(x, axis=axis, dtype=dtype)


@keras_op(NUMPY)
def sort(x, axis=-1):
    """`x` sorted along `axis`."""
    return jnp.sort(x, axis=axis)


@keras_op(NUMPY)
def argsort(x, axis=-1):
    """The indices that sort `x` along `axis` (int32)."""
    return jnp.argsort(x, axis=axis).astype("int32")


absolute = unary(NUMPY, "absolute", jnp.abs, "Absolute value.")
abs = absolute  # noqa: A001 - Keras's op name


sqrt = unary(NUMPY, "sqrt", lambda x: jnp.sqrt(float_input(x)), "Square root.")


square = unary(NUMPY, "square", jnp.square, "``x * x``.")


exp = unary(NUMPY, "exp", lambda x: jnp.exp(float_input(x)), "Exponential.")


expm1 = unary(NUMPY, "expm1", lambda x: jnp.expm1(float_input(x)), "``exp(x) - 1``.")


log = unary(NUMPY, "log", lambda x: jnp.log(float_input(x)), "Natural logarithm.")


log1p = unary(NUMPY, "log1p", lambda x: jnp.log1p(float_input(x)), "``log(1 + x)``.")


log2 = unary(NUMPY, "log2", lambda x: jnp.log2(float_input(x)), "Base-2 logarithm.")


log10 = unary(NUMPY, "log10", lambda x: jnp.log10(float_input(x)), "Base-10 logarithm.")


sign = unary(NUMPY, "sign", jnp.sign, "-1, 0 or 1 by the sign of `x`.")


negative = unary(NUMPY, "negative", jnp.negative, "``-x``.")


reciprocal = unary(NUMPY, "reciprocal", lambda x: 1.0 / float_input(x), "``1 / x``.")


floor = unary(
    NUMPY,
    "floor",
    lambda x: jnp.floor(float_input(x)),
    "Round down (integers give float32, as in Keras).",
)


ceil = unary(
    NUMPY,
    "ceil",
    lambda x: jnp.ceil(float_input(x)),
    "Round up (integers give float32, as in Keras).",
)


sin = unary(NUMPY, "sin", jnp.sin, "Sine.")


cos = unary(NUMPY, "cos", jnp.cos, "Cosine.")


tan = unary(NUMPY, "tan", jnp.tan, "Tangent.")


arcsin = unary(NUMPY, "arcsin", jnp.arcsin, "Inverse sine.")


arccos = unary(NUMPY, "arccos", jnp.arccos, "Inverse cosine.")


arctan = unary(NUMPY, "arctan", jnp.arctan, "Inverse tangent.")


sinh = unary(NUMPY, "sinh", jnp.sinh, "Hyperbolic sine.")


cosh = unary(NUMPY, "cosh", jnp.cosh, "Hyperbolic cosine.")


isnan = unary(NUMPY, "isnan", jnp.isnan, "Whether each element is NaN.")


isinf = unary(NUMPY, "isinf", jnp.isinf, "Whether each element is infinite.")


isfinite = unary(NUMPY, "isfinite", jnp.isfinite, "Whether each element is finite.")


logical_not = unary(NUMPY, "logical_not", jnp.logical_not, "Elementwise NOT.")


@keras_op(NUMPY)
def round(x, decimals=0):  # noqa: A001 - Keras's op name
    """`x` rounded to `decimals` places (half to even)."""
    return jnp.round(x, decimals=decimals)


@keras_op(NUMPY)
def clip(x, x_min, x_max):
    """`x` limited to ``[x_min, x_max]``."""
    return jnp.clip(x, x_min, x_max)


add = binary(NUMPY, "add", jnp.add, "``x1 + x2``.")


subtract = binary(NUMPY, "subtract", jnp.subtract, "``x1 - x2``.")


multiply = binary(NUMPY, "multiply", jnp.multiply, "``x1 * x2``.")


divide = binary(NUMPY, "divide", jnp.true_divide, "``x1 / x2``.")


true_divide = binary(NUMPY, "true_divide", jnp.true_divide, "``x1 / x2``.")


divide_no_nan = binary(
    NUMPY,
    "divide_no_nan",
    lambda x1, x2: jnp.where(x2 == 0, 0, x1 / jnp.where(x2 == 0, 1, x2)),
    "``x1 / x2``, with 0 where `x2` is 0.",
)


floor_divide = binary(NUMPY, "floor_divide", jnp.floor_divide, "``x1 // x2``.")


mod = binary(NUMPY, "mod", jnp.mod, "``x1 % x2``.")


power = binary(NUMPY, "power", jnp.power, "``x1 ** x2``.")


maximum = binary(NUMPY, "maximum", jnp.maximum, "Elementwise maximum.")


minimum = binary(NUMPY, "minimum", jnp.minimum, "Elementwise minimum.")


arctan2 = binary(NUMPY, "arctan2", jnp.arctan2, "Angle of the point ``(x2, x1)``.")


equal = binary(NUMPY, "equal", jnp.equal, "``x1 == x2``.")


not_equal = binary(NUMPY, "not_equal", jnp.not_equal, "``x1 != x2``.")


greater = binary(NUMPY, "greater", jnp.greater, "``x1 > x2``.")


greater_equal = binary(NUMPY, "greater_equal", jnp.greater_equal, "``x1 >= x2``.")


less = binary(NUMPY, "less", jnp.less, "``x1 < x2``.")


less_equal = binary(NUMPY, "less_equal", jnp.less_equal, "``x1 <= x2``.")


logical_and = binary(NUMPY, "logical_and", jnp.logical_and, "Elementwise AND.")


logical_or = binary(NUMPY, "logical_or", jnp.logical_or, "Elementwise OR.")


logical_xor = binary(NUMPY, "logical_xor", jnp.logical_xor, "Elementwise XOR.")
