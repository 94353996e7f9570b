"""`Dense`: ``activation(x @ kernel + bias)`` over the last axis."""

from __future__ import annotations

import jax.numpy as jnp

from strata import activations, constraints, initializers, regularizers
from strata.layers.layer import Layer


def check_positive_int(layer: str, arg: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"{layer}: received an invalid value for `{arg}`, expected a positive integer. "
            f"Received: {arg}={value!r}"
        )
    return value


class Dense(Layer):
    """A fully connected layer.

    Args:
        units: output size (a positive int).
        activation: name or callable; None means linear.
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer: initializers for the weights.
        kernel_regularizer, bias_regularizer: optional penalties added to the loss.
        kernel_constraint, bias_constraint: optional projections applied after each update.

    Shapes: ``(..., input_dim)`` -> ``(..., units)``; kernel ``(input_dim, units)``.

    Example:
        >>> import numpy as np
        >>> layer = Dense(3, kernel_initializer="ones")
        >>> layer(np.ones((2, 4))).shape
        (2, 3)
    """

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.units = check_positive_int(f"Dense '{self.name}'", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) < 2:
            raise ValueError(
                f"Layer '{self.name}' (Dense) expects inputs of rank >= 2, e.g. (batch, features); "
                f"received shape {shape}. Reshape 1-D data to (n, 1) or use Input(shape=(1,))."
            )
        if shape[-1] is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) needs a known last dimension; received shape {shape}."
            )
        if self.built and shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"Layer '{self.name}' (Dense) expects inputs with last dimension "
                f"{self.kernel.shape[0]} (it was built for shape {self._build_shape}), but "
                f"received shape {shape}."
            )

    def build(self, input_shape) -> None:
        self.kernel = self.add_weight(
            (input_shape[-1], self.units),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                (self.units,),
                self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs):
        outputs = jnp.matmul(inputs, self.kernel.value)
        if self.bias is not None:
            outputs = outputs + self.bias.value
        outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs) / inputs.shape[0])
        return outputs

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_activation, serialize_keras_object

        return {
            **super().get_config(),
            "units": self.units,
            "activation": serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "quantization_config": None,
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if config.pop("quantization_config", None) is not None:
            raise ValueError(
                f"Dense '{config.get('name')}': quantized layers (`quantization_config`) are not "
                "supported."
            )
        return super().from_config(config)
