"""What the SimpleRNN, GRU and LSTM cells share: configuration, weights, dropout masks and the
input projection.

A *cell* computes one step. Its layer (`SimpleRNN`, `GRU`, `LSTM`) and the cell class used on its
own or inside `RNN` (`SimpleRNNCell`, `GRUCell`, `LSTMCell`) both inherit the cell's mixin, so
the weights and the math exist once. The mixin's recurrence protocol, used by the scan in
`recurrence.py`:

- ``_recurrence_params(sequence_shape, training)``: the arrays one sequence needs (weights read
  from their variables, dropout masks drawn once per sequence);
- ``_project(params, xs)``: the input half of the gates, for every step at once;
- ``_step(params, x_t, states)``: one step, returning ``(output, new_states)``.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata import activations, initializers, regularizers
from strata import random as strata_random
from strata.layers.core.dense import check_positive_int
from strata.layers.layer import Layer
from strata.state import scope as state_scope
from strata.utils.validation import check_rate


def check_seed(where: str, seed):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"{where}: `seed` must be an int or None; received seed={seed!r}.")
    return seed


def recurrent_matmul(h, kernel, masks, gates: int):
    """``h @ kernel``, where `masks` (None, ``(batch, u)``, or one per gate ``(gates, batch, u)``)
    drops parts of the state first."""
    if masks is None:
        return jnp.matmul(h, kernel)
    if masks.ndim == h.ndim:
        return jnp.matmul(h * masks, kernel)
    units = kernel.shape[0]
    per_gate = kernel.reshape(units, gates, -1)
    z = jnp.einsum("gbu,bu,ugv->bgv", masks, h, per_gate)
    return z.reshape(h.shape[0], -1)


def draw_dropout_masks(layer, rate: float, count: int | None, shape, dtype):
    """A dropout mask of ``shape`` (or `count` of them, stacked), drawn from the step's key inside
    a compiled step and from the layer's own seed generator outside one."""
    active = state_scope.current()
    key = active.next_key() if active is not None else layer._seed_generator.next()
    ones = jnp.ones(((count,) if count else ()) + tuple(shape), dtype)
    return strata_random.dropout(ones, rate, seed=key)


def from_config_with_initializers_in_order(cls, config: dict):
    """`cls` rebuilt from `config`, its built-in initializers made inside `__init__`.

    Unseeded initializers draw their seeds from Python's `random` when made. Keras makes them in
    the cell's constructor, some cells after their dropout seed generator; deserializing them
    before the constructor runs would change the order and so the initial weights.
    """
    from strata.mixed_precision.serialized import dtype_from_policy
    from strata.saving.serialization import deserialize_keras_object

    config = dict(config)
    deferred = {}
    for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
        value = config.get(key)
        if isinstance(value, dict) and value.get("class_name") in initializers.__all__:
            deferred[key] = config.pop(key)
    config = dict(deserialize_keras_object(config))
    if "dtype" in config:
        config["dtype"] = dtype_from_policy(config["dtype"])
    return cls(**config, **deferred)


class GatedCell(Layer):
    """Mixin for a cell whose gates are ``x @ kernel + h @ recurrent_kernel + bias``.

    It is a `Layer` subclass only so that its `build` marks the layer built.

    Subclasses set `gates` (1, 3 or 4) and define `_step`; `_bias_shape` and `_bias_initializer`
    may be overridden (GRU's two bias rows, LSTM's forget-gate bias).
    """

    gates = 1
    # Whether the cell's step is a pure function of `_recurrence_params` (so it can be compiled
    # once and reused); user-written cells are called through their `call` instead.
    pure_step = True

    def _init_cell(
        self,
        kind: str,
        units,
        activation,
        recurrent_activation,
        use_bias,
        kernel_initializer,
        recurrent_initializer,
        bias_initializer,
        kernel_regularizer,
        recurrent_regularizer,
        bias_regularizer,
        kernel_constraint,
        recurrent_constraint,
        bias_constraint,
        dropout,
        recurrent_dropout,
        seed,
        seed_first: bool = False,
    ) -> None:
        where = f"{kind} '{self.name}'"
        self.units = check_positive_int(where, "units", units)
        self.seed = check_seed(where, seed)
        # Construction order matters: unseeded initializers and the dropout seed generator each
        # draw a seed from Python's `random` when made, in the order Keras's cell makes them, so
        # `set_random_seed` gives the same initial weights in both libraries.
        if seed_first:
            self._seed_generator = strata_random.SeedGenerator(seed)
        self.activation = activations.get(activation)
        if recurrent_activation is not None:
            self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.recurrent_constraint = recurrent_constraint
        self.bias_constraint = bias_constraint
        self.dropout = check_rate(where, "dropout", dropout)
        self.recurrent_dropout = check_rate(where, "recurrent_dropout", recurrent_dropout)
        if not seed_first:
            self._seed_generator = strata_random.SeedGenerator(seed)

    # ---- sizes ------------------------------------------------------------------------------
    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def get_initial_state(self, batch_size=None):
        """Zeros for every state, each ``(batch_size, units)``."""
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        return [jnp.zeros((batch_size, size), self.compute_dtype) for size in sizes]

    # ---- weights ----------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        units, gates = self.units, self.gates
        self.kernel = self.add_weight(
            (input_shape[-1], gates * units),
            self.kernel_initializer,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            (units, gates * units),
            self.recurrent_initializer,
            name="recurrent_kernel",
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                self._bias_shape(),
                self._bias_initializer(),
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    # ---- the recurrence ---------------------------------------------------------------------
    def _recurrence_params(self, sequence_shape, training) -> dict:
        """Weights, and when training with dropout one mask per sequence (per gate when
        `recurrent_dropout` is set, as Keras's implementation 1 does)."""
        params = {
            "kernel": self.kernel.value,
            "recurrent_kernel": self.recurrent_kernel.value,
            "bias": None if self.bias is None else self.bias.value,
            "input_mask": None,
            "state_mask": None,
        }
        if training and (self.dropout or self.recurrent_dropout):
            dtype = params["kernel"].dtype
            per_gate = self.gates if self.recurrent_dropout and self.gates > 1 else None
            batch, features = sequence_shape[0], sequence_shape[-1]
            if self.dropout:
                params["input_mask"] = draw_dropout_masks(
                    self, self.dropout, per_gate, (batch, features), dtype
                )
            if self.recurrent_dropout:
                params["state_mask"] = draw_dropout_masks(
                    self, self.recurrent_dropout, per_gate, (batch, self.units), dtype
                )
        return params

    def _input_bias(self, params):
        return params["bias"]

    def _project(self, params, xs):
        """``xs @ kernel + input bias`` for inputs ``(..., batch, features)``."""
        kernel, masks = params["kernel"], params["input_mask"]
        if masks is None:
            z = jnp.matmul(xs, kernel)
        elif masks.ndim == 2:
            z = jnp.matmul(xs * masks, kernel)
        else:
            per_gate = kernel.reshape(kernel.shape[0], self.gates, self.units)
            z = jnp.einsum("gbi,...bi,igu->...bgu", masks, xs, per_gate)
            z = z.reshape(*z.shape[:-2], self.gates * self.units)
        bias = self._input_bias(params)
        return z if bias is None else z + bias

    def _step(self, params, x, states):
        raise NotImplementedError

    # ---- config -----------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: dict):
        return from_config_with_initializers_in_order(cls, config)

    def _cell_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
        }
        if hasattr(self, "recurrent_activation"):
            config["recurrent_activation"] = activations.serialize(self.recurrent_activation)
        config.update(
            {
                "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
                "recurrent_regularizer": serialize_keras_object(self.recurrent_regularizer),
                "bias_regularizer": serialize_keras_object(self.bias_regularizer),
                "kernel_constraint": serialize_keras_object(self.kernel_constraint),
                "recurrent_constraint": serialize_keras_object(self.recurrent_constraint),
                "bias_constraint": serialize_keras_object(self.bias_constraint),
                "dropout": self.dropout,
                "recurrent_dropout": self.recurrent_dropout,
                "seed": self.seed,
            }
        )
        return config


class CellLayer(Layer):
    """Base of the cell classes: `call(inputs, states)` computes one step, as Keras's cells do.

    Dropout masks are drawn afresh for every call; inside `RNN` a whole sequence shares one.
    """

    pure_step = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = False

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) != 2 or shape[-1] is None:
            raise ValueError(
                f"Cell '{self.name}' ({type(self).__name__}) computes one step and expects "
                f"inputs of shape (batch, features); received shape {shape}. Wrap it in "
                "`RNN(cell)` to run it over sequences."
            )

    def __call__(self, inputs, states=None, **kwargs):
        if states is None:
            raise TypeError(
                f"Cell '{self.name}' ({type(self).__name__}) must be called as "
                "`cell(inputs, states)`; `states` is missing."
            )
        return super().__call__(inputs, states, **kwargs)

    def call(self, inputs, states, training=False):
        single = not isinstance(states, list | tuple)
        states = [states] if single else list(states)
        params = self._recurrence_params(tuple(inputs.shape), training)
        output, new_states = self._step(params, self._project(params, inputs), states)
        return output, (new_states[0] if single else new_states)

    def compute_output_shape(self, input_shape):
        sizes = self.state_size if isinstance(self.state_size, list) else [self.state_size]
        batch = input_shape[0]
        return (batch, self.output_size), [(batch, size) for size in sizes]
