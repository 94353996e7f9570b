"""`AlphaDropout`: dropout that keeps SELU activations' mean and variance."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.layers.layer import Layer
from strata.layers.regularization.random_key import check_rate, draw_key, seed_generator

# SELU's constants (Klambauer et al., 2017): dropped units are set to SELU's negative saturation
# value, -scale * alpha, rather than to 0.
_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Layer):
    """Drop units to SELU's saturation value and rescale, keeping zero mean and unit variance.

    Meant for self-normalizing networks (`selu` activations with `lecun_normal` weights); at
    inference it is the identity.

    Args:
        rate: float in [0, 1), the drop probability.
        noise_shape: optional shape of the keep mask (``None`` entries follow the input).
        seed: optional int for reproducible masks outside `fit`.

    Example:
        >>> import numpy as np
        >>> AlphaDropout(0.2)(np.ones((1, 2)), training=False).tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(f"AlphaDropout '{self.name}'", "rate", rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._generator = seed_generator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = inputs.shape
        if self.noise_shape is not None:
            shape = tuple(s if d is None else d for s, d in zip(inputs.shape, self.noise_shape))
        keep = jax.random.uniform(draw_key(self._generator), shape) >= self.rate
        keep = jnp.broadcast_to(keep, inputs.shape).astype(inputs.dtype)
        saturation = -_ALPHA * _SCALE
        # a and b restore zero mean and unit variance after the affine dropout.
        a = ((1 - self.rate) * (1 + self.rate * saturation**2)) ** -0.5
        b = -a * saturation * self.rate
        dropped = inputs * keep + saturation * (1 - keep)
        return a * dropped + b

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
        }
