"""`RandomCrop`: cut a random ``height x width`` window out of images while training."""

from __future__ import annotations

import jax

from strata import random as strata_random
from strata.layers.preprocessing.image import resize_ops
from strata.layers.preprocessing.image.base import ImageLayer, check_size
from strata.layers.regularization.random_key import draw_key, seed_generator


class RandomCrop(ImageLayer):
    """During training, crop every image of a batch at one random place to ``(height, width)``.

    When the image is not larger than the crop on both sides, training takes the window Keras
    takes (from the corner of the largest centred window with the crop's aspect ratio) and
    resizes it to ``(height, width)`` if it is smaller. At inference the largest centred window
    with the crop's aspect ratio is resized (bilinear) to ``(height, width)``, as Keras documents
    (Keras 3.15 returns the input unchanged there, keras-team/keras#21868, which contradicts its
    own output shape). The output is in the layer's float dtype.

    Args:
        height / width: the output's size.
        seed: optional int for reproducible crops outside `fit`. As in Keras, when omitted the
            config records a fresh seed, so a layer rebuilt from it is reproducible.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: ``(..., H, W, C) -> (..., height, width, C)``; rank 3 or 4.

    Example:
        >>> import numpy as np
        >>> RandomCrop(2, 2)(np.ones((1, 5, 5, 3)), training=True).shape
        (1, 2, 2, 3)
    """

    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_size(self.owner, "height", height)
        self.width = check_size(self.owner, "width", width)
        self._generator = seed_generator(seed)
        self.seed = seed if seed is not None else strata_random.make_default_seed()

    def call(self, inputs, training=None):
        inputs = inputs.astype(self.compute_dtype)
        axes = self.height_width_axes(inputs.ndim)
        height, width = inputs.shape[axes[0]], inputs.shape[axes[1]]
        size = (self.height, self.width)
        if not training:
            return resize_ops.smart_resize(inputs, axes, size)
        if height > self.height and width > self.width:
            top = self._draw_start(height - self.height)
            left = self._draw_start(width - self.width)
            out = jax.lax.dynamic_slice_in_dim(inputs, top, self.height, axes[0])
            return jax.lax.dynamic_slice_in_dim(out, left, self.width, axes[1])
        top, left, _, _ = resize_ops.aspect_window(height, width, *size)
        out = resize_ops.crop(inputs, axes, top, left, *size)
        if (out.shape[axes[0]], out.shape[axes[1]]) != size:
            out = resize_ops.resize(out, axes, size).astype(self.compute_dtype)
        return out

    def _draw_start(self, slack: int):
        """A start in ``[0, slack]``: a uniform float truncated to an int, as Keras draws it."""
        start = strata_random.uniform((), 0.0, float(slack + 1), seed=draw_key(self._generator))
        return start.astype("int32")

    def _output_dtype(self, inputs) -> str:
        return self.compute_dtype

    def compute_output_shape(self, input_shape):
        return self.output_shape_of_size(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "seed": self.seed,
        }
