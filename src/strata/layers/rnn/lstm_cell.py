"""`LSTMCell`: one step of a long short-term memory (Hochreiter & Schmidhuber, 1997)."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.rnn.cell import CellLayer, GatedCell, recurrent_matmul


class LSTMGates(GatedCell):
    """The LSTM step, shared by `LSTMCell` and `LSTM`.

    Gate order along the ``4 * units`` axis: input ``i``, forget ``f``, cell candidate ``c``,
    output ``o`` (Keras's order).
    """

    gates = 4
    _state_names = ("h", "c")

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        units = self.units

        # Keras calls the bias initializer twice, for the (u,) and (2u,) blocks.
        def forget_gate_ones(_shape, dtype="float32"):
            return jnp.concatenate(
                [
                    self.bias_initializer((units,), dtype),
                    jnp.ones((units,), dtype),
                    self.bias_initializer((2 * units,), dtype),
                ]
            )

        return forget_gate_ones

    def _step(self, params, x, states):
        h, c = states
        z = x + recurrent_matmul(h, params["recurrent_kernel"], params["state_mask"], 4)
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        o = self.recurrent_activation(z_o)
        c = f * c + i * self.activation(z_c)
        h = o * self.activation(c)
        return h, [h, c]

    def _lstm_config(self) -> dict:
        return {**self._cell_config(), "unit_forget_bias": self.unit_forget_bias}


class LSTMCell(LSTMGates, CellLayer):
    """One step of `LSTM`.

    With ``z = x @ kernel + h @ recurrent_kernel + bias`` split into ``i, f, c, o``:
    ``c = σ(z_f) * c + σ(z_i) * tanh(z_c)`` and ``h = σ(z_o) * tanh(c)``.

    Args:
        units: size of the states (a positive int).
        activation: for the cell candidate and the output (default ``"tanh"``).
        recurrent_activation: for the gates (default ``"sigmoid"``).
        use_bias: whether the gates have a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        unit_forget_bias: initialize the forget gate's bias to 1 (and the others with
            `bias_initializer`).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: optional projections.
        dropout, recurrent_dropout: fractions of the inputs / state dropped during training.
        seed: int seed for the dropout masks.

    Shapes: ``kernel (features, 4u)``, ``recurrent_kernel (u, 4u)``, ``bias (4u,)``.
    Call: ``cell(inputs, [h, c])``; returns ``(h, [h, c])``.

    Example:
        >>> import numpy as np
        >>> cell = LSTMCell(2)
        >>> out, (h, c) = cell(np.ones((1, 3)), [np.zeros((1, 2)), np.zeros((1, 2))])
        >>> cell.state_size, out.shape
        ([2, 2], (1, 2))
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
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("implementation", None)  # Keras's choice of kernel fusion; one path here.
        super().__init__(**kwargs)
        self._init_cell(
            "LSTMCell",
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

    def get_config(self) -> dict:
        return {**super().get_config(), **self._lstm_config()}
