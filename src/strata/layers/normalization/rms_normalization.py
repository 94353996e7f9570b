"""`RMSNormalization`: divide by the root mean square over `axis`, then a learned scale."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.layers.layer import Layer
from strata.layers.normalization import statistics


class RMSNormalization(Layer):
    """``x * rsqrt(mean(x**2 over axis) + epsilon) * scale`` (no centering, no offset).

    Args:
        axis: the axis or list of axes normalized over (default the last one); `scale` has one
            entry per element of those axes.
        epsilon: added to the mean square.

    Statistics are computed in float32 at least, also when the layer computes in 16 bits.
    Unlike Keras 3, a `scale` over axes other than the last ones broadcasts along them.

    Example:
        >>> import numpy as np
        >>> out = RMSNormalization(epsilon=0.0)(np.array([[3.0, 4.0]]))
        >>> [round(float(v), 4) for v in out[0]]  # divided by sqrt(12.5)
        [0.8485, 1.1314]
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        where = statistics.owner(self)
        self.axis = statistics.check_axis_argument(where, axis, allow_list=True)
        self.epsilon = statistics.check_float(where, "epsilon", epsilon)
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        statistics.resolve_axes(statistics.owner(self), self.axis, tuple(inputs.shape))

    def build(self, input_shape) -> None:
        axes = statistics.resolve_axes(statistics.owner(self), self.axis, tuple(input_shape))
        self.scale = self.add_weight(tuple(input_shape[a] for a in axes), "ones", name="scale")

    def call(self, inputs):
        axes = statistics.resolve_axes(statistics.owner(self), self.axis, inputs.shape)
        x = statistics.float32_or_wider(inputs)
        mean_square = jnp.mean(jnp.square(x), axis=axes, keepdims=True)
        # The scale's axes placed where they are in the inputs, singleton elsewhere.
        shape = [1] * x.ndim
        for a in axes:
            shape[a] = x.shape[a]
        scale = self.scale.value.astype(x.dtype).reshape(shape)
        outputs = x * jax.lax.rsqrt(mean_square + self.epsilon) * scale
        return outputs.astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
