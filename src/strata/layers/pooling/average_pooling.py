"""`AveragePooling1D`, `AveragePooling2D`, `AveragePooling3D`: the mean of each window."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from strata.layers.conv import arguments
from strata.layers.pooling.base_pooling import BasePooling


class AveragePooling(BasePooling):
    """N-d average pooling; `AveragePooling1D/2D/3D` fix N.

    Args: as for `BasePooling`, except that `pool_size` is required (as in Keras). With
    ``padding="same"`` a window that overlaps the border averages only the real elements (the
    padding is not counted), as Keras does.

    Shapes: as for max pooling.
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)

    def call(self, inputs):
        sums = self._pool(inputs, 0.0, jax.lax.add)
        if self.padding == "valid":
            return sums / math.prod(self.pool_size)
        # Count the real elements of each window by pooling ones shaped like one sample's
        # spatial axes (batch and channel axes of size 1, broadcast in the division).
        spatial = arguments.spatial_axes(self.rank, self.data_format)
        ones_shape = [inputs.shape[a] if a in spatial else 1 for a in range(inputs.ndim)]
        counts = self._pool(jnp.ones(ones_shape, inputs.dtype), 0.0, jax.lax.add)
        return sums / counts


class AveragePooling1D(AveragePooling):
    """Average pooling over ``(batch, steps, channels)``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [2.0]]])
        >>> AveragePooling1D(2, padding="same")(x)[0, :, 0].tolist()
        [2.0, 2.0]
    """

    rank = 1


class AveragePooling2D(AveragePooling):
    """Average pooling over ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> AveragePooling2D(2)(np.ones((2, 4, 5, 3))).shape
        (2, 2, 2, 3)
    """

    rank = 2


class AveragePooling3D(AveragePooling):
    """Average pooling over ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> AveragePooling3D(2, strides=1)(np.ones((1, 3, 3, 3, 2))).shape
        (1, 2, 2, 2, 2)
    """

    rank = 3
