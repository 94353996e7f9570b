"""`ConvLSTMCell`: one step of a convolutional LSTM (Shi et al., 2015)."""

from __future__ import annotations

import jax.numpy as jnp

from strata import activations, initializers, regularizers
from strata import random as strata_random
from strata.layers.conv import arguments
from strata.layers.conv.base_conv import convolve
from strata.layers.layer import Layer
from strata.layers.rnn.cell import (
    check_rate,
    check_seed,
    draw_dropout_masks,
    from_config_with_initializers_in_order,
)


class ConvLSTMCell(Layer):
    """One step of a convolutional LSTM: the LSTM's gates (i, f, c, o) with the matmuls replaced
    by convolutions; the input convolution uses `strides`/`padding`/`dilation_rate`, the
    recurrent one stride 1 and ``"same"`` padding.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: channels of the states and output (a positive int).
        kernel_size, strides, dilation_rate: an int or `rank` ints.
        padding: ``"valid"`` or ``"same"`` (for the input convolution).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        activation, recurrent_activation, use_bias, *_initializer, unit_forget_bias,
        *_regularizer, *_constraint, dropout, recurrent_dropout, seed: as for `LSTMCell`.

    Shapes (channels last): inputs ``(batch, *spatial, channels)``; states and output
    ``(batch, *out_spatial, filters)``; ``kernel (*kernel_size, channels, 4 * filters)``,
    ``recurrent_kernel (*kernel_size, filters, 4 * filters)``, ``bias (4 * filters,)``.

    Example:
        >>> import numpy as np
        >>> cell = ConvLSTMCell(2, filters=3, kernel_size=3, padding="same")
        >>> zeros = np.zeros((1, 5, 5, 3), "float32")
        >>> out, (h, c) = cell(np.ones((1, 5, 5, 2)), [zeros, zeros])
        >>> out.shape
        (1, 5, 5, 3)
    """

    convolves = True

    pure_step = True
    _state_names = ("h", "c")

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation="tanh",
        recurrent_activation="sigmoid",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        unit_forget_bias=True,
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"{type(self).__name__} '{self.name}'"
        # Keras's ConvLSTMCell makes its dropout seed generator before its initializers.
        self.seed = check_seed(where, seed)
        self._seed_generator = strata_random.SeedGenerator(seed)
        if rank not in (1, 2, 3):
            raise ValueError(f"{where}: `rank` must be 1, 2 or 3; received rank={rank!r}.")
        self.rank = rank
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(
                f"{where}: `filters` must be a positive integer; received filters={filters!r}."
            )
        self.filters = filters
        self.kernel_size = arguments.normalize_tuple(kernel_size, rank, "kernel_size", where)
        self.strides = arguments.normalize_tuple(strides, rank, "strides", where)
        self.padding = arguments.normalize_padding(padding, where)
        self.data_format = arguments.normalize_data_format(data_format, where)
        self.dilation_rate = arguments.normalize_tuple(dilation_rate, rank, "dilation_rate", where)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{where}: `strides` > 1 cannot be combined with `dilation_rate` > 1; received "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = check_rate(where, "dropout", dropout)
        self.recurrent_dropout = check_rate(where, "recurrent_dropout", recurrent_dropout)

    # Keras's value: the states' shapes depend on the inputs' spatial shape, not on an int.
    state_size = -1

    @property
    def _channels_first(self) -> bool:
        return self.data_format == "channels_first"

    def _step_output_shape(self, step_shape) -> tuple:
        """Per-sample output (and state) shape for one step of per-sample shape `step_shape`."""
        spatial = step_shape[1:] if self._channels_first else step_shape[:-1]
        out = tuple(
            arguments.output_length(n, k, self.padding, s, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )
        return (self.filters, *out) if self._channels_first else (*out, self.filters)

    def _step_state_shapes(self, step_shape) -> list:
        shape = self._step_output_shape(step_shape)
        return [shape, shape]

    def build(self, input_shape) -> None:
        channels = input_shape[1] if self._channels_first else input_shape[-1]
        filters = self.filters
        self.kernel = self.add_weight(
            (*self.kernel_size, channels, 4 * filters),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            (*self.kernel_size, filters, 4 * filters),
            self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:

                def bias_initializer(_shape, dtype="float32"):
                    return jnp.concatenate(
                        [
                            self.bias_initializer((filters,), dtype),
                            jnp.ones((filters,), dtype),
                            self.bias_initializer((2 * filters,), dtype),
                        ]
                    )

            self.bias = self.add_weight(
                (4 * filters,),
                bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    # ---- the recurrence protocol ------------------------------------------------------------
    def _recurrence_params(self, sequence_shape, training) -> dict:
        params = {
            "kernel": self.kernel.value,
            "recurrent_kernel": self.recurrent_kernel.value,
            "bias": None if self.bias is None else self.bias.value,
            "input_mask": None,
            "state_mask": None,
        }
        if training and (self.dropout or self.recurrent_dropout):
            dtype = params["kernel"].dtype
            batch, step_shape = sequence_shape[0], tuple(sequence_shape[2:])
            # One mask per gate, as Keras's ConvLSTM cell draws them.
            if self.dropout:
                params["input_mask"] = draw_dropout_masks(
                    self, self.dropout, 4, (batch, *step_shape), dtype
                )
            if self.recurrent_dropout:
                params["state_mask"] = draw_dropout_masks(
                    self,
                    self.recurrent_dropout,
                    4,
                    (batch, *self._step_output_shape(step_shape)),
                    dtype,
                )
        return params

    def _conv(self, x, kernel, masks, *, recurrent: bool):
        """Convolve ``(batch, *step)`` with the gates' kernel; per-gate masks drop inputs first."""
        options = dict(
            strides=(1,) * self.rank if recurrent else self.strides,
            padding="same" if recurrent else self.padding,
            dilation_rate=(1,) * self.rank if recurrent else self.dilation_rate,
            channels_first=self._channels_first,
            # The recurrent convolution runs inside the time loop.
            looped=recurrent,
        )
        if masks is None:
            return convolve(x, kernel, **options)
        gate_kernels = jnp.split(kernel, 4, axis=-1)
        gates = [convolve(x * m, k, **options) for m, k in zip(masks, gate_kernels)]
        return jnp.concatenate(gates, axis=1 if self._channels_first else -1)

    def _project(self, params, xs):
        """The input convolution of every step: ``xs`` is ``(*lead, batch, *step)``."""
        lead = xs.shape[: xs.ndim - self.rank - 2]
        batch_axes = xs.shape[: len(lead) + 1]
        merged = xs.reshape(-1, *xs.shape[len(lead) + 1 :])
        masks = params["input_mask"]
        if masks is not None and lead:
            masks = jnp.broadcast_to(masks[:, None], (4, *lead, *masks.shape[1:]))
            masks = masks.reshape(4, -1, *masks.shape[len(lead) + 2 :])
        z = self._conv(merged, params["kernel"], masks, recurrent=False)
        if params["bias"] is not None:
            bias = params["bias"]
            z = z + (bias.reshape(-1, *(1,) * self.rank) if self._channels_first else bias)
        return z.reshape(*batch_axes, *z.shape[1:])

    def _step(self, params, x, states):
        h, c = states
        z = x + self._conv(h, params["recurrent_kernel"], params["state_mask"], recurrent=True)
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=1 if self._channels_first else -1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        o = self.recurrent_activation(z_o)
        c = f * c + i * self.activation(z_c)
        h = o * self.activation(c)
        return h, [h, c]

    # ---- one step, Keras-style ------------------------------------------------------------------
    def call(self, inputs, states, training=False):
        params = self._recurrence_params((inputs.shape[0], 1, *inputs.shape[1:]), training)
        return self._step(params, self._project(params, inputs), list(states))

    def compute_output_shape(self, input_shape):
        shape = (input_shape[0], *self._step_output_shape(tuple(input_shape[1:])))
        return shape, [shape, shape]

    def get_config(self) -> dict:
        return {**super().get_config(), "rank": self.rank, **conv_lstm_config(self)}

    @classmethod
    def from_config(cls, config: dict):
        return from_config_with_initializers_in_order(cls, config)


def conv_lstm_config(cell) -> dict:
    """The cell's arguments in Keras's config form (shared with the ConvLSTM layers)."""
    from strata.saving.serialization import serialize_keras_object

    return {
        "filters": cell.filters,
        "kernel_size": cell.kernel_size,
        "strides": cell.strides,
        "padding": cell.padding,
        "data_format": cell.data_format,
        "dilation_rate": cell.dilation_rate,
        "activation": activations.serialize(cell.activation),
        "recurrent_activation": activations.serialize(cell.recurrent_activation),
        "use_bias": cell.use_bias,
        "kernel_initializer": initializers.serialize(cell.kernel_initializer),
        "recurrent_initializer": initializers.serialize(cell.recurrent_initializer),
        "bias_initializer": initializers.serialize(cell.bias_initializer),
        "unit_forget_bias": cell.unit_forget_bias,
        "kernel_regularizer": serialize_keras_object(cell.kernel_regularizer),
        "recurrent_regularizer": serialize_keras_object(cell.recurrent_regularizer),
        "bias_regularizer": serialize_keras_object(cell.bias_regularizer),
        "kernel_constraint": serialize_keras_object(cell.kernel_constraint),
        "recurrent_constraint": serialize_keras_object(cell.recurrent_constraint),
        "bias_constraint": serialize_keras_object(cell.bias_constraint),
        "dropout": cell.dropout,
        "recurrent_dropout": cell.recurrent_dropout,
        "seed": cell.seed,
    }
