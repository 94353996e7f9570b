"""`GRU`: a gated recurrent unit layer, scanned over time with `jax.lax.scan`."""

from __future__ import annotations

from strata import regularizers
from strata.layers.rnn.base_rnn import Recurrent
from strata.layers.rnn.gru_cell import GRUGates


class GRU(GRUGates, Recurrent):
    """Gated recurrent unit over the time axis (Cho et al., 2014); the step is `GRUCell`'s.

    Args:
        units: size of the hidden state (a positive int).
        activation: for the candidate state (default ``"tanh"``).
        recurrent_activation: for the update and reset gates (default ``"sigmoid"``).
        use_bias: whether the gates have biases.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer:
            optional penalties added to the loss.
        kernel_constraint, recurrent_constraint, bias_constraint: optional projections applied
            after each update.
        dropout: fraction of the inputs dropped during training (one mask per sequence).
        recurrent_dropout: fraction of the recurrent state dropped during training.
        seed: int seed for the dropout masks outside `fit`.
        return_sequences, return_state, go_backwards, stateful, unroll, zero_output_for_mask:
            as for every recurrent layer (see `RNN`).
        reset_after: apply the reset gate after the recurrent matmul (Keras's default, True),
            with a ``(2, 3u)`` bias; False gives the original formulation with a ``(3u,)`` bias.
        use_cudnn: accepted for compatibility; the scan is the same on every device.

    Call arguments: ``sequences`` ``(batch, time, features)``; optional ``initial_state=[h]``
    ``(batch, units)``; optional boolean ``mask`` ``(batch, time)`` (masked steps keep the state
    and repeat the previous output); ``training``.

    Shapes: output ``(batch, units)``, or ``(batch, time, units)`` with `return_sequences`;
    weights ``kernel (features, 3u)``, ``recurrent_kernel (u, 3u)``, ``bias (2, 3u)``, gates in
    the order z, r, h.

    Example:
        >>> import numpy as np
        >>> layer = GRU(4, return_sequences=True)
        >>> layer(np.ones((2, 5, 3))).shape
        (2, 5, 4)
        >>> [w.shape for w in layer.weights]
        [(3, 12), (4, 12), (2, 12)]
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
        reset_after=True,
        use_cudnn="auto",
        zero_output_for_mask=False,
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
            "GRU",
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
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.use_cudnn = check_use_cudnn(f"GRU '{self.name}'", use_cudnn)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            **self._sequence_config(),
            **self._cell_config(),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "reset_after": self.reset_after,
        }


def check_use_cudnn(where: str, value):
    if value not in ("auto", True, False):
        raise ValueError(f"{where}: `use_cudnn` must be 'auto', True or False; received {value!r}.")
    return value
