"""`ZeroPadding1D`, `ZeroPadding2D`, `ZeroPadding3D`: zeros added around the spatial axes."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.conv import arguments
from strata.layers.layer import Layer


class ZeroPadding(Layer):
    """Pad the N spatial axes with zeros; `ZeroPadding1D/2D/3D` fix N.

    Args:
        padding: an int (every side), N ints (both sides of each axis), or N
            ``(before, after)`` pairs; for 1-D, an int or one ``(before, after)`` pair.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *padded, channels)``, each axis
    growing by ``before + after``.
    """

    rank = 2

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = arguments.owner_name(self)
        if self.rank == 1 and not isinstance(padding, int):
            padding = (arguments.normalize_tuple(padding, 2, "padding", owner, allow_zero=True),)
        self._pairs = arguments.pairs(padding, self.rank, "padding", owner)
        self.data_format = arguments.normalize_data_format(data_format, owner)

    @property
    def padding(self) -> tuple:
        return self._pairs[0] if self.rank == 1 else self._pairs

    def _full_pairs(self, ndim: int) -> list:
        full = [(0, 0)] * ndim
        for pair, axis in zip(self._pairs, arguments.spatial_axes(self.rank, self.data_format)):
            full[axis] = pair
        return full

    def _check_input(self, inputs) -> None:
        arguments.check_rank(self, tuple(inputs.shape), self.rank, self.data_format)

    def call(self, inputs):
        return jnp.pad(inputs, self._full_pairs(inputs.ndim))

    def compute_output_shape(self, input_shape):
        return tuple(
            None if d is None else d + before + after
            for d, (before, after) in zip(input_shape, self._full_pairs(len(input_shape)))
        )

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(ZeroPadding):
    """Zeros before and after the steps of ``(batch, steps, channels)``.

    Example:
        >>> import numpy as np
        >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1)))[0, :, 0].tolist()
        [0.0, 1.0, 1.0, 0.0, 0.0]
    """

    rank = 1


class ZeroPadding2D(ZeroPadding):
    """Zeros around the height and width of ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> ZeroPadding2D(((1, 0), (2, 2)))(np.ones((2, 3, 3, 4))).shape
        (2, 4, 7, 4)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(ZeroPadding):
    """Zeros around the depth, height and width of ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 3))).shape
        (1, 4, 4, 4, 3)
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
