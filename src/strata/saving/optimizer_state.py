"""An optimizer's state as Keras's list of optimizer variables, and back.

`Optimizer.variables` lists the state as Keras does: ``[iterations, learning_rate]`` (no
learning rate with a schedule), then the per-weight slots interleaved in `slot_groups` order, then
`scalar_slots`. Setting it inverts that list; the rules' private step counters equal
``iterations``.
"""

from __future__ import annotations

import warnings

import numpy as np

from strata.optimizers import state_view


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
    optimizer.state = state_view.state_from(optimizer, values)
