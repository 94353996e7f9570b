"""`Masking`: mark the steps whose features all equal a padding value as masked."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.layer import Layer


class Masking(Layer):
    """Masks every step (position on the second-to-last axis) whose features all equal
    `mask_value`: such steps are zeroed in the output, and the mask ``(batch, time)`` is passed
    to the following layers (LSTM, GRU, ...), which skip them.

    Args:
        mask_value: the padding value (default 0.0).

    Shapes: ``(batch, time, features)`` -> the same; mask ``(batch, time)``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
        >>> Masking()(x).tolist()
        [[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]]
        >>> Masking().compute_mask(x).tolist()
        [[True, False, True]]
    """

    produces_mask = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, int | float):
            raise ValueError(
                f"Masking '{self.name}': `mask_value` must be a number; received "
                f"mask_value={mask_value!r}."
            )
        self.mask_value = mask_value
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) < 2:
            raise ValueError(
                f"Layer '{self.name}' (Masking) expects inputs of rank >= 2, e.g. "
                f"(batch, time, features); received shape {shape}."
            )

    def call(self, inputs):
        keep = jnp.any(inputs != self.mask_value, axis=-1, keepdims=True)
        return jnp.where(keep, inputs, jnp.zeros_like(inputs))

    def compute_mask(self, inputs, mask=None):
        return jnp.any(jnp.asarray(inputs) != self.mask_value, axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
