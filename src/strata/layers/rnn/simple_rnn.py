"""`SimpleRNN`: a fully connected recurrence, scanned over time with `jax.lax.scan`."""

from __future__ import annotations

from strata import regularizers
from strata.layers.rnn.base_rnn import Recurrent
from strata.layers.rnn.simple_rnn_cell import SimpleRNNGates


class SimpleRNN(SimpleRNNGates, Recurrent):
    """A fully connected recurrence: ``h_t = activation(x_t @ kernel + bias + h_{t-1} @
    recurrent_kernel)``; the step is `SimpleRNNCell`'s.

    Args:
        units: size of the hidden state (a positive int).
        activation: default ``"tanh"``.
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            optional penalties added to the loss.
        kernel_constraint, recurrent_constraint, bias_constraint: optional projections applied
            after each update.
        dropout, recurrent_dropout: fractions of the inputs / state dropped during training.
        seed: int seed for the dropout masks outside `fit`.
        return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask:
            as for every recurrent layer (see `RNN`).

    Call arguments: ``sequences`` ``(batch, time, features)``; optional ``initial_state=[h]``;
    optional boolean ``mask`` ``(batch, time)``; ``training``.

    Shapes: output ``(batch, units)`` or ``(batch, time, units)``; weights
    ``kernel (features, u)``, ``recurrent_kernel (u, u)``, ``bias (u,)``.

    Example:
        >>> import numpy as np
        >>> SimpleRNN(3)(np.ones((2, 5, 4))).shape
        (2, 3)
    """

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        seed=None,
        zero_output_for_mask=False,
        **kwargs,
    ):
        super().__init__(
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
            **kwargs,
        )
        # Keras's SimpleRNNCell makes its dropout seed generator before its initializers.
        self._init_cell(
            "SimpleRNN",
            units=units,
            activation=activation,
            recurrent_activation=None,
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
            seed_first=True,
        )
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            **self._sequence_config(),
            **self._cell_config(),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
        }
