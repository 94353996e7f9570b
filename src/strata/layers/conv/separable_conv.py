"""`SeparableConv1D`, `SeparableConv2D`: a depthwise convolution followed by a 1x1 convolution."""

from __future__ import annotations

from strata import constraints, initializers, regularizers
from strata.layers.conv import arguments
from strata.layers.conv.base_conv import BaseConv
from strata.layers.conv.depthwise_conv import depthwise_kernel_as_grouped
from strata.layers.core.dense import check_positive_int


class SeparableConv(BaseConv):
    """An N-d depthwise-separable convolution; `SeparableConv1D/2D` fix N.

    The depthwise step (strides, padding and dilation apply here) filters each input channel
    with `depth_multiplier` kernels; the pointwise step mixes the resulting channels into
    `filters` outputs with a 1x1 convolution.

    Args:
        filters: number of output channels (a positive int).
        kernel_size, strides, padding, data_format, dilation_rate: as for `Conv2D`.
        depth_multiplier: depthwise filters per input channel.
        activation, use_bias: as for `Conv2D`.
        depthwise_initializer, pointwise_initializer, bias_initializer: initializers.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer, activity_regularizer:
            optional penalties.
        depthwise_constraint, pointwise_constraint, bias_constraint: optional projections.

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *new_spatial, filters)``; weights
    ``depthwise_kernel (*kernel_size, channels, depth_multiplier)``, ``pointwise_kernel
    (1, ..., 1, channels * depth_multiplier, filters)``, ``bias (filters,)``, as in Keras.
    """

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
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
        self.filters = check_positive_int(owner, "filters", filters)
        self.depth_multiplier = check_positive_int(owner, "depth_multiplier", depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _output_channels(self, input_channels):
        return self.filters

    def build(self, input_shape) -> None:
        channels = input_shape[arguments.channel_axis(self.data_format)]
        self.depthwise_kernel = self.add_weight(
            (*self.kernel_size, channels, self.depth_multiplier),
            self.depthwise_initializer,
            name="depthwise_kernel",
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            (*(1,) * self.rank, channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer,
            name="pointwise_kernel",
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._build_bias(input_shape, self.filters)

    def call(self, inputs):
        depthwise = depthwise_kernel_as_grouped(self.depthwise_kernel.value)
        outputs = self._convolve(inputs, depthwise, groups=self._input_channels)
        ones = (1,) * self.rank
        outputs = self._convolve(
            outputs, self.pointwise_kernel.value, strides=ones, padding="valid", dilation_rate=ones
        )
        return self._finish(outputs, inputs)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "filters": self.filters,
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": serialize_keras_object(self.depthwise_initializer),
            "pointwise_initializer": serialize_keras_object(self.pointwise_initializer),
            "depthwise_regularizer": serialize_keras_object(self.depthwise_regularizer),
            "pointwise_regularizer": serialize_keras_object(self.pointwise_regularizer),
            "depthwise_constraint": serialize_keras_object(self.depthwise_constraint),
            "pointwise_constraint": serialize_keras_object(self.pointwise_constraint),
        }


class SeparableConv1D(SeparableConv):
    """1-D separable convolution over ``(batch, steps, channels)`` (see `SeparableConv`).

    Example:
        >>> import numpy as np
        >>> SeparableConv1D(4, 3, padding="same")(np.ones((2, 8, 3))).shape
        (2, 8, 4)
    """

    rank = 1


class SeparableConv2D(SeparableConv):
    """2-D separable convolution over ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> layer = SeparableConv2D(8, 3, depth_multiplier=2)
        >>> layer(np.ones((2, 6, 6, 3))).shape
        (2, 4, 4, 8)
        >>> [w.shape for w in layer.weights]
        [(3, 3, 3, 2), (1, 1, 6, 8), (8,)]
    """

    rank = 2
