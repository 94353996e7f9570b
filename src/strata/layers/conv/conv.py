"""`Conv1D`, `Conv2D`, `Conv3D`: (grouped, dilated, strided) convolutions over 1, 2 or 3 axes."""

from __future__ import annotations

from strata import constraints, initializers, regularizers
from strata.layers.conv import arguments
from strata.layers.conv.base_conv import BaseConv
from strata.layers.core.dense import check_positive_int


class Conv(BaseConv):
    """An N-d convolution with `filters` output channels; `Conv1D/2D/3D` fix N.

    Args:
        filters: number of output channels (a positive int, divisible by `groups`).
        kernel_size: window size, an int or N ints.
        strides: step of the window, an int or N ints (default 1).
        padding: ``"valid"`` (no padding) or ``"same"`` (output length ``ceil(n / stride)``);
            `Conv1D` also takes ``"causal"`` (left padding, so output ``t`` sees inputs ``<= t``).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: spacing between kernel taps, an int or N ints (not with strides > 1).
        groups: split the channels into this many independent convolutions.
        activation: name or callable; None means linear.
        use_bias: whether to add a bias per output channel.
        kernel_initializer, bias_initializer: initializers for the weights.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional projections applied after each update.

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *new_spatial, filters)`` (channels on
    axis 1 with ``channels_first``); kernel ``(*kernel_size, channels / groups, filters)``, bias
    ``(filters,)``, as in Keras.
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
        groups=1,
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
        self.groups = check_positive_int(owner, "groups", groups)
        if self.filters % self.groups:
            raise ValueError(
                f"{owner}: `filters` must be divisible by `groups`; received filters="
                f"{self.filters}, groups={self.groups}."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def _check_channels(self, channels: int) -> None:
        if channels % self.groups:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) has groups={self.groups}, which "
                f"must divide the number of input channels; received {channels} channels."
            )

    def _output_channels(self, input_channels):
        return self.filters

    def build(self, input_shape) -> None:
        channels = input_shape[arguments.channel_axis(self.data_format)]
        self.kernel = self.add_weight(
            (*self.kernel_size, channels // self.groups, self.filters),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._build_bias(input_shape, self.filters)

    def call(self, inputs):
        outputs = self._convolve(inputs, self.kernel.value, groups=self.groups)
        return self._finish(outputs, inputs)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
        }


class Conv1D(Conv):
    """1-D convolution over ``(batch, steps, channels)`` (see `Conv` for the arguments).

    Example:
        >>> import numpy as np
        >>> Conv1D(4, 3, padding="causal")(np.ones((2, 10, 3))).shape
        (2, 10, 4)
    """

    rank = 1
    paddings = ("valid", "same", "causal")


class Conv2D(Conv):
    """2-D convolution over ``(batch, height, width, channels)`` (see `Conv` for the arguments).

    Example:
        >>> import numpy as np
        >>> layer = Conv2D(8, 3, strides=2, padding="same")
        >>> layer(np.ones((2, 9, 9, 3))).shape
        (2, 5, 5, 8)
        >>> layer.kernel.shape
        (3, 3, 3, 8)
    """

    rank = 2


class Conv3D(Conv):
    """3-D convolution over ``(batch, depth, height, width, channels)`` (see `Conv`).

    Example:
        >>> import numpy as np
        >>> Conv3D(2, (1, 2, 3))(np.ones((1, 4, 4, 4, 1))).shape
        (1, 4, 3, 2, 2)
    """

    rank = 3
