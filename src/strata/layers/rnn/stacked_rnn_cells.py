"""`StackedRNNCells`: several cells run as one, each feeding its output to the next."""

from __future__ import annotations

from strata.layers.layer import Layer
from strata.layers.rnn.base_rnn import output_shape, serialize_sublayer, state_shapes


class StackedRNNCells(Layer):
    """A list of cells that behaves as one cell (for `RNN`): the first cell reads the inputs,
    each later cell reads the previous cell's output, and the states are one entry per cell.

    Args:
        cells: a list of cells (objects with `call(inputs, states)` and `state_size`).

    Example:
        >>> import numpy as np
        >>> from strata.layers.rnn.gru_cell import GRUCell
        >>> from strata.layers.rnn.lstm_cell import LSTMCell
        >>> cells = StackedRNNCells([GRUCell(4), LSTMCell(2)])
        >>> cells.state_size
        [4, [2, 2]]
        >>> out, states = cells(np.ones((1, 3)), [np.zeros((1, 4)), [np.zeros((1, 2))] * 2])
        >>> out.shape
        (1, 2)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        cells = list(cells) if isinstance(cells, list | tuple) else None
        if not cells:
            raise ValueError(
                f"StackedRNNCells '{self.name}': `cells` must be a non-empty list of cells; "
                f"received {cells!r}."
            )
        for cell in cells:
            check_cell(f"StackedRNNCells '{self.name}'", cell)
        self.cells = cells

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is not None:
            return size
        sizes = last.state_size
        return sizes[0] if isinstance(sizes, list | tuple) else sizes

    def _step_state_shapes(self, step_shape) -> list:
        # One list per cell, even for one-state cells (as Keras's cells' initial states are), so
        # the last cell's output state is always ``states[-1][0]``.
        shapes = []
        for cell in self.cells:
            shapes.append(state_shapes(cell, step_shape))
            step_shape = output_shape(cell, step_shape)
        return shapes

    @property
    def pure_step(self) -> bool:
        return all(getattr(cell, "pure_step", False) for cell in self.cells)

    def build(self, input_shape) -> None:
        batch = input_shape[0]
        for cell in self.cells:
            if isinstance(cell, Layer):
                cell._maybe_build(tuple(input_shape))
            size = getattr(cell, "output_size", None)
            if size is None:
                sizes = cell.state_size
                size = sizes[0] if isinstance(sizes, list | tuple) else sizes
            input_shape = (batch, size)

    # ---- the recurrence protocol (all cells built in) ------------------------------------------
    def _recurrence_params(self, sequence_shape, training) -> list:
        params = []
        for cell in self.cells:
            params.append(cell._recurrence_params(sequence_shape, training))
            sequence_shape = (*sequence_shape[:-1], cell.output_size)
        return params

    def _project(self, params, xs):
        # Only the first cell's input projection can move out of the loop.
        return self.cells[0]._project(params[0], xs)

    def _step(self, params, x, states):
        new_states = []
        for i, (cell, cell_params, cell_states) in enumerate(zip(self.cells, params, states)):
            single = not isinstance(cell_states, list | tuple)
            if i > 0:
                x = cell._project(cell_params, x)
            x, cell_states = cell._step(
                cell_params, x, [cell_states] if single else list(cell_states)
            )
            new_states.append(cell_states[0] if single else list(cell_states))
        return x, new_states

    # ---- one step, Keras-style -------------------------------------------------------------------
    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            single = not isinstance(cell_states, list | tuple)
            kwargs = {"training": training} if _takes_training(cell) else {}
            inputs, cell_states = cell.call(
                inputs, [cell_states] if single else list(cell_states), **kwargs
            )
            if not isinstance(cell_states, list | tuple):
                cell_states = [cell_states]
            new_states.append(cell_states[0] if single else list(cell_states))
        return inputs, new_states

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_size)

    def get_config(self) -> dict:
        return {**super().get_config(), "cells": [serialize_sublayer(c) for c in self.cells]}


def check_cell(where: str, cell) -> None:
    """Raise unless `cell` looks like an RNN cell (a `call` method and a `state_size`)."""
    if not callable(getattr(cell, "call", None)):
        raise ValueError(
            f"{where}: a cell must have a `call(inputs, states)` method; received {cell!r}."
        )
    sizes = getattr(cell, "state_size", None)
    flat = sizes if isinstance(sizes, list | tuple) else [sizes]
    if sizes is None or not all(_is_size(s) for s in flat):
        raise ValueError(
            f"{where}: the cell {type(cell).__name__} needs a `state_size` attribute: an int, or "
            f"a list of ints (one per state); received state_size={sizes!r}."
        )


def _is_size(size) -> bool:
    if isinstance(size, list | tuple):
        return all(_is_size(s) for s in size)
    return isinstance(size, int) and not isinstance(size, bool)


def _takes_training(cell) -> bool:
    import inspect

    return "training" in inspect.signature(cell.call).parameters
