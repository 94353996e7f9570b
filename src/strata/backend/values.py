"""tf.keras 2's ``K.*`` helpers for values and variables: `get_value`, `set_value`,
`int_shape`, `constant`, `zeros`, `random_normal`, ...

Example:
    >>> import numpy as np
    >>> int_shape(np.ones((2, 3)))
    (2, 3)
"""

from __future__ import annotations

import numpy as np

from strata import ops
from strata.backend.settings import floatx, standardize_dtype


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
