"""`ConvLSTM1D`, `ConvLSTM2D`, `ConvLSTM3D`: convolutional LSTMs over sequences of grids."""

from __future__ import annotations

from strata import regularizers
from strata.layers.rnn.cell import from_config_with_initializers_in_order
from strata.layers.rnn.conv_lstm_cell import ConvLSTMCell, conv_lstm_config
from strata.layers.rnn.rnn import RNN


class ConvLSTM(RNN):
    """Base of the ConvLSTM layers: `RNN` around a `ConvLSTMCell` of the given rank.

    The weights live on the cell (``cell.kernel``, ``cell.recurrent_kernel``, ``cell.bias``),
    as in Keras's files.
    """

    convolves = True

    rank = 2

    def __init__(
        self,
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
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        cell = ConvLSTMCell(
            rank=self.rank,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
            name="conv_lstm_cell",
            dtype=kwargs.get("dtype"),
        )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
            **kwargs,
        )
        self._input_rank = self.rank + 3
        self.activity_regularizer = regularizers.get(activity_regularizer)

    @property
    def filters(self) -> int:
        return self.cell.filters

    @property
    def kernel_size(self) -> tuple:
        return self.cell.kernel_size

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        config = {**super().get_config()}
        del config["cell"]
        return {
            **config,
            **conv_lstm_config(self.cell),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
        }

    @classmethod
    def from_config(cls, config: dict):
        return from_config_with_initializers_in_order(cls, config)


class ConvLSTM1D(ConvLSTM):
    """A convolutional LSTM over sequences of 1-D signals: ``(batch, time, steps, channels)``.

    Args:
        filters: output channels. kernel_size, strides, dilation_rate: an int or a 1-tuple.
        padding: ``"valid"`` or ``"same"``. data_format: ``"channels_last"`` (default) or
        ``"channels_first"``. The other arguments are `LSTM`'s.

    Example:
        >>> import numpy as np
        >>> ConvLSTM1D(4, 3)(np.ones((2, 5, 8, 1))).shape
        (2, 6, 4)
    """

    rank = 1


class ConvLSTM2D(ConvLSTM):
    """A convolutional LSTM over sequences of images: ``(batch, time, rows, cols, channels)``.

    Each gate is a convolution of the input (with `strides`, `padding`, `dilation_rate`) plus a
    ``"same"`` convolution of the hidden state; gates in the LSTM's order i, f, c, o.

    Args:
        filters: output channels (a positive int).
        kernel_size, strides, dilation_rate: an int or a pair.
        padding: ``"valid"`` or ``"same"`` (input convolution only).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        activation, recurrent_activation, use_bias, initializers, unit_forget_bias,
        regularizers, constraints, dropout, recurrent_dropout, seed, return_sequences,
        return_state, go_backwards, stateful, unroll: as for `LSTM`.

    Shapes: ``(batch, time, rows, cols, channels)`` -> ``(batch, new_rows, new_cols, filters)``
    (with `return_sequences`, a time axis after the batch axis).

    Example:
        >>> import numpy as np
        >>> layer = ConvLSTM2D(2, 3, padding="same", return_sequences=True)
        >>> layer(np.ones((1, 4, 6, 6, 3))).shape
        (1, 4, 6, 6, 2)
    """

    rank = 2


class ConvLSTM3D(ConvLSTM):
    """A convolutional LSTM over sequences of volumes: ``(batch, time, d1, d2, d3, channels)``.

    Example:
        >>> import numpy as np
        >>> ConvLSTM3D(2, 3)(np.ones((1, 2, 4, 4, 4, 1))).shape
        (1, 2, 2, 2, 2)
    """

    rank = 3
