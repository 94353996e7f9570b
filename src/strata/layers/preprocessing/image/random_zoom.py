"""`RandomZoom`: zoom images in or out by a random amount while training."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.preprocessing.image.factor import factor_range
from strata.layers.preprocessing.image.random_affine import RandomAffineLayer


class RandomZoom(RandomAffineLayer):
    """During training, scale each image about its centre; identity at inference.

    A factor ``z`` drawn from the range makes the layer read a window ``1 + z`` times the
    image's size: negative values zoom in (enlarge), positive values zoom out (shrink).

    Args:
        height_factor: a number ``f`` in (-1, 1] draws ``z`` from ``[-|f|, |f|]``; a pair
            ``(lower, upper)`` from that range.
        width_factor: the same for the width; None (default) zooms both axes by the height's
            factor, keeping the aspect ratio.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: optional int for reproducible zooms outside `fit`.
        fill_value: the value of ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: output shape = input shape (rank 3 or 4), in the layer's float dtype.

    Example:
        >>> import numpy as np
        >>> RandomZoom((0.0, 0.0))(np.ones((1, 4, 4, 3)), training=True).shape
        (1, 4, 4, 3)
    """

    def __init__(
        self,
        height_factor,
        width_factor=None,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self._height_range = factor_range(
            self.owner, "height_factor", height_factor, low=-1, high=1, open_low=True
        )
        self._width_range = None
        if width_factor is not None:
            self._width_range = factor_range(
                self.owner, "width_factor", width_factor, low=-1, high=1, open_low=True
            )
        self.height_factor = height_factor
        self.width_factor = width_factor

    def draw_matrices(self, batch, height, width):
        lower, upper = self._height_range
        zoom_y = self.uniform((batch, 1), 1.0 + lower, 1.0 + upper)
        zoom_x = zoom_y
        if self._width_range is not None:
            lower, upper = self._width_range
            zoom_x = self.uniform((batch, 1), 1.0 + lower, 1.0 + upper)
        # Keep the centre fixed: x_in = zx * x + (W - 1) / 2 * (1 - zx), likewise for y.
        zeros = jnp.zeros((batch, 1))
        offset_x = (width - 1.0) / 2.0 * (1.0 - zoom_x)
        offset_y = (height - 1.0) / 2.0 * (1.0 - zoom_y)
        return jnp.concatenate([zoom_x, zeros, offset_x, zeros, zoom_y, offset_y], axis=1)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height_factor": self.height_factor,
            "width_factor": self.width_factor,
        }
