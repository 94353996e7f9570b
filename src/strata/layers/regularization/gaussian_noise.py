"""`GaussianNoise`: add zero-mean Gaussian noise while training."""

from __future__ import annotations

import jax

from strata.layers.layer import Layer
from strata.layers.regularization.random_key import draw_key, seed_generator


class GaussianNoise(Layer):
    """Add ``N(0, stddev**2)`` noise to every element during training; identity at inference.

    Args:
        stddev: non-negative float, the noise's standard deviation.
        seed: optional int for reproducible noise outside `fit`.

    Shapes: output shape = input shape.

    Example:
        >>> import numpy as np
        >>> GaussianNoise(0.1)(np.ones((1, 2)), training=False).tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, int | float) or stddev < 0:
            raise ValueError(
                f"GaussianNoise '{self.name}': `stddev` must be a non-negative float; received "
                f"stddev={stddev!r}."
            )
        self.stddev = float(stddev)
        self.seed = seed
        self._generator = seed_generator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = jax.random.normal(draw_key(self._generator), inputs.shape, inputs.dtype)
        return inputs + self.stddev * noise

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
