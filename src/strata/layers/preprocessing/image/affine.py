"""Affine warps of image batches, computed the way Keras's JAX backend `affine_transform` does."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

_ORDERS = {"nearest": 0, "bilinear": 1}


def affine_transform(images, matrices, axes, interpolation, fill_mode, fill_value):
    """Warp a batch of images: output pixel ``(x, y)`` takes the input's value at
    ``(a0 x + a1 y + a2, b0 x + b1 y + b2)``, for ``matrices[i] = [a0, a1, a2, b0, b1, b2]``.

    Args:
        images: rank-4 array; `axes` are its (height, width) axes (1, 2) or (2, 3).
        matrices: ``(batch, 6)`` floats.
        interpolation: ``"nearest"`` or ``"bilinear"``.
        fill_mode / fill_value: how points outside the input are filled (`map_coordinates` modes).

    Example:
        >>> import numpy as np
        >>> x = np.arange(4.0).reshape(1, 2, 2, 1)
        >>> shift = np.array([[1.0, 0, 1, 0, 1, 0]])  # read one pixel to the right
        >>> affine_transform(x, shift, (1, 2), "nearest", "constant", 0.0)[0, :, :, 0].tolist()
        [[1.0, 0.0], [3.0, 0.0]]
    """
    channels_first = tuple(axes) == (2, 3)
    images = jnp.asarray(images)
    if channels_first:
        images = jnp.transpose(images, (0, 2, 3, 1))
    height, width = images.shape[1], images.shape[2]
    rows, cols = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")
    matrices = jnp.asarray(matrices, "float32")

    def warp_one(image, m):
        x_in = cols * m[0] + rows * m[1] + m[2]
        y_in = cols * m[3] + rows * m[4] + m[5]

        def warp_channel(channel):
            return jax.scipy.ndimage.map_coordinates(
                channel,
                (y_in, x_in),
                order=_ORDERS[interpolation],
                mode=fill_mode,
                cval=fill_value,
            )

        return jax.vmap(warp_channel, in_axes=-1, out_axes=-1)(image)

    out = jax.vmap(warp_one)(images, matrices)
    if channels_first:
        out = jnp.transpose(out, (0, 3, 1, 2))
    return out


def rotation_matrices(degrees, height: int, width: int):
    """``(batch, 6)`` matrices that rotate images about their centre by `degrees` (a
    ``(batch,)`` array), as Keras builds them.

    Example:
        >>> import numpy as np
        >>> (np.round(rotation_matrices(np.array([90.0]), 3, 3), 6) + 0.0).tolist()
        [[0.0, -1.0, 2.0, 1.0, 0.0, 0.0]]
    """
    angle = jnp.asarray(degrees, "float32") * (math.pi / 180.0)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    return jnp.stack(
        [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], axis=1
    )
