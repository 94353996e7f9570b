"""`strata.ops.image`: image ops (Keras's ``keras.ops.image``).

Example:
    >>> import numpy as np
    >>> from strata.ops import image
    >>> image.resize(np.ones((1, 4, 4, 3)), (2, 2)).shape
    (1, 2, 2, 3)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.ops._dispatch import keras_op

IMAGE = "keras.src.ops.image"
_METHODS = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")


@keras_op(IMAGE, tensors=("images",))
def resize(
    images,
    size,
    interpolation="bilinear",
    antialias=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    fill_mode="constant",
    fill_value=0.0,
    data_format=None,
):
    """`images` (``(batch,) height, width, channels``) resized to ``size = (height, width)``.

    Args:
        images: a 3-D or 4-D float tensor.
        size: ``(height, width)`` of the result.
        interpolation: one of ``"nearest"``, ``"bilinear"``, ``"bicubic"``, ``"lanczos3"``,
            ``"lanczos5"`` (`jax.image.resize`'s methods, as Keras's JAX backend uses).
        antialias: whether to filter when downsampling.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    ``crop_to_aspect_ratio`` and ``pad_to_aspect_ratio`` are not supported (an error says so).
    """
    if interpolation not in _METHODS:
        raise ValueError(
            f"resize: `interpolation` must be one of {_METHODS}; received {interpolation!r}."
        )
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise ValueError(
            "resize: `crop_to_aspect_ratio` and `pad_to_aspect_ratio` are not supported; crop "
            "or pad the images first (e.g. with `layers.CenterCrop`)."
        )
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "resize: `data_format` must be 'channels_last' or 'channels_first'; received "
            f"{data_format!r}."
        )
    images = jnp.asarray(images)
    if images.ndim not in (3, 4) or len(tuple(size)) != 2:
        raise ValueError(
            "resize: expected 3-D or 4-D `images` and `size=(height, width)`; received images "
            f"of shape {images.shape} and size={size!r}."
        )
    height, width = (int(d) for d in size)
    shape = list(images.shape)
    axes = (-3, -2) if data_format == "channels_last" else (-2, -1)
    shape[axes[0]], shape[axes[1]] = height, width
    method = "cubic" if interpolation == "bicubic" else interpolation
    if not jnp.issubdtype(images.dtype, jnp.floating):
        images = images.astype("float32")
    return jax.image.resize(images, tuple(shape), method=method, antialias=antialias)


__all__ = ["resize"]
