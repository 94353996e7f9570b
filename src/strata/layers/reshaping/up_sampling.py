"""`UpSampling1D`, `UpSampling2D`, `UpSampling3D`: enlarge the spatial axes by whole factors."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.layers.conv import arguments
from strata.layers.layer import Layer

_INTERPOLATIONS = ("nearest", "bilinear")


class UpSampling(Layer):
    """Repeat each element `size` times along each of the N spatial axes.

    Args:
        size: an int or N positive ints, the factor per axis.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *(n * size), channels)``.
    """

    rank = 2

    def __init__(self, size=2, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = arguments.owner_name(self)
        self.size = arguments.normalize_tuple(size, self.rank, "size", owner)
        self.data_format = arguments.normalize_data_format(data_format, owner)

    @property
    def _axes(self) -> tuple:
        return arguments.spatial_axes(self.rank, self.data_format)

    def _check_input(self, inputs) -> None:
        arguments.check_rank(self, tuple(inputs.shape), self.rank, self.data_format)

    def call(self, inputs):
        for factor, axis in zip(self.size, self._axes):
            inputs = jnp.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for factor, axis in zip(self.size, self._axes):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling1D(UpSampling):
    """Repeat each step of ``(batch, steps, features)`` `size` times.

    Example:
        >>> import numpy as np
        >>> UpSampling1D(3)(np.array([[[1.0], [2.0]]]))[0, :, 0].tolist()
        [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        if "data_format" in kwargs:
            raise TypeError(
                "UpSampling1D got unexpected keyword argument(s) ['data_format']: it always "
                "repeats axis 1 of (batch, steps, features), as in Keras."
            )
        super().__init__(size, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]  # Keras's UpSampling1D has no data_format.
        config["size"] = self.size[0]
        return config


class UpSampling2D(UpSampling):
    """Enlarge height and width of ``(batch, height, width, channels)`` by `size`.

    Args:
        size, data_format: as for `UpSampling`.
        interpolation: ``"nearest"`` (repeat, the default) or ``"bilinear"`` (linear in each
            axis between pixel centres, edges clamped).

    Example:
        >>> import numpy as np
        >>> UpSampling2D((2, 3))(np.ones((1, 2, 2, 3))).shape
        (1, 4, 6, 3)
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"{arguments.owner_name(self)}: `interpolation` must be one of "
                f"{list(_INTERPOLATIONS)}; received interpolation={interpolation!r}."
            )
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        shape = list(inputs.shape)
        for factor, axis in zip(self.size, self._axes):
            shape[axis] *= factor
        # Upsampling only, so antialiasing (which widens the kernel when shrinking) is moot.
        return jax.image.resize(inputs, shape, method="bilinear", antialias=False)

    def get_config(self) -> dict:
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(UpSampling):
    """Enlarge depth, height and width of ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> UpSampling3D(2)(np.ones((1, 2, 2, 2, 3))).shape
        (1, 4, 4, 4, 3)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
