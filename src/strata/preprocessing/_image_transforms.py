"""The per-image transformations of `ImageDataGenerator`, on NumPy arrays (tf.keras 2's
formulas: an affine map about the image centre by SciPy's `affine_transform`, then channel
shift, flips and brightness)."""

from __future__ import annotations

import numpy as np


def _about_center(matrix: np.ndarray, height: int, width: int) -> np.ndarray:
    """`matrix` applied about the image centre instead of the corner."""
    o_x, o_y = height / 2 - 0.5, width / 2 - 0.5
    to_center = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    back = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return to_center @ matrix @ back


def affine(x, params, row_axis, col_axis, channel_axis, fill_mode, cval, order):
    """Rotate (degrees), shift, shear (degrees) and zoom the 3D image `x`."""
    from scipy import ndimage

    parts = []
    theta = np.deg2rad(params.get("theta", 0))
    if theta:
        parts.append(
            [[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0], [0, 0, 1]]
        )
    tx, ty = params.get("tx", 0), params.get("ty", 0)
    if tx or ty:
        parts.append([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    shear = np.deg2rad(params.get("shear", 0))
    if shear:
        parts.append([[1, -np.sin(shear), 0], [0, np.cos(shear), 0], [0, 0, 1]])
    zx, zy = params.get("zx", 1), params.get("zy", 1)
    if zx != 1 or zy != 1:
        parts.append([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
    if not parts:
        return x
    matrix = np.eye(3)
    for part in parts:
        matrix = matrix @ np.asarray(part, dtype=float)
    matrix = _about_center(matrix, x.shape[row_axis], x.shape[col_axis])
    channels = np.moveaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        # The matrix is written for (row, col) = (x, y); swap to the array's axis order.
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    moved = [
        ndimage.affine_transform(
            channel, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval
        )
        for channel in channels
    ]
    return np.moveaxis(np.stack(moved), 0, channel_axis)


def channel_shift(x, intensity, channel_axis):
    """Add `intensity` to every channel, clipped to the image's own value range."""
    low, high = np.min(x), np.max(x)
    return np.clip(x + intensity, low, high)


def brightness(x, factor):
    """PIL's brightness enhancement by `factor`, keeping the array's value range."""
    from PIL import ImageEnhance

    from strata.utils.image_utils import array_to_img, img_to_array

    low, high = np.min(x), np.max(x)
    outside = low < 0 or high > 255
    image = ImageEnhance.Brightness(array_to_img(x, scale=outside)).enhance(factor)
    out = img_to_array(image)
    return out / 255 * (high - low) + low if outside else out
