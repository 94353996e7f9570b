"""The evaluation loop, shared by `evaluate` and `fit`'s validation so callbacks see both alike.

Keras's order: ``on_test_begin``, then ``on_test_batch_begin(i)`` / ``on_test_batch_end(i,
logs)`` for every batch, then ``on_test_end(logs)``. When no callback watches single test
batches, a compiled call runs many batches and the batch hooks (which only the progress bar
then uses) are called once per call, with the index of its last batch.
"""

from __future__ import annotations

from strata.engine import feeds, state_sync
from strata.engine.logs import ordered, to_floats


def run_test_loop(steps_fn, feed, callbacks) -> dict:
    """Evaluate on one epoch of `feed`; return the logs (loss first, then by name).

    Args:
        steps_fn: the model's `StepFunctions` (compiled with its losses and metrics).
        feed: an `ArrayFeed` or `StreamFeed` (its `steps` already honoured).
        callbacks: a `CallbackList`.
    """
    every_batch = "test" in callbacks.batch_hook_kinds() or steps_fn.eager
    whole = feed.whole_passes and not every_batch
    test_chunk = steps_fn.test_chunk(feed.x_def, whole=whole)
    trainable, non_trainable = state_sync.weights_state(steps_fn)
    metrics = steps_fn.fresh_metrics()
    callbacks.on_test_begin()
    feed.begin_epoch(False)
    step, device_logs = 0, None
    per_call = 1 if every_batch else (feed.steps or feed.group)
    try:
        while True:
            block = feed.chunk(step, per_call)
            if block is None:
                break
            callbacks.on_test_batch_begin(step)
            metrics, device_logs, non_trainable = test_chunk(
                trainable, non_trainable, metrics, *block
            )
            step += block[-1]
            callbacks.on_test_batch_end(step - 1, to_floats(device_logs))
    finally:
        feed.end_epoch()
    if device_logs is None:
        raise ValueError("evaluate: the data source produced no batches.")
    if feed.steps is not None and step < feed.steps:
        feeds.warn_out_of_data()
    state_sync.keep_carried_state(steps_fn, non_trainable)
    steps_fn.model._metrics_state = (steps_fn, metrics)
    logs = ordered(to_floats(device_logs))
    callbacks.on_test_end(logs)
    return logs
