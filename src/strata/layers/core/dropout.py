"""`Dropout`: zero a fraction of inputs during training, scale the rest."""

from __future__ import annotations

from strata import random as strata_random
from strata.layers.layer import Layer
from strata.state import scope as state_scope


class Dropout(Layer):
    """During training, sets each input to 0 with probability `rate`, scaling the others by
    ``1 / (1 - rate)``; at inference it is the identity.

    Args:
        rate: float in [0, 1).
        noise_shape: optional shape of the keep mask (broadcast over the inputs).
        seed: optional int for reproducible masks outside `fit`.

    Example:
        >>> import numpy as np
        >>> Dropout(0.5)(np.ones((1, 4)), training=False).tolist()
        [[1.0, 1.0, 1.0, 1.0]]
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate < 1:
            raise ValueError(
                f"Dropout '{self.name}': `rate` must be a float in [0, 1); received rate={rate!r}."
            )
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self._generator = strata_random.SeedGenerator(seed) if seed is not None else None
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        active = state_scope.current()
        if active is not None:
            key = active.next_key()
        elif self._generator is not None:
            key = self._generator.next()
        else:
            key = strata_random.next_key()
        noise_shape = None
        if self.noise_shape is not None:
            noise_shape = tuple(
                inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)
            )
        return strata_random.dropout(inputs, self.rate, noise_shape, seed=key)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": self.noise_shape,
            "seed": self.seed,
        }
