"""`GRUCell`: one step of a gated recurrent unit (Cho et al., 2014), gates in Keras's order."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.rnn.cell import CellLayer, GatedCell, recurrent_matmul


class GRUGates(GatedCell):
    """The GRU step, shared by `GRUCell` and `GRU`.

    Gate order along the ``3 * units`` axis: update ``z``, reset ``r``, candidate ``h``.
    With `reset_after` (Keras's default) the bias is ``(2, 3u)``: an input row and a recurrent
    row, and the reset gate scales ``h @ U_h + b_h`` after the matmul; without it the bias is
    ``(3u,)`` and the reset gate scales ``h`` before it.
    """

    gates = 3
    _state_names = ("h",)

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self, params):
        bias = params["bias"]
        if bias is None or not self.reset_after:
            return bias
        return bias[0]

    def _step(self, params, x, states):
        h = states[0]
        units = self.units
        kernel, masks, bias = params["recurrent_kernel"], params["state_mask"], params["bias"]
        x_z, x_r, x_h = jnp.split(x, 3, axis=-1)
        if self.reset_after:
            inner = recurrent_matmul(h, kernel, masks, 3)
            if bias is not None:
                inner = inner + bias[1]
            h_z, h_r, h_h = jnp.split(inner, 3, axis=-1)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            candidate = self.activation(x_h + r * h_h)
        else:
            gate_masks = None if masks is None else masks[:2]
            inner = recurrent_matmul(h, kernel[:, : 2 * units], gate_masks, 2)
            h_z, h_r = jnp.split(inner, 2, axis=-1)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            reset = r * h if masks is None else r * h * masks[2]
            candidate = self.activation(x_h + jnp.matmul(reset, kernel[:, 2 * units :]))
        h = z * h + (1 - z) * candidate
        return h, [h]


class GRUCell(GRUGates, CellLayer):
    """One step of `GRU`.

    ``z = σ(x W_z + h U_z + b_z)`` and ``r = σ(x W_r + h U_r + b_r)``; the candidate is
    ``ĥ = tanh(x W_h + r ⊙ (h U_h + b'_h))`` with `reset_after`, else
    ``ĥ = tanh(x W_h + (r ⊙ h) U_h + b_h)``; then ``h = z ⊙ h_prev + (1 − z) ⊙ ĥ``.

    Args:
        units: size of the state (a positive int).
        activation: for the candidate (default ``"tanh"``).
        recurrent_activation: for the gates (default ``"sigmoid"``).
        use_bias: whether the gates have biases.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: optional projections.
        dropout, recurrent_dropout: fractions of the inputs / state dropped during training.
        reset_after: apply the reset gate after the recurrent matmul (default True).
        seed: int seed for the dropout masks.

    Shapes: ``kernel (features, 3u)``, ``recurrent_kernel (u, 3u)``, ``bias (2, 3u)`` or
    ``(3u,)``. Call: ``cell(inputs, [h])``; returns ``(h, [h])``.

    Example:
        >>> import numpy as np
        >>> cell = GRUCell(2)
        >>> out, [h] = cell(np.ones((1, 3)), [np.zeros((1, 2))])
        >>> [w.shape for w in cell.weights]
        [(3, 6), (2, 6), (2, 6)]
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
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        reset_after=True,
        seed=None,
        **kwargs,
    ):
        kwargs.pop("implementation", None)  # Keras's choice of kernel fusion; one path here.
        super().__init__(**kwargs)
        self._init_cell(
            "GRUCell",
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
        self.reset_after = bool(reset_after)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._cell_config(), "reset_after": self.reset_after}
