"""`convolve`, the N-d convolution every convolution layer computes with, and `BaseConv`, what
those layers share: spatial arguments, input checks, output shapes, bias and activation.

The variants are compositions of `convolve`: a grouped convolution passes ``groups``; a
depthwise one is a grouped convolution with one group per input channel; a separable one is a
depthwise convolution followed by a 1x1 convolution; a transposed one dilates its input.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata import activations, constraints, initializers, regularizers
from strata.layers.conv import arguments
from strata.layers.conv.patch_conv import (
    choose_kernel,
    patch_convolve,
    xla_forward_patch_gradients,
)
from strata.layers.layer import Layer


def convolve(
    inputs,
    kernel,
    *,
    strides,
    padding,
    dilation_rate,
    groups: int = 1,
    channels_first: bool = False,
    input_dilation=None,
    kernel_layout: str = "IO",
    looped: bool = False,
):
    """Convolve ``(batch, *spatial, channels)`` inputs with a ``(*window, in, out)`` kernel.

    Args:
        inputs: rank ``N + 2`` array (channels last, or first with `channels_first`).
        kernel: rank ``N + 2`` array, ``(*window, in / groups, out)``; with
            ``kernel_layout="OI"`` its last two axes are ``(out, in / groups)``.
        strides, dilation_rate: N ints each.
        padding: ``"valid"``, ``"same"``, ``"causal"`` (left padding only, 1-D time series), or
            N ``(before, after)`` pairs.
        groups: the input and output channels split into this many independent groups.
        input_dilation: N ints: insert ``d - 1`` zeros between input elements (transposed
            convolutions); None for none.
        looped: whether this convolution runs inside a loop (a recurrence); it only steers the
            choice of kernel (`choose_kernel`), not the result.

    Returns:
        The convolution, with the channel axis where the inputs have it.

    Example:
        >>> import numpy as np
        >>> x = np.arange(5.0, dtype="float32").reshape(1, 5, 1)
        >>> k = np.ones((2, 1, 1), "float32")
        >>> y = convolve(x, k, strides=(1,), padding="valid", dilation_rate=(1,))
        >>> y[0, :, 0].tolist()
        [1.0, 3.0, 5.0, 7.0]
    """
    rank = inputs.ndim - 2
    spatial = "DHW"[3 - rank :]
    window = kernel.shape[:rank]
    input_dilation = (1,) * rank if input_dilation is None else tuple(input_dilation)
    if padding == "causal":
        padding = [((k - 1) * d, 0) for k, d in zip(window, dilation_rate)]
    elif isinstance(padding, str):
        extents = [(k - 1) * d + 1 for k, d in zip(window, dilation_rate)]
        lengths = inputs.shape[2:] if channels_first else inputs.shape[1:-1]
        padding = jax.lax.padtype_to_pads(lengths, extents, strides, padding.upper())
    channels_per_group = kernel.shape[rank] if kernel_layout == "IO" else kernel.shape[-1]
    kind = choose_kernel(window, channels_per_group, groups, looped=looped)
    if not all(isinstance(d, int) for d in inputs.shape):
        # Symbolic dimensions (`jax.export`, e.g. a dynamic batch for ONNX) reach only XLA's
        # convolution: the patch kernels size their slices from concrete shapes.
        kind = "xla"
    if kind != "xla":
        if kernel_layout == "OI":
            kernel = jnp.swapaxes(kernel, -1, -2)
        if channels_first:
            inputs = jnp.moveaxis(inputs, 1, -1)
        run = patch_convolve if kind == "patches" else xla_forward_patch_gradients
        outputs = run(
            inputs,
            kernel,
            strides=tuple(strides),
            padding=[tuple(pair) for pair in padding],
            dilation_rate=tuple(dilation_rate),
            input_dilation=input_dilation,
            groups=groups,
        )
        return jnp.moveaxis(outputs, -1, 1) if channels_first else outputs
    data_spec = "NC" + spatial if channels_first else "N" + spatial + "C"
    return jax.lax.conv_general_dilated(
        inputs,
        kernel,
        window_strides=tuple(strides),
        padding=[tuple(pair) for pair in padding],
        lhs_dilation=input_dilation,
        rhs_dilation=tuple(dilation_rate),
        dimension_numbers=(data_spec, spatial + kernel_layout, data_spec),
        feature_group_count=groups,
    )


class BaseConv(Layer):
    """Shared shell of the convolution layers; subclasses set `rank` and make the kernels.

    A subclass defines `build` (creating its kernels and calling `_build_bias`), `call` (ending
    with `_finish`), `_output_channels`, and optionally `_output_length` and `_check_channels`.
    """

    convolves = True

    rank = 2
    paddings: tuple = ("valid", "same")

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        bias_initializer="zeros",
        bias_regularizer=None,
        activity_regularizer=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = arguments.owner_name(self)
        self.kernel_size = arguments.normalize_tuple(kernel_size, self.rank, "kernel_size", owner)
        self.strides = arguments.normalize_tuple(strides, self.rank, "strides", owner)
        self.padding = arguments.normalize_padding(padding, owner, self.paddings)
        self.data_format = arguments.normalize_data_format(data_format, owner)
        self.dilation_rate = arguments.normalize_tuple(
            dilation_rate, self.rank, "dilation_rate", owner
        )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            # Keras refuses this combination (TensorFlow cannot run it); so do we, so that a
            # model built here also loads and runs there.
            raise ValueError(
                f"{owner}: `strides` > 1 cannot be combined with `dilation_rate` > 1; received "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}. Use one or "
                "the other."
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)

    @property
    def _channels_first(self) -> bool:
        return self.data_format == "channels_first"

    # ---- shapes --------------------------------------------------------------------------------
    def _check_channels(self, channels: int) -> None:
        """Raise if the layer cannot take `channels` input channels (e.g. groups)."""

    def _output_channels(self, input_channels: int) -> int:
        raise NotImplementedError

    def _output_length(self, axis: int, length: int | None) -> int | None:
        return arguments.output_length(
            length,
            self.kernel_size[axis],
            self.padding,
            self.strides[axis],
            self.dilation_rate[axis],
        )

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        kind = type(self).__name__
        arguments.check_rank(self, shape, self.rank, self.data_format)
        channels = shape[arguments.channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(
                f"Layer '{self.name}' ({kind}) needs a known number of input channels; received "
                f"shape {shape} with data_format='{self.data_format}'."
            )
        if self.built and channels != self._input_channels:
            raise ValueError(
                f"Layer '{self.name}' ({kind}) was built for inputs with {self._input_channels} "
                f"channels (shape {self._build_shape}), but received shape {shape} with "
                f"{channels} channels."
            )
        self._check_channels(channels)
        for i, axis in enumerate(arguments.spatial_axes(self.rank, self.data_format)):
            if self._output_length(i, shape[axis]) == 0:
                extent = (self.kernel_size[i] - 1) * self.dilation_rate[i] + 1
                raise ValueError(
                    f"Layer '{self.name}' ({kind}): the kernel (extent {extent} along axis "
                    f"{axis}) is larger than the input, shape {shape}, with padding='valid', so "
                    "the output would be empty. Use a smaller kernel_size or dilation_rate, a "
                    "larger input, or padding='same'."
                )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        axes = arguments.spatial_axes(self.rank, self.data_format)
        spatial = tuple(self._output_length(i, input_shape[a]) for i, a in enumerate(axes))
        channels = self._output_channels(input_shape[arguments.channel_axis(self.data_format)])
        if self._channels_first:
            return (input_shape[0], channels, *spatial)
        return (input_shape[0], *spatial, channels)

    # ---- weights and the common tail of `call` -------------------------------------------------
    def _build_bias(self, input_shape, size: int) -> None:
        self._input_channels = input_shape[arguments.channel_axis(self.data_format)]
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                (size,),
                self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _finish(self, outputs, inputs):
        """Add the bias, apply the activation, and record the activity penalty."""
        if self.bias is not None:
            bias = self.bias.value
            if self._channels_first:
                bias = bias.reshape((-1,) + (1,) * self.rank)
            outputs = outputs + bias
        outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs) / inputs.shape[0])
        return outputs

    def _convolve(self, inputs, kernel, **options):
        options.setdefault("strides", self.strides)
        options.setdefault("padding", self.padding)
        options.setdefault("dilation_rate", self.dilation_rate)
        return convolve(inputs, kernel, channels_first=self._channels_first, **options)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_activation, serialize_keras_object

        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": serialize_activation(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        }
