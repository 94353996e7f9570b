"""An optimizer's state as Keras's list of optimizer variables, and back.

`Optimizer.variables` lists the state as Keras does: ``[iterations, learning_rate]`` (no
learning rate with a schedule), then the per-weight slots interleaved in `slot_groups` order, then
`scalar_slots`. Setting it inverts that list; the rules' private step counters equal
``iterations``.
"""

from __future__ import annotations

import warnings

import jax.numpy as jnp
import numpy as np


def optimizer_values(optimizer) -> list:
    """The optimizer's variables as NumPy arrays, in Keras's order."""
    return [np.asarray(v) for v in optimizer.variables]


def set_optimizer_values(optimizer, trainable, datasets, source: str) -> None:
    """Restore `optimizer`'s state for `trainable` from Keras-ordered `datasets` (h5 or arrays).

    A file saved before the optimizer took a step holds only ``[iterations, learning_rate]``; it
    restores those. Any other count mismatch warns and leaves the optimizer as it is (Keras's
    behaviour).
    """
    uids = [v.uid for v in trainable]
    if optimizer.state is None or [v.uid for v in optimizer._variables or []] != uids:
        optimizer.build(trainable)
    expected = optimizer.variables
    head = 1 if optimizer._schedule is not None else 2
    if len(datasets) == head and len(expected) > head:
        expected = expected[:head]
    if len(datasets) != len(expected):
        warnings.warn(
            f"{source}: skipping the state of optimizer '{optimizer.name}': the file holds "
            f"{len(datasets)} variables, the optimizer has {len(expected)}. Training continues "
            "with a fresh optimizer state.",
            UserWarning,
            stacklevel=4,
        )
        return
    for i, (dataset, current) in enumerate(zip(datasets, expected)):
        if tuple(dataset.shape) != tuple(np.shape(current)):
            warnings.warn(
                f"{source}: skipping the state of optimizer '{optimizer.name}': variable {i} has "
                f"shape {tuple(dataset.shape)} in the file, {tuple(np.shape(current))} here.",
                UserWarning,
                stacklevel=4,
            )
            return
    values = [np.asarray(d[()] if hasattr(d, "id") else d) for d in datasets]
    optimizer.state = _state_from_values(optimizer, values)


def _state_from_values(optimizer, values: list) -> dict:
    state = dict(optimizer.state)
    iterations = jnp.array(values[0], state["iterations"].dtype)
    state["iterations"] = iterations
    position = 1
    if optimizer._schedule is None:
        state["learning_rate"] = jnp.array(values[1], state["learning_rate"].dtype)
        position = 2
    slots = list(state["slots"])
    rule_state = dict(slots[-1])
    count = len(optimizer._variables)
    if position < len(values):
        for group in optimizer.slot_groups:
            present = [name for name in group if name in rule_state]
            lists = {name: list(rule_state[name]) for name in present}
            for i in range(count):
                for name in present:
                    lists[name][i] = jnp.array(values[position], lists[name][i].dtype)
                    position += 1
            rule_state.update(lists)
        for name in optimizer.scalar_slots:
            rule_state[name] = jnp.array(values[position], rule_state[name].dtype)
            position += 1
    # Keras derives the step from `iterations`; strata's rules keep it as a scalar counter.
    # (`jnp.array` copies: the engine donates state buffers, so none may be shared.)
    for name, value in rule_state.items():
        if name not in optimizer.scalar_slots and not isinstance(value, list):
            rule_state[name] = jnp.array(iterations, dtype=jnp.asarray(value).dtype)
    slots[-1] = rule_state
    state["slots"] = type(state["slots"])(slots)
    return state
