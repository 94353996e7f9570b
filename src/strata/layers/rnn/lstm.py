"""`LSTM`: a long short-term memory layer, scanned over time with `jax.lax.scan`."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp

from strata import activations, initializers, regularizers
from strata import random as strata_random
from strata.layers.core.dense import check_positive_int
from strata.layers.layer import Layer
from strata.state import scope as state_scope

_GATES = 4  # input, forget, cell candidate, output: Keras's order along the 4 * units axis.


class LSTM(Layer):
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
        super().__init__(**kwargs)
        where = f"LSTM '{self.name}'"
        self.units = check_positive_int(where, "units", units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        # Construction order matters: unseeded initializers draw their seeds from Python's
        # `random` here, then the dropout seed generator draws one, exactly as Keras's LSTMCell
        # does, so `set_random_seed` gives the same weights in both libraries.
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = _check_rate(where, "dropout", dropout)
        self.recurrent_dropout = _check_rate(where, "recurrent_dropout", recurrent_dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"{where}: `seed` must be an int or None; received seed={seed!r}.")
        self.seed = seed
        self._seed_generator = strata_random.SeedGenerator(seed)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        if stateful:
            raise NotImplementedError(
                f"{where}: `stateful=True` is not supported; states are reset for every batch. "
                "Pass the previous final states as `initial_state=[h, c]` instead "
                "(with `return_state=True`)."
            )
        self.stateful = False
        self.unroll = bool(unroll)
        if zero_output_for_mask:
            raise NotImplementedError(
                f"{where}: `zero_output_for_mask=True` is not supported; masked steps repeat the "
                "previous output (Keras's default for LSTM)."
            )
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"{where}: `use_cudnn` must be 'auto', True or False; received {use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn
        self.supports_masking = True

    # ---- shapes and weights -----------------------------------------------------------------
    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) != 3:
            raise ValueError(
                f"Layer '{self.name}' (LSTM) expects inputs of rank 3, (batch, time, features); "
                f"received shape {shape}. For one feature per step use shape (batch, time, 1), "
                "e.g. `x[..., None]` or Input(shape=(time, 1))."
            )
        if shape[-1] is None:
            raise ValueError(
                f"Layer '{self.name}' (LSTM) needs a known feature dimension; received shape "
                f"{shape}."
            )
        if self.built and shape[-1] != self.kernel.shape[0]:
            raise ValueError(
                f"Layer '{self.name}' (LSTM) expects inputs with {self.kernel.shape[0]} features "
                f"(it was built for shape {self._build_shape}), but received shape {shape}."
            )

    def build(self, input_shape) -> None:
        units = self.units
        self.kernel = self.add_weight(
            (input_shape[-1], _GATES * units),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            (units, _GATES * units),
            self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            bias_initializer = self.bias_initializer
            if self.unit_forget_bias:
                # Keras calls the bias initializer twice, for the (u,) and (2u,) blocks.
                def bias_initializer(_shape, dtype="float32"):
                    return jnp.concatenate(
                        [
                            self.bias_initializer((units,), dtype),
                            jnp.ones((units,), dtype),
                            self.bias_initializer((2 * units,), dtype),
                        ]
                    )

            self.bias = self.add_weight(
                (_GATES * units,),
                bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def compute_output_shape(self, input_shape):
        batch, time = input_shape[0], input_shape[1]
        output = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [output, (batch, self.units), (batch, self.units)]
        return output

    def compute_mask(self, inputs, mask=None):
        # The time mask follows the sequence output; a last-step output and the states have none.
        if mask is None or not self.return_sequences:
            return None
        return [mask, None, None] if self.return_state else mask

    # ---- math -------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch, time, _ = sequences.shape
        if mask is not None:
            mask = jnp.asarray(mask, dtype=bool)
            if mask.shape != (batch, time):
                raise ValueError(
                    f"Layer '{self.name}' (LSTM) expects a mask of shape (batch, time) = "
                    f"{(batch, time)}, one flag per step; received shape {tuple(mask.shape)}."
                )
        if initial_state is None:
            zeros = jnp.zeros((batch, self.units), sequences.dtype)
            initial_state = (zeros, zeros)
        else:
            initial_state = self._initial_state(initial_state, batch, sequences.dtype)
        input_masks, state_masks = self._dropout_masks(sequences, training)
        output, h, c = lstm_sequence(
            sequences,
            self.kernel.value,
            self.recurrent_kernel.value,
            None if self.bias is None else self.bias.value,
            initial_state,
            mask,
            input_masks,
            state_masks,
            activation=self.activation,
            recurrent_activation=self.recurrent_activation,
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences,
            unroll=self.unroll,
        )
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(output) / batch)
        if self.return_state:
            return [output, h, c]
        return output

    def _initial_state(self, initial_state, batch, dtype):
        states = list(initial_state) if isinstance(initial_state, list | tuple) else None
        expected = (batch, self.units)
        if states is None or len(states) != 2:
            raise ValueError(
                f"Layer '{self.name}' (LSTM) expects `initial_state=[h, c]`, two arrays of shape "
                f"{expected}; received {type(initial_state).__name__}"
                + (f" of length {len(states)}." if states is not None else ".")
            )
        states = [jnp.asarray(getattr(s, "value", s), dtype) for s in states]
        for name, state in zip(("h", "c"), states):
            if tuple(state.shape) != expected:
                raise ValueError(
                    f"Layer '{self.name}' (LSTM): initial state {name} must have shape "
                    f"(batch, units) = {expected}; received shape {tuple(state.shape)}."
                )
        return states

    def _dropout_masks(self, sequences, training):
        """Dropout masks for the inputs and the states, one per sequence (or None)."""
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return None, None
        active = state_scope.current()
        # Recurrent dropout needs a mask per gate (Keras's implementation 1); so do the inputs.
        gates = (_GATES,) if self.recurrent_dropout else ()
        batch, features = sequences.shape[0], sequences.shape[-1]

        def mask(rate, size):
            key = active.next_key() if active is not None else self._seed_generator.next()
            ones = jnp.ones((*gates, batch, size), sequences.dtype)
            return strata_random.dropout(ones, rate, seed=key)

        input_masks = mask(self.dropout, features) if self.dropout else None
        state_masks = mask(self.recurrent_dropout, self.units) if self.recurrent_dropout else None
        return input_masks, state_masks

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": False,
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": None,
            "recurrent_regularizer": None,
            "bias_regularizer": None,
            "activity_regularizer": None,
            "kernel_constraint": None,
            "recurrent_constraint": None,
            "bias_constraint": None,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


@functools.partial(
    jax.jit,
    static_argnames=(
        "activation",
        "recurrent_activation",
        "go_backwards",
        "return_sequences",
        "unroll",
    ),
)
def lstm_sequence(
    sequences,
    kernel,
    recurrent_kernel,
    bias,
    initial_state,
    mask,
    input_masks,
    state_masks,
    *,
    activation,
    recurrent_activation,
    go_backwards: bool,
    return_sequences: bool,
    unroll: bool,
):
    """The LSTM recurrence as a pure function; returns ``(output, h, c)``.

    Shapes: `sequences` ``(batch, time, features)``; `kernel` ``(features, 4u)``;
    `recurrent_kernel` ``(u, 4u)``; `bias` ``(4u,)`` or None; `initial_state` ``(h, c)``, each
    ``(batch, u)``; `mask` ``(batch, time)`` bool or None; `input_masks` None, ``(batch, features)``
    or per gate ``(4, batch, features)``; `state_masks` None or ``(4, batch, u)``.

    Compiled once per configuration, so eager calls do not retrace the scan.
    """
    batch, time, _ = sequences.shape
    units = recurrent_kernel.shape[0]
    if go_backwards:
        sequences = jnp.flip(sequences, axis=1)
    # Time-major for the scan. The input projection of every step is one matmul here, outside
    # the loop, leaving one (batch, u) @ (u, 4u) matmul per step inside it.
    xs = jnp.swapaxes(sequences, 0, 1)
    if input_masks is None:
        projected = jnp.matmul(xs, kernel)
    elif input_masks.ndim == 2:
        projected = jnp.matmul(xs * input_masks, kernel)
    else:
        # A mask per gate (Keras's implementation 1, which recurrent dropout selects).
        per_gate = kernel.reshape(kernel.shape[0], _GATES, units)
        projected = jnp.einsum("gbi,tbi,igu->tbgu", input_masks, xs, per_gate)
        projected = projected.reshape(time, batch, _GATES * units)
    if bias is not None:
        projected = projected + bias

    if mask is None:
        keep_steps = jnp.ones((time, 1, 1), dtype=bool)
    else:
        if go_backwards:
            mask = jnp.flip(mask, axis=1)
        keep_steps = jnp.swapaxes(mask, 0, 1)[..., None]

    if state_masks is None:

        def recurrent(h):
            return jnp.matmul(h, recurrent_kernel)
    else:
        per_gate_r = recurrent_kernel.reshape(units, _GATES, units)

        def recurrent(h):
            z = jnp.einsum("gbu,bu,ugv->bgv", state_masks, h, per_gate_r)
            return z.reshape(batch, _GATES * units)

    def step(carry, inputs):
        h, c = carry
        z_x, keep = inputs
        z_i, z_f, z_c, z_o = jnp.split(z_x + recurrent(h), _GATES, axis=-1)
        i = recurrent_activation(z_i)
        f = recurrent_activation(z_f)
        o = recurrent_activation(z_o)
        c_new = f * c + i * activation(z_c)
        h_new = o * activation(c_new)
        # A masked step carries the states forward, so its output repeats the previous one.
        h_new = jnp.where(keep, h_new, h)
        c_new = jnp.where(keep, c_new, c)
        return (h_new, c_new), h_new

    (h, c), outputs = jax.lax.scan(
        step, tuple(initial_state), (projected, keep_steps), unroll=unroll
    )
    output = jnp.swapaxes(outputs, 0, 1) if return_sequences else h
    return output, h, c


def _check_rate(where: str, arg: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError(f"{where}: `{arg}` must be a float in [0, 1); received {arg}={value!r}.")
    return float(value)
