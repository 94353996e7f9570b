"""The one place where the engine's state pytrees and the model's `Variable` objects meet.

A compiled step never touches objects; between calls the variables point at the state's own
arrays (no copies), so callbacks and user code see the latest weights, and whatever a callback
sets (weights, learning rate) is taken up again before the next call.
"""

from __future__ import annotations

from strata import random as strata_random


def with_carried_state(model, non_trainable: list) -> list:
    """The non-trainable weights, then the carried state (stateful RNNs) the step must update."""
    seen = {v.uid for v in non_trainable}
    return list(non_trainable) + [v for v in model.carried_state if v.uid not in seen]


def initial_train_state(model, steps_fn) -> dict:
    """The training state of `steps_fn`'s variables, optimizer, fresh metrics and a step key."""
    return steps_fn.place(
        {
            "trainable": [v.value for v in steps_fn.trainable],
            "non_trainable": [v.value for v in steps_fn.non_trainable],
            "optimizer": model.optimizer.state,
            "metrics": steps_fn.init_metrics(),
            "rng": strata_random.next_key(),
        }
    )


def weights_state(steps_fn) -> tuple[list, list]:
    """``(trainable, non_trainable)`` values for evaluation and prediction."""
    placed = steps_fn.place(
        {
            "trainable": [v.value for v in steps_fn.trainable],
            "non_trainable": [v.value for v in steps_fn.non_trainable],
        }
    )
    return placed["trainable"], placed["non_trainable"]


def read_back(model, steps_fn, state) -> None:
    """Take up what callbacks set on the objects (learning rate, weights); no copies.

    Called only right after `write_back` (or before the first step), when the variables hold
    the state's own arrays unless a callback replaced them.
    """
    taken = steps_fn.place(
        {
            "trainable": [variable._value for variable in steps_fn.trainable],
            "non_trainable": [variable._value for variable in steps_fn.non_trainable],
            "optimizer": model.optimizer.state,
        }
    )
    state.update(taken)


def write_back(model, steps_fn, state) -> None:
    """Point the variables and optimizer at the latest state (no copies)."""
    for variable, value in zip(steps_fn.trainable, state["trainable"]):
        variable._value = value
    for variable, value in zip(steps_fn.non_trainable, state["non_trainable"]):
        variable._value = value
    model.optimizer.state = state["optimizer"]
    model._metrics_state = (steps_fn, state["metrics"])


def keep_carried_state(steps_fn, non_trainable: list) -> None:
    """After evaluation or prediction, store the carried state the batches advanced."""
    if steps_fn.carries_state:
        for variable, value in zip(steps_fn.non_trainable, non_trainable):
            variable._value = value
