"""`jax.image.resize`'s arithmetic (no antialiasing, as Keras's JAX backend calls it) in NumPy, for
resizing decoded image files one at a time.

Files in a folder come in many sizes, and `jax.image.resize` compiles once per input size, which
would make reading a folder of photographs compile for most files. The same separable kernels and
weight normalisation in NumPy give the same pixels (to float32 rounding) with no compilation.
"""

from __future__ import annotations

import numpy as np

from strata.layers.preprocessing.image.resize_ops import aspect_window

_EPS = 1000.0 * float(np.finfo(np.float32).eps)


def _triangle(x):
    return np.maximum(0, 1 - np.abs(x))


def _keys_cubic(x):
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius):
    def kernel(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        safe = np.where(x != 0, np.pi**2 * x**2, 1)
        out = np.where(x > 1e-3, y / safe, 1)
        return np.where(x > radius, 0.0, out)

    return kernel


_KERNELS = {
    "bilinear": _triangle,
    "bicubic": _keys_cubic,
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
}


def _weights(size_in: int, size_out: int, kernel):
    """The ``(size_in, size_out)`` matrix taking one axis from `size_in` to `size_out` samples."""
    inverse_scale = 1.0 / (size_out / size_in)
    sample = (np.arange(size_out, dtype="float32") + 0.5) * inverse_scale - 0.5
    distance = np.abs(sample[None, :] - np.arange(size_in, dtype="float32")[:, None])
    weights = kernel(distance).astype("float32")
    total = weights.sum(axis=0, keepdims=True)
    weights = np.where(np.abs(total) > _EPS, weights / np.where(total != 0, total, 1), 0)
    inside = (sample >= -0.5) & (sample <= size_in - 0.5)
    return np.where(inside[None, :], weights, 0).astype("float32")


def _taps(size_in: int, size_out: int, kernel):
    """``(rows, weights)``, both ``(size_out, span)``: the few input rows each output sample
    reads (a kernel reaches a fixed distance) and their weights, zero where a row is padding."""
    matrix = _weights(size_in, size_out, kernel).T
    nonzero = matrix != 0
    first = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), 0)
    last = np.where(nonzero.any(axis=1), size_in - 1 - nonzero[:, ::-1].argmax(axis=1), 0)
    span = int((last - first).max()) + 1
    rows = first[:, None] + np.arange(span)
    inside = rows < size_in
    rows = np.minimum(rows, size_in - 1)
    weights = np.where(inside, np.take_along_axis(matrix, rows, axis=1), 0).astype("float32")
    return rows, weights


def resize(image, size, interpolation: str):
    """A float32 ``(height, width, channels)`` image resized to ``size = (height, width)``.

    Example:
        >>> resize(np.arange(4, dtype="float32").reshape(2, 2, 1), (4, 4), "bilinear")[0, :, 0]
        array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
    """
    for axis, target in enumerate(size):
        length = image.shape[axis]
        if length == target:
            continue
        moved = np.moveaxis(image, axis, 0)
        if interpolation == "nearest":
            offsets = (np.arange(target, dtype="float32") + 0.5) * length / target
            resized = moved[np.floor(offsets).astype("int32")]
        else:
            # The weight matrix is banded, so only its band is applied (the same sums as the
            # full matrix product, without the multiplications by zero).
            rows, weights = _taps(length, target, _KERNELS[interpolation])
            resized = np.einsum("ts,ts...->t...", weights, moved[rows])
        image = np.moveaxis(resized, 0, axis)
    return np.ascontiguousarray(image, dtype="float32")


def crop_to_aspect(image, size):
    """The largest centred window of `image` with the aspect ratio of `size` (as Keras)."""
    top, left, height, width = aspect_window(*image.shape[:2], *size)
    return image[top : top + height, left : left + width]


def pad_to_aspect(image, size):
    """`image` zero-padded evenly on its short side towards the aspect ratio of `size` (as Keras:
    the same amount on both sides, so an odd remainder is dropped)."""
    height, width = image.shape[:2]
    target_height, target_width = size
    pad_top = (max(height, int(float(width * target_height) / target_width)) - height) // 2
    pad_left = (max(width, int(float(height * target_width) / target_height)) - width) // 2
    if pad_top > 0:
        return np.pad(image, ((pad_top, pad_top), (0, 0), (0, 0)))
    if pad_left > 0:
        return np.pad(image, ((0, 0), (pad_left, pad_left), (0, 0)))
    return image
