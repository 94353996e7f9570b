"""`Conv1DTranspose`, `Conv2DTranspose`, `Conv3DTranspose`: the adjoint of a strided convolution
(often called deconvolution), which upsamples by `strides`."""

from __future__ import annotations

import jax.numpy as jnp

from strata import constraints, initializers, regularizers
from strata.layers.conv import arguments
from strata.layers.conv.base_conv import BaseConv
from strata.layers.core.dense import check_positive_int


def transposed_length(length, window, padding, stride, dilation, output_padding):
    """Output length of a transposed convolution, as Keras defines it.

    Without `output_padding`: ``n * stride`` for "same", ``n * stride + max(extent - stride, 0)``
    for "valid". With it: ``(n - 1) * stride + extent - 2 * pad + output_padding``, where ``pad``
    is ``extent // 2`` for "same" and 0 for "valid".
    """
    if length is None:
        return None
    return (length - 1) * stride + _extra(window, padding, stride, dilation, output_padding)


def _extra(window, padding, stride, dilation, output_padding) -> int:
    """``output_length - (n - 1) * stride``, which does not depend on the input length n."""
    extent = (window - 1) * dilation + 1
    if output_padding is None:
        return stride if padding == "same" else max(extent, stride)
    pad = extent // 2 if padding == "same" else 0
    return extent - 2 * pad + output_padding


def transposed_padding(window, padding, stride, dilation, output_padding) -> tuple:
    """``(before, after)`` padding of the zero-dilated input so that the stride-1 convolution
    with the flipped kernel is the adjoint of the forward convolution from the output length
    back to the input length (that forward convolution's "same" padding puts the odd element
    after, as XLA and Keras do)."""
    extent = (window - 1) * dilation + 1
    extra = _extra(window, padding, stride, dilation, output_padding)
    forward_before = max(extent - extra, 0) // 2 if padding == "same" else 0
    before = extent - 1 - forward_before
    return before, extra + extent - 2 - before


class ConvTranspose(BaseConv):
    """An N-d transposed convolution; `Conv1DTranspose/2DTranspose/3DTranspose` fix N.

    Args:
        filters: number of output channels (a positive int).
        kernel_size, strides, dilation_rate: ints or N ints, as for `Conv2D`.
        padding: ``"valid"`` or ``"same"``.
        output_padding: None, or an int / N ints, each smaller than the stride: extra length
            added to one side of the output (picks among the output lengths that all map back to
            the input length under the forward convolution).
        data_format, activation, use_bias, initializers, regularizers, constraints: as for
            `Conv2D`.

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *new_spatial, filters)`` with
    ``new = n * stride`` ("same") or ``n * stride + max(kernel - stride, 0)`` ("valid");
    kernel ``(*kernel_size, filters, channels)`` (Keras's layout: output channels first), bias
    ``(filters,)``.
    """

    rank = 2

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
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
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = arguments.normalize_tuple(
                output_padding, self.rank, "output_padding", owner, allow_zero=True
            )
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"{owner}: each `output_padding` must be smaller than the stride on its "
                    f"axis; received output_padding={self.output_padding}, "
                    f"strides={self.strides}."
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def _axis_options(self, axis: int) -> tuple:
        output_padding = None if self.output_padding is None else self.output_padding[axis]
        return (
            self.kernel_size[axis],
            self.padding,
            self.strides[axis],
            self.dilation_rate[axis],
            output_padding,
        )

    def _output_length(self, axis, length):
        return transposed_length(length, *self._axis_options(axis))

    def _output_channels(self, input_channels):
        return self.filters

    def build(self, input_shape) -> None:
        channels = input_shape[arguments.channel_axis(self.data_format)]
        self.kernel = self.add_weight(
            (*self.kernel_size, self.filters, channels),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._build_bias(input_shape, self.filters)

    def call(self, inputs):
        # The adjoint of a convolution is a stride-1 convolution of the zero-dilated input
        # with the spatially flipped kernel, its in/out axes swapped (layout "OI").
        kernel = jnp.flip(self.kernel.value, axis=tuple(range(self.rank)))
        padding = [transposed_padding(*self._axis_options(i)) for i in range(self.rank)]
        outputs = self._convolve(
            inputs,
            kernel,
            strides=(1,) * self.rank,
            padding=padding,
            input_dilation=self.strides,
            kernel_layout="OI",
        )
        return self._finish(outputs, inputs)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "filters": self.filters,
            "output_padding": self.output_padding,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
        }


class Conv1DTranspose(ConvTranspose):
    """1-D transposed convolution over ``(batch, steps, channels)`` (see `ConvTranspose`).

    Example:
        >>> import numpy as np
        >>> Conv1DTranspose(4, 3, strides=2)(np.ones((2, 5, 3))).shape
        (2, 11, 4)
    """

    rank = 1


class Conv2DTranspose(ConvTranspose):
    """2-D transposed convolution over ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> layer = Conv2DTranspose(8, 3, strides=2, padding="same")
        >>> layer(np.ones((2, 4, 4, 3))).shape
        (2, 8, 8, 8)
        >>> layer.kernel.shape
        (3, 3, 8, 3)
    """

    rank = 2


class Conv3DTranspose(ConvTranspose):
    """3-D transposed convolution over ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> Conv3DTranspose(2, 2, strides=2)(np.ones((1, 3, 3, 3, 1))).shape
        (1, 6, 6, 6, 2)
    """

    rank = 3
