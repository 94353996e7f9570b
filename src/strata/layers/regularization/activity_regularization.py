"""`ActivityRegularization`: add an L1/L2 penalty on its inputs to the training loss."""

from __future__ import annotations

from strata.layers.layer import Layer
from strata.regularizers import L1L2


class ActivityRegularization(Layer):
    """Pass inputs through unchanged and add ``(l1 * sum|x| + l2 * sum x**2) / batch_size`` to
    the loss (divided by the batch size, as Keras does for activity regularizers).

    Args:
        l1: non-negative L1 factor.
        l2: non-negative L2 factor.

    Example:
        >>> import numpy as np
        >>> ActivityRegularization(l2=0.1)(np.ones((1, 2))).tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        self._penalty = L1L2(l1=l1, l2=l2)
        self.l1 = self._penalty.l1
        self.l2 = self._penalty.l2
        self.supports_masking = True

    def call(self, inputs):
        self.add_loss(self._penalty(inputs) / inputs.shape[0])
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}
