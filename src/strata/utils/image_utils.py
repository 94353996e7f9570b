"""Image files to arrays and back with Pillow, as Keras's `load_img`, `img_to_array`,
`array_to_img`, `save_img` and `smart_resize`.

Pillow is an optional dependency (``pip install strata[image]``); it is imported on first use.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np

from strata.layers.conv.arguments import normalize_data_format

COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}
# Pillow's resampling filters under Keras's names for `load_img`.
_PIL_FILTERS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image():
    """The ``PIL.Image`` module, or an ImportError saying how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "strata's image utilities read and write files with Pillow, which is not installed. "
            "Install it with `pip install pillow` (or `pip install strata[image]`)."
        ) from None
    return Image


def convert_mode(img, color_mode: str, owner: str = "load_img"):
    """`img` in the Pillow mode of `color_mode` (grayscale keeps 16- and 32-bit images, as Keras)."""
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"{owner}: `color_mode` must be 'grayscale', 'rgb' or 'rgba'; received "
            f"color_mode={color_mode!r}."
        )
    if color_mode == "grayscale":
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    wanted = color_mode.upper()
    return img if img.mode == wanted else img.convert(wanted)


def open_image(path, owner: str = "load_img"):
    """A decoded Pillow image from a path or ``io.BytesIO``; an unreadable file is named in the
    error."""
    Image = pil_image()
    if isinstance(path, io.BytesIO):
        source, name = path, "<BytesIO>"
    elif isinstance(path, str | bytes | os.PathLike):
        name = os.fsdecode(path)
        with open(name, "rb") as file:
            source = io.BytesIO(file.read())
    else:
        raise TypeError(
            f"{owner}: `path` must be a path or an io.BytesIO; received {type(path).__name__}."
        )
    try:
        img = Image.open(source)
        img.load()
    except Exception as error:  # Pillow raises several types for a damaged file.
        raise ValueError(f"{owner}: could not decode the image file {name!r}: {error}") from error
    return img


def load_img(
    path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False
):
    """Read an image file into a Pillow image.

    Args:
        path: a file path or an ``io.BytesIO``.
        color_mode: "grayscale", "rgb" or "rgba".
        target_size: ``(height, width)`` to resize to, or None to keep the file's size.
        interpolation: Pillow's filter for resizing: "nearest", "bilinear", "bicubic",
            "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Returns:
        A ``PIL.Image.Image``.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> array_to_img(np.zeros((4, 6, 3))).save(buffer, format="png")
        >>> load_img(buffer, target_size=(2, 3)).size
        (3, 2)
    """
    if interpolation not in _PIL_FILTERS:
        raise ValueError(
            f"load_img: `interpolation` must be one of {list(_PIL_FILTERS)}; received "
            f"interpolation={interpolation!r}."
        )
    img = convert_mode(open_image(path), color_mode)
    if target_size is None:
        return img
    target_height, target_width = target_size
    if img.size == (target_width, target_height):
        return img
    resample = getattr(pil_image().Resampling, interpolation.upper())
    box = None
    if keep_aspect_ratio:
        width, height = img.size
        crop_height = min(height, width * target_height // target_width)
        crop_width = min(width, height * target_width // target_height)
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        box = (left, top, left + crop_width, top + crop_height)
    return img.resize((target_width, target_height), resample, box=box)


def img_to_array(img, data_format=None, dtype=None):
    """A Pillow image (or any 2-D/3-D array) as a float array with a channel axis.

    Args:
        img: the image.
        data_format: "channels_last" (default, ``(height, width, channels)``) or
            "channels_first".
        dtype: the array's dtype (default float32).

    Example:
        >>> img_to_array(np.zeros((2, 3), "uint8")).shape
        (2, 3, 1)
    """
    data_format = normalize_data_format(data_format, "img_to_array")
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"img_to_array: expected a 2-D or 3-D image; received shape {x.shape}.")
    return x.transpose(2, 0, 1) if data_format == "channels_first" else x


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array as a Pillow image ("L", "I", "RGB" or "RGBA" by its channel count).

    Args:
        x: the image array, ``(height, width, channels)`` for "channels_last".
        data_format: "channels_last" (default) or "channels_first".
        scale: stretch the values to 0...255 first.
        dtype: the dtype the array is read as (default float32).

    Example:
        >>> array_to_img(np.random.rand(4, 5, 3)).size
        (5, 4)
    """
    data_format = normalize_data_format(data_format, "array_to_img")
    Image = pil_image()
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(
            f"array_to_img: expected a 3-D image array (one image); received shape {x.shape}."
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        if np.max(x) != 0:
            x /= np.max(x)
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        # Values above 255 need Pillow's 32-bit integer mode (as Keras).
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: images have 1, 3 or 4 channels; received {channels}.")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an image array to a file.

    Args:
        path: a file path or a file object.
        x: the image array.
        data_format: "channels_last" (default) or "channels_first".
        file_format: the format (by default from the file name's extension).
        scale: stretch the values to 0...255 first.
        **kwargs: passed to ``PIL.Image.Image.save``.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> save_img(buffer, np.zeros((2, 2, 3)), file_format="png")
        >>> buffer.getvalue()[:4]
        b'\\x89PNG'
    """
    if file_format is None and isinstance(path, str | os.PathLike):
        file_format = os.path.splitext(os.fspath(path))[1][1:].lower() or None
    if file_format is not None and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn(
            "save_img: JPEG has no alpha channel; the RGBA image is saved as RGB.", stacklevel=2
        )
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resize an image (or a batch) to `size` without distorting it: the largest centred window
    with the target's aspect ratio, then a resize (Keras's ``keras.preprocessing.image``
    ``smart_resize``).

    Args:
        x: a 3-D image or a 4-D batch.
        size: ``(height, width)``.
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3" or "lanczos5".
        data_format: "channels_last" or "channels_first".

    Example:
        >>> smart_resize(np.ones((4, 8, 3)), (2, 2)).shape
        (2, 2, 3)
    """
    from strata.layers.preprocessing.image import resize_ops

    data_format = normalize_data_format(data_format, "smart_resize")
    x = np.asarray(x)
    if x.ndim not in (3, 4) or len(size) != 2:
        raise ValueError(
            f"smart_resize: expected a 3-D image or 4-D batch and size=(height, width); received "
            f"shape {x.shape} and size={size!r}."
        )
    check_interpolation(interpolation, "smart_resize")
    axes = (x.ndim - 3, x.ndim - 2) if data_format == "channels_last" else (x.ndim - 2, x.ndim - 1)
    return np.asarray(resize_ops.smart_resize(x, axes, tuple(size), interpolation))


def check_interpolation(interpolation, owner: str) -> None:
    """Reject a resize method that `jax.image.resize` does not have."""
    from strata.layers.preprocessing.image.resize_ops import RESIZE_INTERPOLATIONS

    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(
            f"{owner}: `interpolation` must be one of {list(RESIZE_INTERPOLATIONS)}; received "
            f"interpolation={interpolation!r} ('area', 'gaussian' and 'mitchellcubic' need "
            "TensorFlow's resize, which strata does not use)."
        )
