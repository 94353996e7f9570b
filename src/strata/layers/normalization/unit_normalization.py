"""`UnitNormalization`: scale each sample to unit L2 norm over `axis`."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.layers.layer import Layer
from strata.layers.normalization import statistics

# The smallest norm divided by: a zero vector stays zero instead of becoming NaN (Keras's bound).
_MIN_NORM = 1e-12


class UnitNormalization(Layer):
    """Divide each sample by its L2 norm over `axis`, so that the result has norm 1 there.

    Args:
        axis: the axis or list of axes the norm is taken over (default the last one).

    Shapes: the output has the input's shape. No weights.

    Example:
        >>> import numpy as np
        >>> UnitNormalization()(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
        [[0.6000000238418579, 0.800000011920929], [0.0, 0.0]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = statistics.check_axis_argument(statistics.owner(self), axis, allow_list=True)
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        statistics.resolve_axes(statistics.owner(self), self.axis, tuple(inputs.shape))

    def call(self, inputs):
        axes = statistics.resolve_axes(statistics.owner(self), self.axis, inputs.shape)
        x = (
            inputs
            if jnp.issubdtype(inputs.dtype, jnp.floating)
            else inputs.astype(self.compute_dtype)
        )
        squares = jnp.sum(jnp.square(x), axes, keepdims=True)
        return x * jnp.minimum(jax.lax.rsqrt(squares), 1.0 / _MIN_NORM)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}
