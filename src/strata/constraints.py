"""Weight constraints: a projection applied to a weight after every optimizer update.

A constraint is a pure function of the weight's new value; the compiled training step applies it
(see `Variable.constraint`), so a constrained kernel never leaves its allowed set between steps.

Example:
    >>> import jax.numpy as jnp
    >>> NonNeg()(jnp.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    >>> get("unit_norm").axis
    0
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.state.variable import unwrap
from strata.utils.registry import lookup_identifier
from strata.utils.validation import check_number

__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "unit_norm",
    "get",
    "serialize",
    "deserialize",
]

# Keras's `backend.epsilon()`: keeps the norm divisions finite for all-zero columns.
_EPSILON = 1e-7


class Constraint:
    """Base class: ``constraint(w) -> projected w``. Subclasses define `__call__`.

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w):
        ...         return jnp.clip(w, -1.0, 1.0)
        >>> Clip()(jnp.array([3.0])).tolist()
        [1.0]
    """

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_axis(owner, axis):
    if isinstance(axis, bool) or not (
        isinstance(axis, int)
        or (isinstance(axis, list | tuple) and all(isinstance(a, int) for a in axis))
    ):
        raise TypeError(
            f"{owner}: `axis` must be an int or a list of ints; received axis={axis!r}."
        )
    return list(axis) if isinstance(axis, tuple) else axis


def _check_non_negative(owner, arg, value):
    return check_number(owner, arg, value, non_negative=True)


def _norms(w, axis):
    axes = tuple(axis) if isinstance(axis, list) else axis
    return jnp.sqrt(jnp.sum(jnp.square(w), axis=axes, keepdims=True))


class MaxNorm(Constraint):
    """Rescale each slice along `axis` whose L2 norm exceeds `max_value` down to `max_value`.

    Args:
        max_value: the largest allowed norm.
        axis: the axis (or axes) the norm is taken over; 0 for a Dense kernel ``(in, out)`` means
            one norm per output unit.

    Example:
        >>> MaxNorm(1.0)(jnp.array([[3.0], [4.0]])).tolist()
        [[0.6000000238418579], [0.800000011920929]]
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = _check_non_negative("MaxNorm", "max_value", max_value)
        self.axis = _check_axis("MaxNorm", axis)

    def __call__(self, w):
        w = unwrap(w)
        norms = _norms(w, self.axis)
        desired = jnp.clip(norms, 0, self.max_value)
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero.

    Example:
        >>> NonNeg()(jnp.array([-0.5, 0.5])).tolist()
        [0.0, 0.5]
    """

    def __call__(self, w):
        w = unwrap(w)
        return jnp.where(w >= 0, w, jnp.zeros_like(w))


class UnitNorm(Constraint):
    """Scale each slice along `axis` to L2 norm 1.

    Example:
        >>> UnitNorm()(jnp.array([[3.0], [4.0]])).tolist()
        [[0.6000000238418579], [0.800000011920929]]
    """

    def __init__(self, axis=0):
        self.axis = _check_axis("UnitNorm", axis)

    def __call__(self, w):
        w = unwrap(w)
        return w / (_EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each slice's L2 norm into ``[min_value, max_value]``, a fraction `rate` of the way.

    ``rate=1`` enforces the bounds exactly; a smaller rate moves norms there gradually.

    Example:
        >>> MinMaxNorm(0.0, 1.0)(jnp.array([[3.0], [4.0]])).tolist()
        [[0.6000000238418579], [0.800000011920929]]
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _check_non_negative("MinMaxNorm", "min_value", min_value)
        self.max_value = _check_non_negative("MinMaxNorm", "max_value", max_value)
        if self.min_value > self.max_value:
            raise ValueError(
                f"MinMaxNorm: `min_value` must not exceed `max_value`; received "
                f"min_value={min_value!r}, max_value={max_value!r}."
            )
        self.rate = _check_non_negative("MinMaxNorm", "rate", rate)
        self.axis = _check_axis("MinMaxNorm", axis)

    def __call__(self, w):
        w = unwrap(w)
        norms = _norms(w, self.axis)
        desired = (
            self.rate * jnp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        )
        return w * (desired / (_EPSILON + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_BY_NAME = {
    "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm,
    "non_neg": NonNeg,
    "unit_norm": UnitNorm,
    "MaxNorm": MaxNorm,
    "MinMaxNorm": MinMaxNorm,
    "NonNeg": NonNeg,
    "UnitNorm": UnitNorm,
}


def serialize(constraint):
    """The Keras config of a constraint (``{"module", "class_name", "config", ...}``)."""
    from strata.saving.serialization import serialize_keras_object

    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """A constraint from a Keras config dict or a name (Keras's `deserialize`)."""
    from strata.saving.namespaced import deserialize_constraint

    return deserialize_constraint(config, custom_objects)


def get(identifier):
    """A constraint from None, a name (``"non_neg"``, ``"MaxNorm"``), a config dict, a class,
    or a callable (returned as is).

    Example:
        >>> type(get("max_norm")).__name__, get(None)
        ('MaxNorm', None)
    """
    if identifier is None:
        return None
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if isinstance(identifier, str):
        return lookup_identifier(identifier, _BY_NAME, "constraint")()
    if isinstance(identifier, dict):
        from strata.saving.serialization import deserialize_keras_object

        return deserialize_keras_object(identifier, kind="constraints")
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret constraint identifier: {identifier!r}. Pass a name such as "
        "'non_neg', a `Constraint` instance, or a callable."
    )
