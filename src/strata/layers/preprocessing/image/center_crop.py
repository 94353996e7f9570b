"""`CenterCrop`: cut the central ``height x width`` window out of images."""

from __future__ import annotations

from strata.layers.preprocessing.image import resize_ops
from strata.layers.preprocessing.image.base import ImageLayer, check_size


class CenterCrop(ImageLayer):
    """Crop the centre ``(height, width)`` of images, in training and inference alike.

    When the image is smaller than the crop on either side, it is instead cut to the largest
    centred window with the crop's aspect ratio and resized (bilinear) to ``(height, width)``,
    as Keras does. The output is in the layer's float dtype.

    Args:
        height / width: the output's size.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: ``(..., H, W, C) -> (..., height, width, C)``; rank 3 or 4.

    Example:
        >>> import numpy as np
        >>> CenterCrop(1, 2)(np.arange(9.0).reshape(3, 3, 1))[..., 0].tolist()
        [[3.0, 4.0]]
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_size(self.owner, "height", height)
        self.width = check_size(self.owner, "width", width)

    def call(self, inputs):
        inputs = inputs.astype(self.compute_dtype)
        axes = self.height_width_axes(inputs.ndim)
        height, width = inputs.shape[axes[0]], inputs.shape[axes[1]]
        if height >= self.height and width >= self.width:
            top, left = (height - self.height) // 2, (width - self.width) // 2
            return resize_ops.crop(inputs, axes, top, left, self.height, self.width)
        return resize_ops.smart_resize(inputs, axes, (self.height, self.width))

    def compute_output_shape(self, input_shape):
        return self.output_shape_of_size(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "height": self.height, "width": self.width}
