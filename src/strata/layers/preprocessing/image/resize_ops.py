"""Resizing arithmetic shared by `Resizing`, `CenterCrop` and `RandomCrop` (Keras's JAX backend
`image.resize` and `smart_resize`, as pure functions of static shapes)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

# The methods `jax.image.resize` offers under Keras's names ("area" has no JAX kernel, and Keras's
# JAX backend rejects it too).
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


def aspect_window(height: int, width: int, target_height: int, target_width: int):
    """``(top, left, crop_height, crop_width)``: the largest centred window of a
    ``height x width`` image with the target's aspect ratio (Keras's integer rounding).

    Example:
        >>> aspect_window(4, 8, 2, 2)
        (0, 2, 4, 4)
    """
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    return top, left, crop_height, crop_width


def crop(images, axes, top, left, crop_height, crop_width):
    """`images` cut to ``[top : top + crop_height, left : left + crop_width]`` on `axes`."""
    index = [slice(None)] * images.ndim
    index[axes[0]] = slice(top, top + crop_height)
    index[axes[1]] = slice(left, left + crop_width)
    return images[tuple(index)]


def pad_to_aspect(images, axes, target_height: int, target_width: int, fill_value):
    """`images` padded evenly on their short side towards the target aspect ratio (as Keras:
    the same amount before and after, so an odd remainder is dropped)."""
    height, width = images.shape[axes[0]], images.shape[axes[1]]
    padded_height = max(height, int(float(width * target_height) / target_width))
    padded_width = max(width, int(float(height * target_width) / target_height))
    pad_top = int(float(padded_height - height) / 2)
    pad_left = int(float(padded_width - width) / 2)
    widths = [(0, 0)] * images.ndim
    if pad_top > 0:
        widths[axes[0]] = (pad_top, pad_top)
    elif pad_left > 0:
        widths[axes[1]] = (pad_left, pad_left)
    else:
        return images
    return jnp.pad(images, widths, constant_values=jnp.asarray(fill_value).astype(images.dtype))


def resize(images, axes, size, interpolation="bilinear", antialias=False):
    """`images` resized on `axes` to ``size = (height, width)`` with `jax.image.resize`.

    Integer images come back in their dtype, rounded and clipped to its range (as in Keras).

    Example:
        >>> import numpy as np
        >>> resize(np.ones((2, 2, 1), "float32"), (0, 1), (3, 3)).shape
        (3, 3, 1)
    """
    images = jnp.asarray(images)
    shape = list(images.shape)
    shape[axes[0]], shape[axes[1]] = size
    out = jax.image.resize(images, tuple(shape), method=interpolation, antialias=antialias)
    if out.dtype == images.dtype:
        return out
    if jnp.issubdtype(images.dtype, jnp.integer):
        info = np.iinfo(images.dtype)
        out = jnp.clip(jnp.round(out), info.min, info.max)
    return out.astype(images.dtype)


def smart_resize(images, axes, size, interpolation="bilinear"):
    """The largest centred window with the aspect ratio of `size`, resized to `size` (Keras's
    `smart_resize`)."""
    height, width = images.shape[axes[0]], images.shape[axes[1]]
    images = crop(images, axes, *aspect_window(height, width, *size))
    return resize(images, axes, size, interpolation)
