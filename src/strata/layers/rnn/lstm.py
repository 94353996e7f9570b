"""`LSTM`: a long short-term memory layer, scanned over time with `jax.lax.scan`."""

from __future__ import annotations

from strata import regularizers
from strata.layers.rnn.base_rnn import Recurrent
from strata.layers.rnn.gru import check_use_cudnn
from strata.layers.rnn.lstm_cell import LSTMGates


class LSTM(LSTMGates, Recurrent):
    """Long short-term memory over the time axis (Hochreiter & Schmidhuber, 1997).

    For each step, with ``z = x_t @ kernel + h @ recurrent_kernel + bias`` split into the gates
    ``i, f, c, o`` (Keras's order): ``c = σ(z_f) * c + σ(z_i) * tanh(z_c)`` and
    ``h = σ(z_o) * tanh(c)``, where σ is `recurrent_activation` and tanh is `activation`.

    Args:
        units: size of the hidden state (a positive int).
        activation: for the cell candidate and the output (default ``"tanh"``).
        recurrent_activation: for the gates (default ``"sigmoid"``).
        use_bias: whether the gates have a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        unit_forget_bias: add 1 to the forget gate's initial bias (and use zeros for the
            others), as recommended by Jozefowicz et al. (2015).
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            optional penalties added to the loss.
        kernel_constraint, recurrent_constraint, bias_constraint: optional projections applied
            after each update.
        dropout: fraction of the inputs dropped during training (one mask per sequence).
        recurrent_dropout: fraction of the recurrent state dropped during training.
        seed: int seed for the dropout masks outside `fit`.
        return_sequences: return the output of every step, not only the last.
        return_state: also return the final states, as ``[output, h, c]``.
        go_backwards: process the sequence in reverse (the sequence output stays reversed).
        stateful: only False is supported.
        unroll: unroll the time loop when compiling (faster for short sequences).
        zero_output_for_mask: masked steps output zeros instead of repeating the last output.
        use_cudnn: accepted for compatibility; the scan is the same on every device.

    Call arguments: ``sequences`` of shape ``(batch, time, features)``; optional
    ``initial_state=[h, c]``, each ``(batch, units)``; optional boolean ``mask`` of shape
    ``(batch, time)`` (masked steps keep the previous state and output); ``training``.

    Shapes: output ``(batch, units)``, or ``(batch, time, units)`` with `return_sequences`;
    weights ``kernel (features, 4 * units)``, ``recurrent_kernel (units, 4 * units)``,
    ``bias (4 * units,)``.

    Example:
        >>> import numpy as np
        >>> layer = LSTM(4, return_sequences=True)
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 4)
        >>> layer.count_params()
        128
    """

    def __init__(
        self,
        units,
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
        use_cudnn="auto",
        **kwargs,
    ):
        kwargs.pop("implementation", None)  # Keras's choice of kernel fusion; one path here.
        super().__init__(
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
            **kwargs,
        )
        self._init_cell(
            "LSTM",
            units=units,
            activation=activation,
            recurrent_activation=recurrent_activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            seed=seed,
        )
        self.unit_forget_bias = bool(unit_forget_bias)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.use_cudnn = check_use_cudnn(f"LSTM '{self.name}'", use_cudnn)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            **self._sequence_config(),
            **self._lstm_config(),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
        }
