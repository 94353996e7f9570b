"""`SimpleRNNCell`: one step of a fully connected recurrence, ``h = act(x W + h U + b)``."""

from __future__ import annotations

from strata.layers.rnn.cell import CellLayer, GatedCell, recurrent_matmul


class SimpleRNNGates(GatedCell):
    """The SimpleRNN step, shared by `SimpleRNNCell` and `SimpleRNN`."""

    gates = 1
    _state_names = ("h",)

    def _step(self, params, x, states):
        h = states[0]
        h = self.activation(
            x + recurrent_matmul(h, params["recurrent_kernel"], params["state_mask"], 1)
        )
        return h, [h]


class SimpleRNNCell(SimpleRNNGates, CellLayer):
    """One step of `SimpleRNN`: ``h = activation(x @ kernel + bias + h_prev @ recurrent_kernel)``.

    Args:
        units: size of the state (a positive int).
        activation: default ``"tanh"``.
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: optional projections.
        dropout, recurrent_dropout: fractions of the inputs / state dropped during training.
        seed: int seed for the dropout masks.

    Call: ``cell(inputs, states)`` with inputs ``(batch, features)`` and ``states = [h]``
    (``(batch, units)``); returns ``(h, [h])``.

    Example:
        >>> import numpy as np
        >>> cell = SimpleRNNCell(4)
        >>> out, [h] = cell(np.ones((2, 3)), [np.zeros((2, 4))])
        >>> out.shape, h.shape
        ((2, 4), (2, 4))
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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # Keras's SimpleRNNCell makes its dropout seed generator before its initializers.
        self._init_cell(
            "SimpleRNNCell",
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

    def get_config(self) -> dict:
        return {**super().get_config(), **self._cell_config()}
