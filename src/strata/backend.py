"""`strata.backend`: Keras 3's ``keras.backend`` settings and tf.keras 2's ``K.*`` helpers.

The settings (`floatx`, `epsilon`, `image_data_format`, ...) are Keras 3's. The math helpers
(`sum`, `dot`, `batch_dot`, `l2_normalize`, ...) are what tf.keras 2 code calls as
``K.sum(x)``; each is a thin wrapper over the `strata.ops` function of the same meaning, so it
works on arrays, inside compiled steps and, like `strata.ops`, on symbolic tensors.

Example:
    >>> import numpy as np
    >>> from strata import backend as K
    >>> K.floatx(), K.epsilon()
    ('float32', 1e-07)
    >>> K.int_shape(K.batch_dot(np.ones((2, 3)), np.ones((2, 3))))
    (2, 1)
"""

from __future__ import annotations

import itertools

import numpy as np

from strata import ops

__all__ = [
    "abs",
    "argmax",
    "argmin",
    "backend",
    "batch_dot",
    "batch_flatten",
    "batch_get_value",
    "batch_set_value",
    "cast",
    "clear_session",
    "clip",
    "concatenate",
    "constant",
    "dot",
    "dtype",
    "epsilon",
    "equal",
    "eval",
    "exp",
    "expand_dims",
    "flatten",
    "floatx",
    "get_uid",
    "get_value",
    "image_data_format",
    "int_shape",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "l2_normalize",
    "log",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "ndim",
    "ones",
    "ones_like",
    "permute_dimensions",
    "pow",
    "prod",
    "random_normal",
    "random_uniform",
    "relu",
    "repeat_elements",
    "reshape",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_value",
    "shape",
    "sigmoid",
    "softmax",
    "softplus",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "standardize_dtype",
    "std",
    "sum",
    "tanh",
    "tile",
    "transpose",
    "variable",
    "zeros",
    "zeros_like",
]

_FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
_settings = {"epsilon": 1e-7}
_uids: dict[str, itertools.count] = {}


# ---- Keras 3's settings -------------------------------------------------------------------------
def backend() -> str:
    """The name of the numerical backend: always ``"jax"``."""
    return "jax"


def floatx() -> str:
    """The default float type of new weights (``"float32"`` unless `set_floatx` changed it)."""
    from strata.mixed_precision.policy import global_policy

    return global_policy().variable_dtype


def set_floatx(value: str) -> None:
    """Set the default float type: new layers compute and keep weights in `value`.

    It sets the global dtype policy (`strata.mixed_precision.set_global_policy`), which is how
    strata layers pick their dtype.

    Example:
        >>> set_floatx("bfloat16"); floatx()
        'bfloat16'
        >>> set_floatx("float32")
    """
    from strata.mixed_precision.policy import set_global_policy

    if value not in _FLOAT_TYPES:
        raise ValueError(
            f"set_floatx: unknown float type {value!r}; expected one of {list(_FLOAT_TYPES)}."
        )
    set_global_policy(None if value == "float32" else value)


def epsilon() -> float:
    """The fuzz factor losses clip probabilities with (default ``1e-7``)."""
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor of `epsilon`; losses and norm constraints compiled afterwards use it.

    Example:
        >>> set_epsilon(1e-5); epsilon()
        1e-05
        >>> set_epsilon(1e-7)
    """
    from strata import constraints
    from strata.losses import functions

    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError(f"set_epsilon: expected a float in [0, 1); received {value!r}.")
    _settings["epsilon"] = functions.EPSILON = constraints._EPSILON = float(value)


def image_data_format() -> str:
    """The default image layout of convolution and pooling layers: ``"channels_last"``."""
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    """Accepts ``"channels_last"`` (the default); strata has no global channels-first switch."""
    if data_format != "channels_last":
        raise ValueError(
            f"set_image_data_format: received {data_format!r}, but strata layers default to "
            "'channels_last' and have no global switch. Pass data_format='channels_first' to "
            "each convolution or pooling layer instead."
        )


def clear_session(free_memory: bool = True) -> None:
    """Reset the automatic layer names and `get_uid` counters, as Keras does; `free_memory`
    also runs Python's garbage collector, so arrays of dropped models are released."""
    import gc

    from strata.utils import naming

    _uids.clear()
    naming.reset_names()
    if free_memory:
        gc.collect()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... per `prefix`, counting calls since the last `clear_session`.

    Example:
        >>> clear_session(); get_uid("dense"), get_uid("dense")
        (1, 2)
    """
    return next(_uids.setdefault(prefix, itertools.count(1)))


def is_keras_tensor(x) -> bool:
    """True for the symbolic tensors of the functional API."""
    from strata.graph.symbolic import is_symbolic

    return is_symbolic(x)


def standardize_dtype(dtype) -> str:
    """A dtype's canonical name (``"float32"``, ``"int64"``, ...); None gives `floatx()`."""
    if dtype is None:
        return floatx()
    if isinstance(dtype, str) and dtype == "bfloat16":
        return dtype
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and name == "bfloat16":
        return name
    try:
        return np.dtype(dtype).name
    except TypeError as err:
        raise ValueError(f"standardize_dtype: invalid dtype {dtype!r}.") from err


def result_type(*dtypes) -> str:
    """The dtype the arguments promote to, by JAX's promotion rules (none given: `floatx()`)."""
    import jax.numpy as jnp

    if not dtypes:
        return floatx()
    return standardize_dtype(jnp.result_type(*[standardize_dtype(d) for d in dtypes]))


def is_float_dtype(dtype) -> bool:
    """True for floating dtypes."""
    return standardize_dtype(dtype) in _FLOAT_TYPES


def is_int_dtype(dtype) -> bool:
    """True for signed and unsigned integer dtypes."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


# ---- tf.keras 2's values and variables ----------------------------------------------------------
def variable(value, dtype=None, name=None):
    """A `Variable` holding `value`."""
    from strata.state.variable import Variable

    return Variable(value, name=name or "variable", dtype=dtype or floatx())


def constant(value, dtype=None, shape=None, name=None):
    """An array holding `value` (broadcast to `shape` when given)."""
    array = ops.convert_to_tensor(value, dtype=dtype or floatx())
    return array if shape is None else ops.broadcast_to(array, shape)


def get_value(x):
    """The value of a variable, array or learning rate as NumPy (a float for a learning rate)."""
    from strata.optimizers.base import LearningRate

    if isinstance(x, LearningRate):
        return float(x)
    return ops.convert_to_numpy(x)


eval = get_value  # noqa: A001 - tf.keras 2's name


def set_value(x, value) -> None:
    """Assign `value` to a `Variable`, or to an optimizer's ``learning_rate``/``lr``.

    Example:
        >>> import strata
        >>> optimizer = strata.optimizers.SGD()
        >>> set_value(optimizer.lr, 0.5); optimizer.learning_rate
        0.5
    """
    from strata.optimizers.base import LearningRate
    from strata.state.variable import Variable

    if isinstance(x, LearningRate):
        x.optimizer.learning_rate = float(np.asarray(value))
    elif isinstance(x, Variable):
        x.assign(value)
    else:
        raise TypeError(
            f"set_value: {x!r} (a {type(x).__name__}) is not a variable; expected a strata "
            "Variable (e.g. `layer.kernel`) or an optimizer's `learning_rate`. Arrays and "
            "numbers cannot be assigned in place."
        )


def batch_get_value(xs) -> list:
    """`get_value` of each of `xs`."""
    return [get_value(x) for x in xs]


def batch_set_value(pairs) -> None:
    """`set_value` for each ``(x, value)`` pair."""
    for x, value in pairs:
        set_value(x, value)


def int_shape(x) -> tuple:
    """The shape as a tuple of ints (None for unknown dimensions of symbolic tensors)."""
    return tuple(x.shape)


def shape(x):
    """The shape of `x` (`strata.ops.shape`)."""
    return ops.shape(x)


def ndim(x) -> int:
    """The rank of `x`."""
    return len(x.shape)


def dtype(x) -> str:
    """The dtype name of `x`."""
    return standardize_dtype(x.dtype)


def zeros(shape, dtype=None, name=None):
    """An array of zeros (`floatx()` by default)."""
    return ops.zeros(shape, dtype=dtype or floatx())


def ones(shape, dtype=None, name=None):
    """An array of ones (`floatx()` by default)."""
    return ops.ones(shape, dtype=dtype or floatx())


def zeros_like(x, dtype=None, name=None):
    """Zeros shaped like `x`."""
    return ops.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None, name=None):
    """Ones shaped like `x`."""
    return ops.ones_like(x, dtype=dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples (`strata.random.normal`)."""
    from strata import random

    return random.normal(shape, mean=mean, stddev=stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in ``[minval, maxval)`` (`strata.random.uniform`)."""
    from strata import random

    return random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype or floatx(), seed=seed)


# ---- tf.keras 2's math, each one `strata.ops` call ----------------------------------------------
def sum(x, axis=None, keepdims=False):  # noqa: A001 - tf.keras 2's name
    """Sum over `axis` (all axes when None)."""
    return ops.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis`."""
    return ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over `axis`."""
    return ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over `axis`."""
    return ops.min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product over `axis`."""
    return ops.prod(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation over `axis`."""
    return ops.std(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    """Index of the maximum along `axis`."""
    return ops.argmax(x, axis=axis)


def argmin(x, axis=-1):
    """Index of the minimum along `axis`."""
    return ops.argmin(x, axis=axis)


def square(x):
    """Element-wise square."""
    return ops.square(x)


def sqrt(x):
    """Element-wise square root."""
    return ops.sqrt(x)


def exp(x):
    """Element-wise exponential."""
    return ops.exp(x)


def log(x):
    """Element-wise natural logarithm."""
    return ops.log(x)


def abs(x):  # noqa: A001
    """Element-wise absolute value."""
    return ops.abs(x)


def pow(x, a):  # noqa: A001
    """Element-wise ``x ** a``."""
    return ops.power(x, a)


def maximum(x, y):
    """Element-wise maximum."""
    return ops.maximum(x, y)


def minimum(x, y):
    """Element-wise minimum."""
    return ops.minimum(x, y)


def equal(x, y):
    """Element-wise equality."""
    return ops.equal(x, y)


def clip(x, min_value, max_value):
    """`x` clipped to ``[min_value, max_value]``."""
    return ops.clip(x, min_value, max_value)


def cast(x, dtype):
    """`x` as `dtype`."""
    return ops.cast(x, dtype)


def concatenate(tensors, axis=-1):
    """Join `tensors` along `axis`."""
    return ops.concatenate(tensors, axis=axis)


def stack(x, axis=0):
    """Stack the tensors of `x` along a new `axis`."""
    return ops.stack(x, axis=axis)


def reshape(x, shape):
    """`x` reshaped (one entry may be -1)."""
    return ops.reshape(x, shape)


def expand_dims(x, axis=-1):
    """`x` with a new axis of size 1 at `axis`."""
    return ops.expand_dims(x, axis)


def squeeze(x, axis):
    """`x` without its size-1 `axis`."""
    return ops.squeeze(x, axis)


def flatten(x):
    """`x` as one dimension."""
    return ops.reshape(x, (-1,))


def batch_flatten(x):
    """`x` as ``(batch, everything else)``."""
    return ops.reshape(x, (-1, int(np.prod(x.shape[1:]))))


def transpose(x):
    """`x` with its axes reversed."""
    return ops.transpose(x)


def permute_dimensions(x, pattern):
    """`x` with its axes in the order `pattern`."""
    return ops.transpose(x, pattern)


def repeat_elements(x, rep, axis):
    """Each element of `x` repeated `rep` times along `axis`."""
    return ops.repeat(x, rep, axis=axis)


def tile(x, n):
    """`x` tiled `n` times per axis."""
    return ops.tile(x, n)


def dot(x, y):
    """Matrix product; for higher ranks, the last axis of `x` with the second-to-last of `y`.

    Example:
        >>> dot(np.ones((2, 3, 4)), np.ones((4, 5))).shape
        (2, 3, 5)
    """
    if len(y.shape) == 1:
        return ops.tensordot(x, y, axes=[[len(x.shape) - 1], [0]])
    return ops.tensordot(x, y, axes=[[len(x.shape) - 1], [len(y.shape) - 2]])


def batch_dot(x, y, axes=None):
    """Per-sample dot product of two batches, contracting `axes` (tf.keras 2's rules).

    Default `axes`: the last axis of `x` with the last of `y` when `y` is a matrix, else with
    its second-to-last. A result of rank 1 becomes ``(batch, 1)``, as in tf.keras 2.

    Example:
        >>> batch_dot(np.ones((4, 2, 3)), np.ones((4, 3, 5))).shape
        (4, 2, 5)
    """
    x_rank, y_rank = len(x.shape), len(y.shape)
    if x_rank < 2 or y_rank < 2:
        raise ValueError(
            f"batch_dot: both inputs need a batch axis and at least one more; received shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}."
        )
    if axes is None:
        axes = (x_rank - 1, y_rank - 1 if y_rank == 2 else y_rank - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    x_axis, y_axis = (a % rank for a, rank in zip(axes, (x_rank, y_rank)))
    if 0 in (x_axis, y_axis):
        raise ValueError(f"batch_dot: cannot contract the batch axis; received axes={axes}.")
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    batch, shared = next(letters), next(letters)
    x_sub = [batch] + [shared if i == x_axis else next(letters) for i in range(1, x_rank)]
    y_sub = [batch] + [shared if i == y_axis else next(letters) for i in range(1, y_rank)]
    out = [s for s in x_sub if s != shared] + [s for s in y_sub[1:] if s != shared]
    result = ops.einsum(f"{''.join(x_sub)},{''.join(y_sub)}->{''.join(out)}", x, y)
    return ops.expand_dims(result, 1) if len(out) == 1 else result


def l2_normalize(x, axis=None):
    """`x` divided by its L2 norm over `axis` (all axes when None), as tf.keras 2 computes it:
    ``x / sqrt(max(sum(x²), 1e-12))``."""
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(square_sum, 1e-12)))


def softmax(x, axis=-1):
    """Softmax over `axis`."""
    return ops.softmax(x, axis=axis)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """tf.keras 2's relu: `alpha` slope below `threshold`, capped at `max_value`."""
    from strata import activations

    return activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x):
    """Element-wise logistic sigmoid."""
    return ops.sigmoid(x)


def softplus(x):
    """Element-wise ``log(1 + exp(x))``."""
    return ops.softplus(x)


def tanh(x):
    """Element-wise hyperbolic tangent."""
    return ops.tanh(x)
