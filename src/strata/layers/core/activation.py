"""`Activation`: apply an activation function as a layer."""

from __future__ import annotations

from strata import activations
from strata.layers.layer import Layer


class Activation(Layer):
    """Applies `activation` elementwise (softmax over the last axis).

    Example:
        >>> import numpy as np
        >>> Activation("relu")(np.array([[-1.0, 2.0]])).tolist()
        [[0.0, 2.0]]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_activation

        return {**super().get_config(), "activation": serialize_activation(self.activation)}
