"""Whole epochs in one compiled call, for models too small to keep the host busy.

A tiny model (the seed's linear regression: 9 samples, 2 weights) trains an epoch in
microseconds, so a per-epoch round trip to the host (new index order, metric reset, reading the
logs, callbacks) costs more than the epoch itself. When nothing needs to see the epochs as they
happen (no callbacks besides `History`, ``verbose=0``, no validation), `fit` sends the index
order of many epochs at once and runs them in one call; `History` then receives each epoch's
logs in order. Results are identical to the epoch-by-epoch loop.
"""

from __future__ import annotations

import jax
import numpy as np

from strata.engine import custom_steps, feeds
from strata.engine import data as data_lib
from strata.engine.logs import host_value

# Work (in FLOPs, 6 per weight per sample) that one fused call may hold: a few hundredths of a
# second on a CPU, so an interrupt or the end of `fit` is never far away.
CALL_FLOPS = 2e9
# Fusing only pays while an epoch is a handful of small steps.
MAX_SAMPLES_PER_EPOCH = 4096


def epochs_per_call(model, feed, steps_fn, *, quiet: bool, epochs: int) -> int:
    """How many epochs one compiled call should run; 1 means the ordinary per-epoch loop.

    Args:
        quiet: nothing observes single epochs (verbose=0, no user callbacks, no validation, no
            fixed `steps_per_execution`).
        epochs: the number of epochs still to run.
    """
    if not quiet or epochs < 2 or not isinstance(feed, feeds.ArrayFeed) or not feed.whole_passes:
        return 1
    if steps_fn.eager:
        return 1
    if feed.distribution is not None or steps_fn.single_step or steps_fn.carries_state:
        return 1
    if custom_steps.overrides(model, "train_step"):
        return 1  # its logs may be anything, so there is no per-epoch buffer to fill
    samples = feed.steps * feed.batch_size
    if samples > MAX_SAMPLES_PER_EPOCH:
        return 1
    flops = 6.0 * max(1, model.count_params()) * samples
    return int(max(1, min(epochs, CALL_FLOPS // flops)))


def fit_fused(steps_fn, feed, state, on_epoch, *, first, epochs, per_call, shuffle):
    """Run epochs `first`..`epochs`-1, `per_call` at a time; returns (state, last logs).

    Each epoch's batch order is drawn on the host exactly as the per-epoch loop draws it, and
    ``on_epoch(epoch, logs)`` is called for every epoch, in order, once its call returns.
    """
    train_epochs = steps_fn.train_epochs(feed.x_def)
    indices = np.zeros((per_call, feed.steps, feed.batch_size), np.int32)
    masks = np.zeros((per_call, feed.steps, feed.batch_size), np.float32)
    logs = {}
    for start in range(first, epochs, per_call):
        count = min(per_call, epochs - start)
        for row in range(count):
            indices[row], masks[row] = data_lib.epoch_batches(feed.count, feed.batch_size, shuffle)
        state, per_epoch = train_epochs(state, feed.data, indices, masks, count)
        per_epoch = jax.device_get(per_epoch)
        for row in range(count):
            logs = {name: host_value(values[row]) for name, values in per_epoch.items()}
            on_epoch(start + row, logs)
    return state, logs
