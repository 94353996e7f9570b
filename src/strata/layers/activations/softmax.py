"""`Softmax`: normalized exponentials along one or more axes, masked entries left out."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.layers.layer import Layer


class Softmax(Layer):
    """Softmax over `axis`; with a mask, masked entries get probability 0.

    Args:
        axis: int, or a list of ints to normalize over several axes at once.

    Call arguments:
        mask: optional, broadcastable to the inputs (bool, or numbers > 0.5 meaning "keep").

    Example:
        >>> import numpy as np
        >>> Softmax()(np.array([[1.0, 1.0]]), mask=np.array([[True, False]])).tolist()
        [[1.0, 0.0]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, list | tuple) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
            raise ValueError(
                f"Layer '{self.name}' (Softmax): `axis` must be an int or a list of ints; "
                f"received axis={axis!r}."
            )
        self.axis = axes if isinstance(axis, list | tuple) else axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = self._checked_mask(mask, inputs.shape)
            # A large negative number the dtype can hold: masked entries vanish in the softmax.
            fill = -30000.0 if inputs.dtype == jnp.float16 else -1e9
            inputs = jnp.where(mask, inputs, jnp.asarray(fill, inputs.dtype))
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        outputs = jax.nn.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = jnp.where(mask, outputs, jnp.zeros((), outputs.dtype))
        return outputs

    def _checked_mask(self, mask, input_shape):
        mask = jnp.asarray(mask)
        shape = tuple(mask.shape)
        fits = len(shape) <= len(input_shape) and all(
            m in (1, i) for m, i in zip(reversed(shape), reversed(tuple(input_shape)))
        )
        if not fits:
            raise ValueError(
                f"Layer '{self.name}' (Softmax): the mask must broadcast to the inputs (each mask "
                f"dimension 1 or equal to the input's); received inputs of shape "
                f"{tuple(input_shape)} and a mask of shape {shape}."
            )
        return mask if mask.dtype == jnp.bool_ else mask > 0.5

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
