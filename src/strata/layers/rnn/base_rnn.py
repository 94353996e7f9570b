"""`Recurrent`: what every layer that runs a cell over time shares (shapes, masks, states)."""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp

from strata.layers.layer import STRUCTURE, Layer
from strata.layers.rnn.recurrence import scan_recurrence, scan_recurrence_jit
from strata.state import scope as state_scope
from strata.state.variable import Variable


class Recurrent(Layer):
    """Base of `SimpleRNN`, `GRU`, `LSTM`, `RNN` and the ConvLSTM layers.

    Subclasses provide the cell through `_cell` (the layer itself for the built-in layers, which
    hold their weights directly as Keras files expect, or a wrapped cell for `RNN`).

    Args:
        return_sequences: return the output of every step, not only the last.
        return_state: also return the final states, as ``[output, *states]``.
        go_backwards: process the sequence in reverse (the sequence output stays reversed).
        stateful: carry the final states of each batch into the next call as its initial
            states (row i of a batch continues row i of the previous one). Needs a fixed batch
            size (``Input(batch_shape=...)`` or ``batch_input_shape=``); `reset_state` zeros them.
        unroll: unroll the time loop when compiling (faster for short sequences).
        zero_output_for_mask: masked steps output zeros instead of repeating the last output.
    """

    # Rank of the inputs: (batch, time, features); the ConvLSTM layers add spatial axes.
    _input_rank = 3
    # Names of the states in error messages, e.g. ("h", "c") for an LSTM.
    _state_names: tuple = ()

    def __init__(
        self,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.states = None
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True

    @property
    def _cell(self):
        return self

    # ---- shapes -----------------------------------------------------------------------------
    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        kind, rank = type(self).__name__, self._input_rank
        if len(shape) != rank:
            layout = "(batch, time, features)" if rank == 3 else "(batch, time, *spatial, channels)"
            hint = (
                " For one feature per step use shape (batch, time, 1), e.g. `x[..., None]` or "
                "Input(shape=(time, 1))."
                if rank == 3
                else ""
            )
            raise ValueError(
                f"Layer '{self.name}' ({kind}) expects inputs of rank {rank}, {layout}; received "
                f"shape {shape}.{hint}"
            )
        if any(d is None for d in shape[2:]):
            raise ValueError(
                f"Layer '{self.name}' ({kind}) needs known step dimensions (all but batch and "
                f"time); received shape {shape}."
            )
        built_for = getattr(self, "_build_shape", None)
        if self.built and built_for is not None and tuple(built_for[2:]) != shape[2:]:
            what = f"{built_for[-1]} features" if rank == 3 else f"steps of shape {built_for[2:]}"
            raise ValueError(
                f"Layer '{self.name}' ({kind}) expects inputs with {what} (it was built for "
                f"shape {tuple(built_for)}), but received shape {shape}."
            )

    def compute_output_shape(self, input_shape, initial_state_shape=None):
        batch, time, step_shape = input_shape[0], input_shape[1], tuple(input_shape[2:])
        out = output_shape(self._cell, step_shape)
        output = (batch, time, *out) if self.return_sequences else (batch, *out)
        if not self.return_state:
            return output
        batched = jax.tree_util.tree_map(
            lambda s: (batch, *s), state_shapes(self._cell, step_shape), is_leaf=_is_shape
        )
        return [output, *batched]

    def compute_mask(self, inputs, mask=None):
        # The time mask follows the sequence output; a last-step output and the states have none.
        if isinstance(mask, list | tuple):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        if not self.return_state:
            return output_mask
        shapes = jax.tree_util.tree_leaves(
            state_shapes(self._cell, tuple(inputs.shape[2:])), is_leaf=_is_shape
        )
        return [output_mask] + [None] * len(shapes)

    # ---- stateful layers --------------------------------------------------------------------
    def _maybe_build(self, input_shape) -> None:
        super()._maybe_build(input_shape)
        if self.stateful and self.states is None:
            self._create_states(input_shape)

    def _create_states(self, input_shape) -> None:
        batch = input_shape[0]
        if batch is None:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) has `stateful=True`, which needs a "
                f"fixed batch size, but its input has shape {tuple(input_shape)}. Give the batch "
                "size to the input, e.g. `Input(batch_shape=(32, time, features))`, or "
                "`batch_input_shape=(32, time, features)` on the first layer of a Sequential."
            )
        shapes = jax.tree_util.tree_leaves(
            state_shapes(self._cell, tuple(input_shape[2:])), is_leaf=_is_shape
        )
        names = self._state_names or tuple(f"state_{i}" for i in range(len(shapes)))
        self.states = []
        for name, shape in zip(names, shapes):
            state = Variable(
                jnp.zeros((batch, *shape), self.dtype), name=f"{name}_state", trainable=False
            )
            state.path = f"{self.name}/{name}_state"
            self.states.append(state)
        self._own_carried.extend(self.states)
        STRUCTURE["version"] += 1

    def reset_state(self) -> None:
        """Zero the states of a stateful layer (e.g. between independent sequences)."""
        self.reset_states()

    def _stateful_initial_states(self, batch, step_shape):
        if self.states is None:
            self._create_states((batch, None, *step_shape))
        expected = self.states[0].shape[0]
        if batch != expected:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) is stateful with batch size "
                f"{expected}, but received a batch of {batch}. Every batch of a stateful layer "
                f"must have {expected} rows: pass `batch_size={expected}` to fit/evaluate/predict."
            )
        structure = jax.tree_util.tree_structure(
            state_shapes(self._cell, step_shape), is_leaf=_is_shape
        )
        return jax.tree_util.tree_unflatten(structure, [state.value for state in self.states])

    # ---- math -------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        batch, time = sequences.shape[0], sequences.shape[1]
        mask = self._check_mask(mask, batch, time)
        step_shape = tuple(sequences.shape[2:])
        if self.stateful and initial_state is None:
            states = self._stateful_initial_states(batch, step_shape)
        else:
            states = self._initial_states(initial_state, batch, step_shape, sequences.dtype)
        cell = self._cell
        options = dict(
            go_backwards=self.go_backwards,
            return_sequences=self.return_sequences,
            unroll=self.unroll,
            zero_output_for_mask=self.zero_output_for_mask,
        )
        if getattr(cell, "pure_step", False):
            params = cell._recurrence_params(tuple(sequences.shape), training)
            output, states = scan_recurrence_jit(
                cell._project, cell._step, params, sequences, states, mask, **options
            )
        else:
            output, states = scan_recurrence(
                _identity, _calling_step(cell, training), None, sequences, states, mask, **options
            )
        if self.stateful:
            for variable, value in zip(self.states, jax.tree_util.tree_leaves(states)):
                variable.assign(value)
        regularizer = getattr(self, "activity_regularizer", None)
        if regularizer is not None:
            self.add_loss(regularizer(output) / batch)
        if self.return_state:
            return [output, *states]
        return output

    def _check_mask(self, mask, batch, time):
        if isinstance(mask, list | tuple):
            mask = mask[0]
        if mask is None:
            return None
        mask = jnp.asarray(mask)
        if tuple(mask.shape) != (batch, time):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects a mask of shape "
                f"(batch, time) = {(batch, time)}, one flag per step; received shape "
                f"{tuple(mask.shape)}."
            )
        return mask.astype(bool)

    def _initial_states(self, initial_state, batch, step_shape, dtype) -> list:
        shapes = state_shapes(self._cell, step_shape)
        cell = self._cell
        if initial_state is None:
            custom = getattr(cell, "get_initial_state", None)
            if not getattr(cell, "pure_step", False) and custom is not None:
                states = custom(batch_size=batch)
                return list(states) if isinstance(states, list | tuple) else [states]
            return jax.tree_util.tree_map(
                lambda s: jnp.zeros((batch, *s), dtype), shapes, is_leaf=_is_shape
            )
        expected = jax.tree_util.tree_map(lambda s: (batch, *s), shapes, is_leaf=_is_shape)
        flat_expected = jax.tree_util.tree_leaves(expected, is_leaf=_is_shape)
        given = initial_state if isinstance(initial_state, list | tuple) else [initial_state]
        flat_given = jax.tree_util.tree_leaves(list(given))
        names = self._state_names or tuple(str(i) for i in range(len(flat_expected)))
        if len(flat_given) != len(flat_expected):
            listing = ", ".join(names)
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) expects "
                f"`initial_state=[{listing}]`, {len(flat_expected)} array(s) of shape(s) "
                f"{', '.join(str(s) for s in flat_expected)}; received {len(flat_given)} array(s)."
            )
        states = []
        for name, state, shape in zip(names, flat_given, flat_expected):
            state = jnp.asarray(getattr(state, "value", state), dtype)
            if tuple(state.shape) != tuple(shape):
                layout = "(batch, units)" if len(shape) == 2 else "(batch, *state)"
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): initial state {name} must "
                    f"have shape {layout} = {tuple(shape)}; received shape {tuple(state.shape)}."
                )
            states.append(state)
        structure = jax.tree_util.tree_structure(expected, is_leaf=_is_shape)
        return jax.tree_util.tree_unflatten(structure, states)

    def _sequence_config(self) -> dict:
        return {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
        }


def add_weight_penalties(layer) -> None:
    """Inside a compiled step, add the penalties of the weights of `layer` and its sublayers:
    for layers run from inside another layer's `call` without their own `__call__`."""
    active = state_scope.current()
    if active is None or not isinstance(layer, Layer):
        return
    pending = [layer]
    while pending:
        current = pending.pop()
        for variable, regularizer in current._regularized:
            active.losses.append(regularizer(variable.value))
        pending.extend(current._sublayers)


def serialize_sublayer(layer) -> dict:
    """A wrapped layer or cell in Keras's config form, without its build state: the wrapper
    builds it (its own ``build_config`` records the shapes), so a rebuilt wrapper's config
    equals the original's."""
    from strata.saving.serialization import serialize_keras_object

    config = serialize_keras_object(layer)
    if isinstance(config, dict):
        config.pop("build_config", None)
    return config


def _is_shape(value) -> bool:
    return isinstance(value, tuple) and all(isinstance(d, int) or d is None for d in value)


def state_shapes(cell, step_shape) -> list:
    """Per-sample shapes of a cell's states, as a list that follows ``cell.state_size``."""
    custom = getattr(cell, "_step_state_shapes", None)
    if custom is not None:
        return custom(step_shape)
    sizes = cell.state_size
    sizes = list(sizes) if isinstance(sizes, list | tuple) else [sizes]

    def shape_of(size):
        if isinstance(size, list | tuple):
            return [shape_of(s) for s in size]
        return (int(size),)

    return [shape_of(size) for size in sizes]


def output_shape(cell, step_shape) -> tuple:
    """Per-sample shape of a cell's output: ``output_size``, else its first state's."""
    custom = getattr(cell, "_step_output_shape", None)
    if custom is not None:
        return custom(step_shape)
    size = getattr(cell, "output_size", None)
    if size is None:
        return jax.tree_util.tree_leaves(state_shapes(cell, step_shape), is_leaf=_is_shape)[0]
    return (int(size),)


def _identity(params, xs):
    return xs


def _calling_step(cell, training):
    """A step that calls a user-written cell's `call(inputs, states)` (weights read directly)."""
    kwargs = {}
    if "training" in inspect.signature(cell.call).parameters:
        kwargs["training"] = training

    def step(params, x, states):
        return cell.call(x, states, **kwargs)

    return step
