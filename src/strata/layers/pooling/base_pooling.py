"""`pool`, a strided window reduction over the spatial axes, and `BasePooling`, the shell of the
max and average pooling layers (arguments, input checks, output shapes)."""

from __future__ import annotations

import jax

from strata.layers.conv import arguments
from strata.layers.layer import Layer


def pool(inputs, init, reducer, *, pool_size, strides, padding, channels_first=False):
    """Reduce each spatial window with `reducer` (e.g. `jax.lax.max`, `jax.lax.add`).

    Args:
        inputs: ``(batch, *spatial, channels)`` (or channels first).
        init: the reducer's identity (``-inf`` for max, 0 for add); padding takes this value.
        pool_size, strides: N ints.
        padding: ``"valid"`` or ``"same"`` (XLA's "same": the odd padding element goes after).

    Example:
        >>> import numpy as np
        >>> x = np.arange(4.0, dtype="float32").reshape(1, 4, 1)
        >>> pool(x, 0.0, jax.lax.add, pool_size=(2,), strides=(2,), padding="valid")[0, :, 0].tolist()
        [1.0, 5.0]
    """
    ones = (1,)
    if channels_first:
        window, steps = (*ones, *ones, *pool_size), (*ones, *ones, *strides)
    else:
        window, steps = (*ones, *pool_size, *ones), (*ones, *strides, *ones)
    return jax.lax.reduce_window(inputs, init, reducer, window, steps, padding.upper())


class BasePooling(Layer):
    """Shared shell of `MaxPooling*D` and `AveragePooling*D`; subclasses set `rank` and `call`.

    Args:
        pool_size: window size, an int or N ints.
        strides: step of the window, an int or N ints; None (default) means `pool_size`.
        padding: ``"valid"`` or ``"same"`` (output length ``ceil(n / stride)``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    rank = 2

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = arguments.owner_name(self)
        self.pool_size = arguments.normalize_tuple(pool_size, self.rank, "pool_size", owner)
        self.strides = (
            self.pool_size
            if strides is None
            else arguments.normalize_tuple(strides, self.rank, "strides", owner)
        )
        self.padding = arguments.normalize_padding(padding, owner)
        self.data_format = arguments.normalize_data_format(data_format, owner)

    def _pool(self, inputs, init, reducer):
        return pool(
            inputs,
            init,
            reducer,
            pool_size=self.pool_size,
            strides=self.strides,
            padding=self.padding,
            channels_first=self.data_format == "channels_first",
        )

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        arguments.check_rank(self, shape, self.rank, self.data_format)
        arguments.check_window_fits(
            self,
            shape,
            arguments.spatial_axes(self.rank, self.data_format),
            self.pool_size,
            (self.padding,) * self.rank,
            self.strides,
            (1,) * self.rank,
        )

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for i, axis in enumerate(arguments.spatial_axes(self.rank, self.data_format)):
            shape[axis] = arguments.output_length(
                shape[axis], self.pool_size[i], self.padding, self.strides[i]
            )
        return tuple(shape)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }
