"""`RandomRotation`: turn images by a random angle while training."""

from __future__ import annotations

from strata.layers.preprocessing.image.affine import rotation_matrices
from strata.layers.preprocessing.image.factor import factor_range
from strata.layers.preprocessing.image.random_affine import RandomAffineLayer


class RandomRotation(RandomAffineLayer):
    """During training, rotate each image about its centre by an angle drawn uniformly from
    ``factor * 360`` degrees (counter-clockwise for positive angles); identity at inference.

    Args:
        factor: a fraction of a full turn: a number ``f`` in [-1, 1] draws from ``[-|f|, |f|]``;
            a pair ``(lower, upper)`` draws from that range.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: optional int for reproducible rotations outside `fit`.
        fill_value: the value of ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: output shape = input shape (rank 3 or 4), in the layer's float dtype.

    Example:
        >>> import numpy as np
        >>> x = np.arange(4.0).reshape(2, 2, 1)
        >>> RandomRotation((0.25, 0.25))(x, training=True)[..., 0].round(4).tolist()
        [[1.0, 3.0], [0.0, 2.0]]
    """

    def __init__(
        self,
        factor,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        factor = 0.0 if factor is None else factor
        self.factor = factor_range(self.owner, "factor", factor, low=-1, high=1)

    def draw_matrices(self, batch, height, width):
        lower, upper = self.factor
        degrees = self.uniform((batch,), lower * 360.0, upper * 360.0)
        return rotation_matrices(degrees, height, width)

    def get_config(self) -> dict:
        return {**super().get_config(), "factor": self.factor}
