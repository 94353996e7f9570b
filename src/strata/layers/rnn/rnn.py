"""`RNN`: run any cell (built in or user-written) over the time axis."""

from __future__ import annotations

from strata.layers.layer import Layer
from strata.layers.rnn.base_rnn import Recurrent, add_weight_penalties, serialize_sublayer
from strata.layers.rnn.stacked_rnn_cells import StackedRNNCells, check_cell


class RNN(Recurrent):
    """A recurrent layer around a cell: the cell computes one step, `RNN` loops it over time.

    Built-in cells (`SimpleRNNCell`, `GRUCell`, `LSTMCell`, their stacks) run as one compiled
    scan with the input projection outside the loop. Any other cell works too: an object with
    ``state_size`` (an int, or a list of ints, one per state), optionally ``output_size``, and
    ``call(inputs, states)`` returning ``(output, new_states)``, where `states` is a list.

    Args:
        cell: a cell, or a list of cells (stacked with `StackedRNNCells`).
        return_sequences: return the output of every step, not only the last.
        return_state: also return the final states, as ``[output, *states]``.
        go_backwards: process the sequence in reverse (the sequence output stays reversed).
        stateful: only False is supported.
        unroll: unroll the time loop when compiling.
        zero_output_for_mask: masked steps output zeros instead of repeating the last output.

    Call arguments: ``sequences`` ``(batch, time, features)``; optional ``initial_state`` (a list,
    one array per state); optional boolean ``mask`` ``(batch, time)`` (masked steps keep the
    states); ``training``.

    Example:
        >>> import numpy as np
        >>> import strata
        >>> class Accumulate(strata.layers.Layer):
        ...     state_size = 2
        ...     def call(self, inputs, states):
        ...         total = states[0] + inputs
        ...         return total, [total]
        >>> RNN(Accumulate())(np.ones((1, 4, 2))).tolist()
        [[4.0, 4.0]]
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        **kwargs,
    ):
        if isinstance(cell, list | tuple):
            cell = StackedRNNCells(cell)
        super().__init__(
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            zero_output_for_mask=zero_output_for_mask,
            **kwargs,
        )
        check_cell(f"RNN '{self.name}'", cell)
        self.cell = cell

    @property
    def _cell(self):
        return self.cell

    @property
    def state_size(self):
        return self.cell.state_size

    def build(self, input_shape) -> None:
        step_shape = (input_shape[0], *input_shape[2:])
        if isinstance(self.cell, Layer):
            self.cell._maybe_build(step_shape)
        elif callable(getattr(self.cell, "build", None)):
            self.cell.build(step_shape)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        outputs = super().call(sequences, initial_state=initial_state, mask=mask, training=training)
        # The cell runs inside the scan, not through its own `__call__`, so its weights'
        # penalties are added here, once per call.
        add_weight_penalties(self.cell)
        return outputs

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            **self._sequence_config(),
            "cell": serialize_sublayer(self.cell),
        }
