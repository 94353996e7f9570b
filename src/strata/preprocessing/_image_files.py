"""Image files to arrays and back, with Pillow (an optional dependency: ``strata[image]``)."""

from __future__ import annotations

import numpy as np

_RESAMPLING = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Loading and saving images needs Pillow: `pip install strata[image]` (or pillow)."
        ) from None
    return Image


def load_img(
    path,
    color_mode="rgb",
    target_size=None,
    interpolation="nearest",
    keep_aspect_ratio=False,
):
    """A PIL image from `path`, converted to `color_mode` and resized to `target_size`
    (``(height, width)``); `keep_aspect_ratio` crops the centre to the target's aspect first."""
    image_module = _pil()
    if color_mode not in ("rgb", "rgba", "grayscale"):
        raise ValueError(
            f"load_img: color_mode must be 'rgb', 'rgba' or 'grayscale'; received {color_mode!r}."
        )
    if interpolation not in _RESAMPLING:
        raise ValueError(
            f"load_img: interpolation must be one of {list(_RESAMPLING)}; received "
            f"{interpolation!r}."
        )
    with open(path, "rb") as handle:
        image = image_module.open(handle)
        image.load()
    if color_mode == "grayscale":
        if image.mode not in ("L", "I;16", "I"):
            image = image.convert("L")
    elif image.mode != color_mode.upper():
        image = image.convert(color_mode.upper())
    if target_size is not None:
        height, width = target_size
        if image.size != (width, height):
            resample = getattr(image_module.Resampling, interpolation.upper())
            if keep_aspect_ratio:
                old_width, old_height = image.size
                crop_width = min(old_width, old_height * width // height)
                crop_height = min(old_height, old_width * height // width)
                left = (old_width - crop_width) // 2
                top = (old_height - crop_height) // 2
                image = image.crop((left, top, left + crop_width, top + crop_height))
            image = image.resize((width, height), resample)
    return image


def img_to_array(img, data_format="channels_last", dtype="float32") -> np.ndarray:
    """A PIL image as a 3D array ``(height, width, channels)`` (channels first if asked)."""
    array = np.asarray(img, dtype=dtype)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {array.shape}.")
    return np.moveaxis(array, -1, 0) if data_format == "channels_first" else array


def array_to_img(x, data_format="channels_last", scale=True, dtype="float32"):
    """A PIL image from a 3D array; `scale` maps the values' range onto 0..255."""
    image_module = _pil()
    x = np.asarray(x, dtype=dtype)
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected a 3D image array; received shape {x.shape}.")
    if data_format == "channels_first":
        x = np.moveaxis(x, 0, -1)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    channels = x.shape[-1]
    if channels == 1:
        return image_module.fromarray(x[..., 0].astype("uint8"), "L")
    if channels in (3, 4):
        return image_module.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    raise ValueError(f"array_to_img: unsupported number of channels {channels}.")
