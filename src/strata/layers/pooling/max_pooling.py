"""`MaxPooling1D`, `MaxPooling2D`, `MaxPooling3D`: the largest value in each window."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.layers.pooling.base_pooling import BasePooling


class MaxPooling(BasePooling):
    """N-d max pooling; `MaxPooling1D/2D/3D` fix N (arguments as for `BasePooling`).

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *pooled, channels)``, each pooled
    length ``ceil((n - pool + 1) / stride)`` ("valid") or ``ceil(n / stride)`` ("same").
    """

    def call(self, inputs):
        return self._pool(inputs, -jnp.inf, jax.lax.max)


class MaxPooling1D(MaxPooling):
    """Max pooling over ``(batch, steps, channels)``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [2.0], [5.0], [4.0]]])
        >>> MaxPooling1D(2)(x)[0, :, 0].tolist()
        [3.0, 5.0]
    """

    rank = 1


class MaxPooling2D(MaxPooling):
    """Max pooling over ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> MaxPooling2D(2, padding="same")(np.ones((2, 5, 5, 3))).shape
        (2, 3, 3, 3)
    """

    rank = 2


class MaxPooling3D(MaxPooling):
    """Max pooling over ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> MaxPooling3D()(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    rank = 3
