"""`GaussianDropout`: multiply by Gaussian noise centred on 1 while training."""

from __future__ import annotations

import math

import jax

from strata.layers.layer import Layer
from strata.layers.regularization.random_key import check_rate, draw_key, seed_generator


class GaussianDropout(Layer):
    """Multiply each element by ``N(1, rate / (1 - rate))`` noise during training.

    The noise variance is the one of dropout with the same `rate`, so the two regularize alike;
    at inference the layer is the identity.

    Args:
        rate: float in [0, 1), the equivalent drop probability.
        seed: optional int for reproducible noise outside `fit`.

    Example:
        >>> import numpy as np
        >>> GaussianDropout(0.2)(np.ones((1, 2)), training=False).tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_rate(f"GaussianDropout '{self.name}'", "rate", rate)
        self.seed = seed
        self._generator = seed_generator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = jax.random.normal(draw_key(self._generator), inputs.shape, inputs.dtype)
        return inputs * (1.0 + stddev * noise)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
