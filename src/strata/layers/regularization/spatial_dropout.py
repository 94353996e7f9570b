"""`SpatialDropout1D/2D/3D`: dropout of whole feature maps (channels) instead of elements."""

from __future__ import annotations

from strata import random as strata_random
from strata.layers.layer import Layer
from strata.layers.regularization.random_key import check_rate, draw_key, seed_generator


class _SpatialDropout(Layer):
    """Shared body: drop entire channels, keeping one mask value per (sample, channel)."""

    rank = 1
    layout = "(batch, steps, channels)"

    def __init__(self, rate, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        self.rate = check_rate(f"{kind} '{self.name}'", "rate", rate)
        self.seed = seed
        if data_format is not None or self.rank > 1:
            data_format = data_format or "channels_last"
            if data_format not in ("channels_last", "channels_first"):
                raise ValueError(
                    f"{kind} '{self.name}': `data_format` must be 'channels_last' or "
                    f"'channels_first'; received data_format={data_format!r}."
                )
        self.data_format = data_format
        self._generator = seed_generator(seed)
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) != self.rank + 2:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects inputs of rank "
                f"{self.rank + 2}, {self.layout}; received shape {shape}."
            )

    def _noise_shape(self, shape):
        batch, ones = shape[0], (1,) * self.rank
        if self.data_format == "channels_first":
            return (batch, shape[1], *ones)
        return (batch, *ones, shape[-1])

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        key = draw_key(self._generator)
        noise_shape = self._noise_shape(inputs.shape)
        return strata_random.dropout(inputs, self.rate, noise_shape, seed=key)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        # Keras's exact keys: its SpatialDropout constructors take no `trainable`, and its
        # config keeps `dtype` as a plain name.
        config = {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}
        if self.rank > 1:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drop whole channels of ``(batch, steps, channels)`` inputs with probability `rate`.

    Use instead of `Dropout` when neighbouring steps are strongly correlated, so dropping single
    elements would not regularize. Scales kept values by ``1 / (1 - rate)``; identity at
    inference.

    Args:
        rate: float in [0, 1).
        seed: optional int for reproducible masks outside `fit`.

    Example:
        >>> import numpy as np
        >>> SpatialDropout1D(0.5)(np.ones((1, 2, 3)), training=False).shape
        (1, 2, 3)
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Drop whole channels (feature maps) of 4-D inputs with probability `rate`.

    Args:
        rate: float in [0, 1).
        data_format: ``"channels_last"`` (default, ``(batch, rows, cols, channels)``) or
            ``"channels_first"``.
        seed: optional int for reproducible masks outside `fit`.

    Example:
        >>> import numpy as np
        >>> SpatialDropout2D(0.5)(np.ones((1, 2, 2, 3)), training=False).shape
        (1, 2, 2, 3)
    """

    rank = 2
    layout = "(batch, rows, cols, channels)"

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, data_format=data_format, **kwargs)


class SpatialDropout3D(_SpatialDropout):
    """Drop whole channels (feature volumes) of 5-D inputs with probability `rate`.

    Args:
        rate: float in [0, 1).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: optional int for reproducible masks outside `fit`.

    Example:
        >>> import numpy as np
        >>> SpatialDropout3D(0.5)(np.ones((1, 2, 2, 2, 3)), training=False).shape
        (1, 2, 2, 2, 3)
    """

    rank = 3
    layout = "(batch, dim1, dim2, dim3, channels)"

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, data_format=data_format, **kwargs)
