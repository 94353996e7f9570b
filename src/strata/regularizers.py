"""Weight regularizers: a penalty on a weight, added to the training loss.

Example:
    >>> import jax.numpy as jnp
    >>> float(L2(0.5)(jnp.array([1.0, 2.0])))
    2.5
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.utils.registry import lookup_identifier

__all__ = [
    "deserialize",
    "serialize",
    "Regularizer",
    "L1",
    "L2",
    "L1L2",
    "OrthogonalRegularizer",
    "l1",
    "l2",
    "l1_l2",
    "orthogonal_regularizer",
    "get",
]


class Regularizer:
    def __call__(self, x):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_factor(name, value):
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a non-negative number; received {value!r}.")
    return float(value)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor("L1L2: `l1`", l1)
        self.l2 = _check_factor("L1L2: `l2`", l2)

    def __call__(self, x):
        penalty = jnp.zeros((), dtype=jnp.float32)
        if self.l1:
            penalty = penalty + self.l1 * jnp.sum(jnp.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * jnp.sum(jnp.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    def __init__(self, l1=0.01):
        self.l1 = _check_factor("L1: `l1`", l1)

    def __call__(self, x):
        return self.l1 * jnp.sum(jnp.abs(x))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    def __init__(self, l2=0.01):
        self.l2 = _check_factor("L2: `l2`", l2)

    def __call__(self, x):
        return self.l2 * jnp.sum(jnp.square(x))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Push the rows (or columns) of a 2-D weight towards being mutually orthogonal.

    The penalty is ``factor`` times the mean absolute cosine similarity over all distinct pairs of
    rows (``mode="rows"``) or columns (``mode="columns"``); it is 0 for orthogonal vectors.

    Args:
        factor: non-negative weight of the penalty.
        mode: ``"rows"`` or ``"columns"``.

    Example:
        >>> float(OrthogonalRegularizer(1.0)(jnp.array([[1.0, 0.0], [1.0, 1.0]])))
        0.7071067690849304
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _check_factor("OrthogonalRegularizer: `factor`", factor)
        if mode not in ("rows", "columns"):
            raise ValueError(
                "OrthogonalRegularizer: `mode` must be 'rows' or 'columns'; received "
                f"mode={mode!r}."
            )
        self.mode = mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(
                "OrthogonalRegularizer applies to 2-D weights (a Dense kernel); received a "
                f"weight of shape {tuple(x.shape)}."
            )
        vectors = x if self.mode == "rows" else x.T
        squares = jnp.sum(jnp.square(vectors), axis=1, keepdims=True)
        unit = vectors * jnp.reciprocal(jnp.sqrt(jnp.maximum(squares, 1e-12)))
        count = unit.shape[0]
        similarity = jnp.abs(unit @ unit.T) * (1.0 - jnp.eye(count, dtype=unit.dtype))
        # Each distinct pair appears twice in the symmetric matrix.
        pairs = max(count * (count - 1), 1)
        return self.factor * jnp.sum(similarity) / pairs

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

_BY_NAME = {
    "l1": L1,
    "l2": L2,
    "l1_l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
    "L1": L1,
    "L2": L2,
    "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
}


def get(identifier):
    """A regularizer from None, a name (``"l2"``), a config dict or a callable."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        return lookup_identifier(identifier, _BY_NAME, "regularizer")()
    if isinstance(identifier, dict):
        cls = lookup_identifier(identifier.get("class_name"), _BY_NAME, "regularizer")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}.")


def serialize(regularizer) -> dict:
    """Keras's config dict for a regularizer."""
    from strata.saving.namespaced import serialize_regularizer

    return serialize_regularizer(regularizer)


def deserialize(config, custom_objects=None):
    """The object a Keras config dict (or a name) describes."""
    from strata.saving.namespaced import deserialize_regularizer

    return deserialize_regularizer(config, custom_objects)
