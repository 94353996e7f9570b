"""The time loop every recurrent layer shares: a `jax.lax.scan` over steps, with masks.

A cell is described by two pure functions: ``project(params, xs)``, applied once to the whole
(time-major) sequence so that the input half of every step's matmul happens outside the loop,
and ``step(params, x_t, states) -> (output_t, new_states)``, the recurrence itself.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def scan_recurrence(
    project,
    step,
    params,
    sequences,
    initial_states,
    mask,
    *,
    go_backwards: bool,
    return_sequences: bool,
    unroll: bool,
    zero_output_for_mask: bool,
):
    """Run a cell over ``sequences`` (batch, time, ...); returns ``(output, final_states)``.

    Args:
        project, step: the cell's pure functions (see the module docstring).
        params: pytree of arrays the two functions read (weights, dropout masks).
        initial_states: list of arrays (or nested lists for stacked cells), batch first.
        mask: None or bool ``(batch, time)``; a masked step keeps the states, and its output is
            the previous output (``states[0]``, as Keras's JAX backend takes it) or zeros with
            `zero_output_for_mask`.
        go_backwards: process the steps last to first; outputs stay in processing order.
        return_sequences: return every step's output ``(batch, time, ...)``, else the last one.
        unroll: unroll the loop when compiling.

    Example:
        >>> import numpy as np
        >>> def step(params, x, states):
        ...     total = states[0] + x
        ...     return total, [total]
        >>> out, (total,) = scan_recurrence(
        ...     lambda p, xs: xs, step, None, np.ones((1, 3, 2)), [np.zeros((1, 2))], None,
        ...     go_backwards=False, return_sequences=True, unroll=False,
        ...     zero_output_for_mask=False)
        >>> out[0, :, 0].tolist(), total.tolist()
        ([1.0, 2.0, 3.0], [[3.0, 3.0]])
    """
    if go_backwards:
        sequences = jnp.flip(sequences, axis=1)
        if mask is not None:
            mask = jnp.flip(mask, axis=1)
    xs = project(params, jnp.swapaxes(sequences, 0, 1))
    structure = jax.tree_util.tree_structure(initial_states)

    def advance(states, x):
        output, new_states = step(params, x, states)
        if not isinstance(new_states, list | tuple):
            new_states = [new_states]
        # Cells may answer with tuples where they were given lists; the carry keeps one form.
        leaves = jax.tree_util.tree_leaves(new_states)
        return output, jax.tree_util.tree_unflatten(structure, leaves)

    if mask is None:

        def body(states, x):
            output, new_states = advance(states, x)
            return new_states, output

        xs_and_mask = xs
    else:

        def body(states, inputs):
            x, keep = inputs
            output, new_states = advance(states, x)
            new_states = jax.tree_util.tree_map(
                lambda new, old: jnp.where(_broadcastable(keep, new), new, old), new_states, states
            )
            if zero_output_for_mask:
                previous = jnp.zeros_like(output)
            else:
                previous = _previous_output(states)
            output = jnp.where(_broadcastable(keep, output), output, previous)
            return new_states, output

        xs_and_mask = (xs, jnp.swapaxes(jnp.asarray(mask, bool), 0, 1))

    final_states, outputs = jax.lax.scan(body, initial_states, xs_and_mask, unroll=unroll)
    output = jnp.swapaxes(outputs, 0, 1) if return_sequences else outputs[-1]
    return output, final_states


# Compiled once per cell and configuration (the cell's bound methods are static), so eager calls
# of a layer do not retrace the scan.
scan_recurrence_jit = jax.jit(
    scan_recurrence,
    static_argnames=(
        "project",
        "step",
        "go_backwards",
        "return_sequences",
        "unroll",
        "zero_output_for_mask",
    ),
)


def _broadcastable(keep, value):
    """The (batch,) step mask with singleton axes appended to reach ``value``'s rank."""
    return keep.reshape(keep.shape + (1,) * (value.ndim - keep.ndim))


def _previous_output(states):
    # Keras's rule: the first state, or for stacked cells (one list of states per cell) the last
    # cell's first state.
    first = states[0]
    if isinstance(first, list | tuple):
        first = states[-1][0]
    return first
