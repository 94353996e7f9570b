"""What `MultiHeadAttention` and `GroupedQueryAttention` share: argument checks, the projections'
options (initializers, regularizers, constraints) and their config, and the query's mask as the
output's mask.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata import constraints, initializers, regularizers
from strata.graph.symbolic import is_symbolic
from strata.layers.layer import Layer


class ProjectedAttention(Layer):
    """Base class of the attention layers whose query, key and value are learned projections.

    Subclasses call `_set_projection_options` in `__init__` and merge `_projection_config()`
    into their `get_config()`.

    Example:
        >>> from strata.layers import MultiHeadAttention
        >>> issubclass(MultiHeadAttention, ProjectedAttention)
        True
    """

    def _where(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    def _checked_dropout(self, dropout) -> float:
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, int | float)
            or not 0 <= dropout < 1
        ):
            raise ValueError(
                f"{self._where()}: `dropout` must be in [0, 1); received dropout={dropout!r}."
            )
        return float(dropout)

    def _set_projection_options(
        self,
        kernel_initializer,
        bias_initializer,
        kernel_regularizer,
        bias_regularizer,
        activity_regularizer,
        kernel_constraint,
        bias_constraint,
        seed,
    ) -> None:
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        # As in Keras, each projection regularizes its own outputs.
        self._projection_activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self.supports_masking = True

    def _projection_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self._projection_activity_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "seed": self.seed,
        }

    def _projection_options(self, name: str) -> dict:
        """Keyword arguments every projection sublayer takes (fresh initializers for each)."""
        return {
            "kernel_initializer": fresh(self.kernel_initializer),
            "bias_initializer": fresh(self.bias_initializer),
            "kernel_regularizer": self.kernel_regularizer,
            "bias_regularizer": self.bias_regularizer,
            "activity_regularizer": self._projection_activity_regularizer,
            "kernel_constraint": self.kernel_constraint,
            "bias_constraint": self.bias_constraint,
            "name": name,
            "dtype": self.dtype_policy.name,
        }

    @staticmethod
    def _call_masks(mask, query_mask, value_mask, key_mask) -> tuple:
        """The query, value and key masks: those given, else those the inputs carry (`mask`,
        a list in the order query, value, key)."""
        carried = list(mask) if isinstance(mask, list | tuple) else [mask]
        carried += [None] * (3 - len(carried))
        given = (query_mask, value_mask, key_mask)
        return tuple(c if g is None else g for c, g in zip(carried, given))

    def compute_mask(self, inputs, mask=None):
        # The output is aligned with the query, so it keeps the query's mask (as in Keras).
        if isinstance(mask, list | tuple):
            return mask[0] if mask else None
        return mask


def positive_int(where: str, arg: str, value) -> int:
    """`value` if it is a positive int, else a ValueError naming `arg`."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where}: `{arg}` must be a positive int; received {arg}={value!r}.")
    return value


def shape_of(x) -> tuple:
    return tuple(x.shape) if is_symbolic(x) or hasattr(x, "shape") else tuple(jnp.shape(x))


def as_float(x, dtype):
    x = jnp.asarray(x)
    return x.astype(dtype) if jnp.issubdtype(x.dtype, jnp.floating) else x


def broadcastable(shape, target) -> bool:
    """Whether `shape` broadcasts to `target` without adding dimensions in front of it."""
    if len(shape) > len(target):
        return False
    return all(a in (1, b) for a, b in zip(shape[::-1], target[::-1]))


def fresh(initializer):
    """A copy of `initializer`, so each projection draws its own values (as Keras clones it)."""
    return type(initializer).from_config(initializer.get_config())
