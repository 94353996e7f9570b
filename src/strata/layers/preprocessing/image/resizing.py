"""`Resizing`: resize images to a fixed height and width."""

from __future__ import annotations

from strata.layers.preprocessing.image import resize_ops
from strata.layers.preprocessing.image.base import (
    ImageLayer,
    check_choice,
    check_number,
    check_size,
)


class Resizing(ImageLayer):
    """Resize images to ``(height, width)``, in training and inference alike.

    Integer images (e.g. ``uint8``) keep their dtype, rounded; float images come out in the
    layer's dtype.

    Args:
        height / width: the output's size.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``, ``"lanczos3"``
            or ``"lanczos5"`` (the methods of `jax.image.resize`).
        crop_to_aspect_ratio: first crop the largest centred window with the target's aspect
            ratio, so the image is not distorted.
        pad_to_aspect_ratio: instead, first pad the short side evenly with `fill_value`.
        fill_mode: how padding is filled; only ``"constant"``.
        fill_value: the padding's value.
        antialias: filter when downsampling (not for ``"nearest"``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: ``(..., H, W, C) -> (..., height, width, C)``; rank 3 or 4.

    Example:
        >>> import numpy as np
        >>> Resizing(2, 2)(np.ones((1, 4, 4, 3))).shape
        (1, 2, 2, 3)
    """

    def __init__(
        self,
        height,
        width,
        interpolation="bilinear",
        crop_to_aspect_ratio=False,
        pad_to_aspect_ratio=False,
        fill_mode="constant",
        fill_value=0.0,
        antialias=False,
        data_format=None,
        **kwargs,
    ):
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_size(self.owner, "height", height)
        self.width = check_size(self.owner, "width", width)
        if interpolation == "area":
            raise ValueError(
                f"{self.owner}: interpolation='area' has no `jax.image.resize` kernel (Keras's "
                f"JAX backend rejects it too); use one of {list(resize_ops.RESIZE_INTERPOLATIONS)}."
            )
        self.interpolation = check_choice(
            self.owner, "interpolation", interpolation, resize_ops.RESIZE_INTERPOLATIONS
        )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                f"{self.owner}: `crop_to_aspect_ratio` and `pad_to_aspect_ratio` cannot both be "
                "True; choose one."
            )
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice(self.owner, "fill_mode", fill_mode, ("constant",))
        self.fill_value = check_number(self.owner, "fill_value", fill_value)
        self.antialias = bool(antialias)

    def call(self, inputs):
        axes = self.height_width_axes(inputs.ndim)
        size = (self.height, self.width)
        if self.crop_to_aspect_ratio:
            height, width = inputs.shape[axes[0]], inputs.shape[axes[1]]
            window = resize_ops.aspect_window(height, width, *size)
            inputs = resize_ops.crop(inputs, axes, *window)
        elif self.pad_to_aspect_ratio:
            inputs = resize_ops.pad_to_aspect(inputs, axes, *size, self.fill_value)
        return resize_ops.resize(inputs, axes, size, self.interpolation, self.antialias)

    def _output_dtype(self, inputs) -> str:
        dtype = str(inputs.dtype)
        return dtype if dtype.startswith(("int", "uint")) else self.compute_dtype

    def compute_output_shape(self, input_shape):
        return self.output_shape_of_size(input_shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }
