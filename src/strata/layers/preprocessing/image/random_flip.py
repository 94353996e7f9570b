"""`RandomFlip`: mirror images left-right and/or top-bottom at random while training."""

from __future__ import annotations

import jax.numpy as jnp

from strata import random as strata_random
from strata.layers.preprocessing.image.base import ImageLayer, check_choice
from strata.layers.regularization.random_key import draw_key, seed_generator

MODES = ("horizontal", "vertical", "horizontal_and_vertical")


class RandomFlip(ImageLayer):
    """During training, flip each image with probability 1/2; at inference, the identity.

    With ``mode="horizontal_and_vertical"`` one coin is drawn per image, as in Keras: the image
    is flipped along both axes (turned by 180 degrees) or left as it is.

    Args:
        mode: ``"horizontal"`` (left-right), ``"vertical"`` (top-bottom) or
            ``"horizontal_and_vertical"`` (default).
        seed: optional int for reproducible flips outside `fit`.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: output shape = input shape (rank 3 or 4), in the layer's float dtype.

    Example:
        >>> import numpy as np
        >>> RandomFlip("horizontal")(np.arange(3.0).reshape(1, 3, 1), training=False)[..., 0].tolist()
        [[0.0, 1.0, 2.0]]
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.mode = check_choice(self.owner, "mode", mode, MODES)
        self.seed = seed
        self._generator = seed_generator(seed)

    def call(self, inputs, training=None):
        inputs = inputs.astype(self.compute_dtype)
        if not training:
            return inputs
        batch = inputs.shape[0] if inputs.ndim == 4 else 1
        coin_shape = (batch, 1, 1, 1)[4 - inputs.ndim :]
        flips = strata_random.uniform(coin_shape, seed=draw_key(self._generator)) <= 0.5
        height_axis, width_axis = self.height_width_axes(inputs.ndim)
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            inputs = jnp.where(flips, jnp.flip(inputs, width_axis), inputs)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            inputs = jnp.where(flips, jnp.flip(inputs, height_axis), inputs)
        return inputs

    def _output_dtype(self, inputs) -> str:
        return self.compute_dtype

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}
