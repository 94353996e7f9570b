"""`RandomContrast`: scale each image's deviations from its mean by a random factor."""

from __future__ import annotations

import jax.numpy as jnp

from strata import random as strata_random
from strata.layers.preprocessing.image.base import ImageLayer
from strata.layers.preprocessing.image.factor import factor_range
from strata.layers.regularization.random_key import draw_key, seed_generator


class RandomContrast(ImageLayer):
    """During training, ``(x - mean) * c + mean`` per image and channel, clipped to
    `value_range`, with ``c`` drawn uniformly from ``[1 - lower, 1 + upper]``; identity at
    inference.

    Args:
        factor: a number ``f`` in [0, 1] gives ``(lower, upper) = (0, f)`` (as Keras); a pair
            in [0, 1] gives ``(lower, upper)``.
        value_range: ``(low, high)``, the range the images' values live in; outputs are clipped
            to it.
        seed: optional int for reproducible factors outside `fit`.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: output shape = input shape (rank 3 or 4).

    Example:
        >>> import numpy as np
        >>> x = np.array([[[0.0], [100.0]]])
        >>> RandomContrast(0.0)(x, training=True)[..., 0].tolist()
        [[0.0, 100.0]]
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        factor = 0.0 if factor is None else factor
        self.factor = factor_range(self.owner, "factor", factor, low=0, high=1)
        ok = isinstance(value_range, tuple | list) and len(value_range) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value_range)
        if not ok or value_range[0] >= value_range[1]:
            raise ValueError(
                f"{self.owner}: `value_range` must be a pair of numbers (low, high) with "
                f"low < high; received value_range={value_range!r}."
            )
        self.value_range = value_range
        self.seed = seed
        self._generator = seed_generator(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        inputs = inputs.astype(self.compute_dtype)
        batch = inputs.shape[0] if inputs.ndim == 4 else 1
        factor_shape = (batch, 1, 1, 1)[4 - inputs.ndim :]
        lower, upper = self.factor
        contrast = strata_random.uniform(
            factor_shape,
            1.0 - lower,
            1.0 + upper,
            dtype=self.compute_dtype,
            seed=draw_key(self._generator),
        )
        height_axis, width_axis = self.height_width_axes(inputs.ndim)
        # Two means, height then width, in Keras's order (same rounding).
        mean = jnp.mean(inputs, axis=height_axis, keepdims=True)
        mean = jnp.mean(mean, axis=width_axis, keepdims=True)
        outputs = (inputs - mean) * contrast + mean
        return jnp.clip(outputs, self.value_range[0], self.value_range[1])

    def _output_dtype(self, inputs) -> str:
        # Keras returns integer images unchanged at inference; the symbolic dtype is the float one
        # that training gives.
        return self.compute_dtype

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "factor": self.factor,
            "value_range": self.value_range,
            "seed": self.seed,
        }
