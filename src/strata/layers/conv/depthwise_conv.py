"""`DepthwiseConv1D`, `DepthwiseConv2D`: each input channel convolved with its own filters."""

from __future__ import annotations

from strata import constraints, initializers, regularizers
from strata.layers.conv import arguments
from strata.layers.conv.base_conv import BaseConv
from strata.layers.core.dense import check_positive_int


def depthwise_kernel_as_grouped(kernel):
    """A depthwise kernel ``(*window, channels, multiplier)`` as the kernel of a grouped
    convolution with one group per channel, ``(*window, 1, channels * multiplier)``; output
    channel ``c * multiplier + m`` is filter ``m`` of input channel ``c`` (Keras's order)."""
    *window, channels, multiplier = kernel.shape
    return kernel.reshape(*window, 1, channels * multiplier)


class DepthwiseConv(BaseConv):
    """An N-d depthwise convolution; `DepthwiseConv1D/2D` fix N.

    Args:
        kernel_size, strides, padding, data_format, dilation_rate: as for `Conv2D`.
        depth_multiplier: filters per input channel (a positive int).
        activation, use_bias: as for `Conv2D`.
        depthwise_initializer, bias_initializer: initializers.
        depthwise_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        depthwise_constraint, bias_constraint: optional projections applied after each update.

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *new_spatial, channels *
    depth_multiplier)``; kernel ``(*kernel_size, channels, depth_multiplier)``, bias
    ``(channels * depth_multiplier,)``, as in Keras.
    """

    rank = 2

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        owner = arguments.owner_name(self)
        self.depth_multiplier = check_positive_int(owner, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _output_channels(self, input_channels):
        return None if input_channels is None else input_channels * self.depth_multiplier

    def build(self, input_shape) -> None:
        channels = input_shape[arguments.channel_axis(self.data_format)]
        self.kernel = self.add_weight(
            (*self.kernel_size, channels, self.depth_multiplier),
            self.depthwise_initializer,
            name="kernel",
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self._build_bias(input_shape, channels * self.depth_multiplier)

    def call(self, inputs):
        kernel = depthwise_kernel_as_grouped(self.kernel.value)
        outputs = self._convolve(inputs, kernel, groups=self._input_channels)
        return self._finish(outputs, inputs)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": serialize_keras_object(self.depthwise_initializer),
            "depthwise_regularizer": serialize_keras_object(self.depthwise_regularizer),
            "depthwise_constraint": serialize_keras_object(self.depthwise_constraint),
        }


class DepthwiseConv1D(DepthwiseConv):
    """1-D depthwise convolution over ``(batch, steps, channels)`` (see `DepthwiseConv`).

    Example:
        >>> import numpy as np
        >>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((2, 8, 3))).shape
        (2, 6, 6)
    """

    rank = 1


class DepthwiseConv2D(DepthwiseConv):
    """2-D depthwise convolution over ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> layer = DepthwiseConv2D(3, padding="same")
        >>> layer(np.ones((2, 5, 5, 4))).shape
        (2, 5, 5, 4)
        >>> layer.kernel.shape
        (3, 3, 4, 1)
    """

    rank = 2
