"""`RandomAffineLayer`: the shell shared by `RandomRotation`, `RandomZoom` and
`RandomTranslation` (argument checks, one warp per image while training, identity otherwise)."""

from __future__ import annotations

from strata import random as strata_random
from strata.layers.preprocessing.image.affine import affine_transform
from strata.layers.preprocessing.image.base import (
    FILL_MODES,
    INTERPOLATIONS,
    ImageLayer,
    check_choice,
    check_number,
)
from strata.layers.regularization.random_key import draw_key, seed_generator


class RandomAffineLayer(ImageLayer):
    """Base of the random geometric layers: subclasses say how to draw the ``(batch, 6)`` warp
    matrices (see `affine_transform`) in `draw_matrices`.

    Args:
        fill_mode: how points outside the image are filled: ``"reflect"`` (default), ``"wrap"``,
            ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: optional int for reproducible draws outside `fit`.
        fill_value: the value of ``fill_mode="constant"``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: output shape = input shape (rank 3 or 4), in the layer's float dtype.

    Example:
        >>> import numpy as np
        >>> class Still(RandomAffineLayer):
        ...     def draw_matrices(self, batch, height, width):
        ...         return np.tile([[1.0, 0, 0, 0, 1, 0]], (batch, 1))
        >>> Still()(np.ones((2, 2, 1)), training=True).shape
        (2, 2, 1)
    """

    def __init__(
        self,
        fill_mode="reflect",
        interpolation="bilinear",
        seed=None,
        fill_value=0.0,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.fill_mode = check_choice(self.owner, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = check_choice(
            self.owner, "interpolation", interpolation, INTERPOLATIONS
        )
        self.fill_value = check_number(self.owner, "fill_value", fill_value)
        self.seed = seed
        self._generator = seed_generator(seed)

    def uniform(self, shape, minval, maxval):
        """Uniform numbers from this layer's next key (one key per draw, as Keras)."""
        return strata_random.uniform(shape, minval, maxval, seed=draw_key(self._generator))

    def draw_matrices(self, batch: int, height: int, width: int):
        raise NotImplementedError(f"{type(self).__name__} does not define `draw_matrices`.")

    def call(self, inputs, training=None):
        inputs = inputs.astype(self.compute_dtype)
        if not training:
            return inputs
        unbatched = inputs.ndim == 3
        images = inputs[None] if unbatched else inputs
        axes = self.height_width_axes(4)
        matrices = self.draw_matrices(images.shape[0], images.shape[axes[0]], images.shape[axes[1]])
        out = affine_transform(
            images, matrices, axes, self.interpolation, self.fill_mode, self.fill_value
        )
        return out[0] if unbatched else out

    def _output_dtype(self, inputs) -> str:
        return self.compute_dtype

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "interpolation": self.interpolation,
            "seed": self.seed,
        }
