"""`RandomTranslation`: shift images by a random fraction of their size while training."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.preprocessing.image.factor import factor_range
from strata.layers.preprocessing.image.random_affine import RandomAffineLayer


class RandomTranslation(RandomAffineLayer):
    """During training, shift each image by ``(dy * height, dx * width)`` pixels with ``dy`` and
    ``dx`` drawn uniformly; identity at inference. Positive values move the content down/right.

    Args:
        height_factor: a number ``f`` in [-1, 1] draws ``dy`` from ``[-|f|, |f|]``; a pair
            ``(lower, upper)`` from that range.
        width_factor: the same for ``dx``.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: optional int for reproducible shifts outside `fit`.
        fill_value: the value of ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: output shape = input shape (rank 3 or 4), in the layer's float dtype.

    Example:
        >>> import numpy as np
        >>> x = np.arange(3.0).reshape(1, 3, 1)
        >>> layer = RandomTranslation(0, (1 / 3, 1 / 3), fill_mode="constant")
        >>> layer(x, training=True)[..., 0].round(4).tolist()
        [[0.0, 0.0, 1.0]]
    """

    def __init__(
        self,
        height_factor,
        width_factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self._height_range = factor_range(
            self.owner, "height_factor", height_factor, low=-1, high=1
        )
        self._width_range = factor_range(self.owner, "width_factor", width_factor, low=-1, high=1)
        self.height_factor = height_factor
        self.width_factor = width_factor

    def draw_matrices(self, batch, height, width):
        shift_y = self.uniform((batch, 1), *self._height_range) * height
        shift_x = self.uniform((batch, 1), *self._width_range) * width
        ones, zeros = jnp.ones((batch, 1)), jnp.zeros((batch, 1))
        return jnp.concatenate([ones, zeros, -shift_x, zeros, ones, -shift_y], axis=1)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }
