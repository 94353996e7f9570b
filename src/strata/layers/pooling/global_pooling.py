"""`GlobalMaxPooling1D/2D/3D` and `GlobalAveragePooling1D/2D/3D`: one value per channel, the
maximum or the mean over all spatial positions."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.conv import arguments
from strata.layers.layer import Layer


class GlobalPooling(Layer):
    """Shared shell of the global pooling layers; subclasses set `rank` and `_reduce`.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the spatial axes, with length 1.

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, channels)``, or
    ``(batch, 1, ..., 1, channels)`` with `keepdims` (channels on axis 1 with channels_first).
    """

    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        owner = arguments.owner_name(self)
        self.data_format = arguments.normalize_data_format(data_format, owner)
        self.keepdims = bool(keepdims)

    @property
    def _axes(self) -> tuple:
        return arguments.spatial_axes(self.rank, self.data_format)

    def _check_input(self, inputs) -> None:
        arguments.check_rank(self, tuple(inputs.shape), self.rank, self.data_format)

    def call(self, inputs):
        return self._reduce(inputs, axis=self._axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return tuple(1 if a in self._axes else d for a, d in enumerate(input_shape))
        return tuple(d for a, d in enumerate(input_shape) if a not in self._axes)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling(GlobalPooling):
    """The maximum over the spatial axes."""

    _reduce = staticmethod(jnp.max)


class GlobalAveragePooling(GlobalPooling):
    """The mean over the spatial axes."""

    _reduce = staticmethod(jnp.mean)


class GlobalMaxPooling1D(GlobalMaxPooling):
    """Maximum over the steps of ``(batch, steps, channels)``.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling1D()(np.array([[[1.0, 5.0], [3.0, 2.0]]])).tolist()
        [[3.0, 5.0]]
    """

    rank = 1


class GlobalMaxPooling2D(GlobalMaxPooling):
    """Maximum over height and width of ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling2D(keepdims=True)(np.ones((2, 4, 4, 3))).shape
        (2, 1, 1, 3)
    """

    rank = 2


class GlobalMaxPooling3D(GlobalMaxPooling):
    """Maximum over depth, height and width of ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> GlobalMaxPooling3D()(np.ones((2, 3, 3, 3, 4))).shape
        (2, 4)
    """

    rank = 3


class GlobalAveragePooling1D(GlobalAveragePooling):
    """Mean over the steps of ``(batch, steps, channels)``; masked steps are left out.

    Call arguments: ``inputs``; optional boolean ``mask`` of shape ``(batch, steps)``.

    Example:
        >>> import numpy as np
        >>> x = np.array([[[1.0], [3.0], [8.0]]])
        >>> GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).tolist()
        [[2.0]]
    """

    rank = 1

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        step_axis = self._axes[0]
        weights = jnp.expand_dims(mask.astype(inputs.dtype), 1 if step_axis == 2 else -1)
        total = jnp.sum(inputs * weights, axis=step_axis, keepdims=self.keepdims)
        return total / jnp.sum(weights, axis=step_axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalAveragePooling2D(GlobalAveragePooling):
    """Mean over height and width of ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> GlobalAveragePooling2D()(np.ones((2, 4, 4, 3))).shape
        (2, 3)
    """

    rank = 2


class GlobalAveragePooling3D(GlobalAveragePooling):
    """Mean over depth, height and width of ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> GlobalAveragePooling3D(data_format="channels_first")(np.ones((2, 4, 3, 3, 3))).shape
        (2, 4)
    """

    rank = 3
