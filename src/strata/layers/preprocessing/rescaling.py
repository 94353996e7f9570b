"""`Rescaling`: ``x * scale + offset``, e.g. pixel values from [0, 255] to [0, 1]."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from strata.layers.layer import Layer


class Rescaling(Layer):
    """Multiply the inputs by `scale` and add `offset`, in training and inference alike.

    Integer inputs (such as ``uint8`` images) are converted to the layer's float dtype.

    Args:
        scale: a number, or an array broadcastable to the inputs (e.g. one per channel).
        offset: a number or array added after scaling (default 0).

    Shapes: the output has the input's shape. No weights.

    Example:
        >>> import numpy as np
        >>> Rescaling(1 / 127.5, offset=-1)(np.array([[0, 255]], dtype="uint8")).tolist()
        [[-1.0, 1.0]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for arg, value in (("scale", scale), ("offset", offset)):
            array = np.asarray(value)
            if not np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_):
                raise TypeError(
                    f"Rescaling '{self.name}': `{arg}` must be a number or an array of numbers; "
                    f"received {arg}={value!r}."
                )
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = jnp.asarray(self.scale, dtype)
        offset = jnp.asarray(self.offset, dtype)
        return inputs.astype(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "scale": serialize_keras_object(self.scale),
            "offset": serialize_keras_object(self.offset),
        }
