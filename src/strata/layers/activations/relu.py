"""`ReLU`: the rectified linear unit with Keras's `max_value`, `negative_slope` and `threshold`."""

from __future__ import annotations

from strata import activations
from strata.layers.activations.checks import non_negative
from strata.layers.layer import Layer


class ReLU(Layer):
    """``max(x, 0)``, optionally capped at `max_value`, leaky below `threshold`.

    Args:
        max_value: float >= 0 or None (no cap).
        negative_slope: float >= 0, the slope below `threshold`.
        threshold: float >= 0; inputs at or below it give ``negative_slope * (x - threshold)``.

    Example:
        >>> import numpy as np
        >>> ReLU(max_value=6.0)(np.array([-1.0, 3.0, 9.0])).tolist()
        [0.0, 3.0, 6.0]
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = non_negative("ReLU", "threshold", threshold)
        self.supports_masking = True

    def call(self, inputs):
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
