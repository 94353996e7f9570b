"""`Projection`: a dense map from the last axes of the inputs to a block of output axes, the
query/key/value/output transforms inside `MultiHeadAttention` (Keras's `EinsumDense` there)."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.layer import Layer


class Projection(Layer):
    """``tensordot(x, kernel, contracted) + bias``: maps the last `contracted` input axes to
    `output_shape`.

    Args:
        contracted: how many trailing input axes are summed over.
        output_shape: the trailing output axes, e.g. ``(heads, key_dim)``.
        use_bias: whether to add a bias of shape `output_shape`.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint: as for `Dense`.

    Shapes: ``(..., *contracted_dims)`` -> ``(..., *output_shape)``; kernel
    ``(*contracted_dims, *output_shape)``.

    Example:
        >>> import numpy as np
        >>> p = Projection(1, (2, 3), use_bias=True, kernel_initializer="ones")
        >>> p(np.ones((5, 4))).shape
        (5, 2, 3)
    """

    def __init__(
        self,
        contracted: int,
        output_shape,
        *,
        use_bias: bool,
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
        self.contracted = int(contracted)
        self.projected_shape = tuple(int(d) for d in output_shape)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = kernel_regularizer
        self.bias_regularizer = bias_regularizer
        self.activity_regularizer = activity_regularizer
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def build(self, input_shape) -> None:
        contracted_dims = tuple(input_shape[-self.contracted :])
        self.kernel = self.add_weight(
            contracted_dims + self.projected_shape,
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                self.projected_shape,
                self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs):
        outputs = jnp.tensordot(inputs, self.kernel.value, axes=self.contracted)
        if self.bias is not None:
            outputs = outputs + self.bias.value
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs) / inputs.shape[0])
        return outputs

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[: -self.contracted], *self.projected_shape)
