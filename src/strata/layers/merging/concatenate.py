"""`Concatenate` and `concatenate`: join tensors along one axis."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.merging.base import Merge


class Concatenate(Merge):
    """Concatenate a list of tensors along `axis`; all other axes must match.

    Example:
        >>> import numpy as np
        >>> Concatenate()([np.ones((2, 3)), np.ones((2, 5))]).shape
        (2, 8)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, shapes) -> None:
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            raise ValueError(
                f"Layer '{self.name}' (Concatenate) needs inputs of the same rank; received "
                f"shapes {shapes}."
            )
        rank = ranks.pop()
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            sizes = {s[i] for s in shapes} - {None}
            if len(sizes) > 1:
                raise ValueError(
                    f"Layer '{self.name}' (Concatenate) requires inputs with matching shapes "
                    f"except on the concatenation axis {self.axis}; received shapes {shapes}."
                )

    def call(self, inputs):
        return jnp.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        rank = len(input_shape[0])
        axis = self.axis % rank
        out = []
        for i in range(rank):
            dims = [s[i] for s in input_shape]
            if i == axis:
                out.append(None if any(d is None for d in dims) else sum(dims))
            else:
                out.append(next((d for d in dims if d is not None), None))
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        masks = [
            jnp.ones(x.shape[:-1], dtype=bool) if m is None else m for x, m in zip(inputs, mask)
        ]
        if self.axis in (-1, inputs[0].ndim - 1):
            return jnp.all(jnp.stack(masks), axis=0)
        return jnp.concatenate(masks, axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: ``concatenate([a, b], axis=-1)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
