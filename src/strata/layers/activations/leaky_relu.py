"""`LeakyReLU`: ``x`` for positive inputs, ``negative_slope * x`` otherwise."""

from __future__ import annotations

import warnings

from strata import activations
from strata.layers.activations.checks import non_negative
from strata.layers.layer import Layer


class LeakyReLU(Layer):
    """Leaky rectifier; Keras's default slope for this layer is 0.3.

    Args:
        negative_slope: float >= 0. The tf.keras 2 name `alpha` is accepted with a warning.

    Example:
        >>> import numpy as np
        >>> LeakyReLU(negative_slope=0.5)(np.array([-2.0, 2.0])).tolist()
        [-1.0, 2.0]
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn(
                "LeakyReLU: `alpha` is deprecated; use `negative_slope` instead.",
                DeprecationWarning,
                stacklevel=2,
            )
        super().__init__(**kwargs)
        self.negative_slope = non_negative("LeakyReLU", "negative_slope", negative_slope)
        self.supports_masking = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}
