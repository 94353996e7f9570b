"""The epochs of `fit`: compiled chunks of training steps, callbacks, validation.

Keras's order of hooks: ``on_train_begin``; per epoch ``on_epoch_begin``, then
``on_train_batch_begin(i)`` / ``on_train_batch_end(i, logs)`` per batch, the validation pass
(``on_test_*``, see `test_loop`) on the epochs `validation_freq` selects, ``on_epoch_end(epoch,
logs)``; finally ``on_train_end(logs)``. When no callback watches single batches, a compiled
call runs many batches and the batch hooks are called once per call (only the progress bar
listens then). What callbacks set on the model between calls (weights, learning rate,
`stop_training`) is taken up before the next call.
"""

from __future__ import annotations

import time

from strata.engine import feeds, fused_epochs, state_sync
from strata.engine.chunk_policy import ChunkPolicy
from strata.engine.logs import ordered, to_floats
from strata.engine.test_loop import run_test_loop


class TrainLoop:
    """One `fit` call's loop over epochs.

    Args:
        model: the model being trained.
        steps_fn: its `StepFunctions`.
        feed: the training feed; `val_feed` the validation feed or None.
        callbacks: a `CallbackList` (History and the progress bar included).
        policy: the `ChunkPolicy` for training calls.
    """

    def __init__(self, model, steps_fn, feed, val_feed, callbacks, policy: ChunkPolicy):
        self.model = model
        self.steps_fn = steps_fn
        self.feed = feed
        self.val_feed = val_feed
        self.callbacks = callbacks
        self.policy = policy
        self.state = None

    def run(self, *, epochs, initial_epoch, shuffle, validation_freq, quiet) -> dict:
        """Train from `initial_epoch` to `epochs`; return the last epoch's logs."""
        model, steps_fn, feed = self.model, self.steps_fn, self.feed
        # Without a progress bar, batch hooks or a fixed `steps_per_execution`, every call runs
        # a whole pass of in-memory data: a loop of known length (see `train_chunk`).
        whole = (
            feed.whole_passes
            and not self.policy.every_batch
            and self.policy.fixed is None
            and not self.policy.progress_bar
        )
        self.train_chunk = steps_fn.train_chunk(feed.x_def, whole)
        self.state = state_sync.initial_train_state(model, steps_fn)
        model.stop_training = False
        logs = {}
        self.callbacks.on_train_begin()
        state_sync.read_back(model, steps_fn, self.state)
        # A callback (BackupAndRestore) may name the epoch to resume at, as in Keras.
        initial_epoch = model.__dict__.pop("_initial_epoch", None) or initial_epoch
        per_call = fused_epochs.epochs_per_call(
            model, feed, steps_fn, quiet=quiet, epochs=epochs - initial_epoch
        )
        try:
            if per_call > 1:
                self.state, logs = fused_epochs.fit_fused(
                    steps_fn,
                    feed,
                    self.state,
                    self._replay_epoch,
                    first=initial_epoch,
                    epochs=epochs,
                    per_call=per_call,
                    shuffle=shuffle,
                )
                initial_epoch = epochs
            for epoch in range(initial_epoch, epochs):
                epoch_logs = self._epoch(epoch, shuffle)
                if epoch_logs is None:
                    break
                if self.val_feed is not None and _should_validate(epoch, validation_freq):
                    val_logs = run_test_loop(steps_fn, self.val_feed, self.callbacks)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                logs = ordered(epoch_logs)
                self.callbacks.on_epoch_end(epoch, logs)
                state_sync.read_back(model, steps_fn, self.state)
                if model.stop_training:
                    break
        finally:
            state_sync.write_back(model, steps_fn, self.state)
            feed.close()
        self.callbacks.on_train_end(logs)
        return logs

    def _replay_epoch(self, epoch, epoch_logs):
        self.callbacks.on_epoch_begin(epoch)
        self.callbacks.on_epoch_end(epoch, ordered(epoch_logs))

    def _epoch(self, epoch, shuffle):
        """Run one epoch's batches; return its logs, or None when the source had no batch."""
        model, steps_fn, feed, callbacks = self.model, self.steps_fn, self.feed, self.callbacks
        self.state["metrics"] = steps_fn.fresh_metrics()
        callbacks.on_epoch_begin(epoch)
        state_sync.read_back(model, steps_fn, self.state)
        feed.begin_epoch(shuffle)
        nominal = feed.steps or feed.group
        chunk = self.policy.first(nominal)
        step, ran_out, device_logs = 0, False, None
        reports = self.policy.every_batch or self.policy.progress_bar or self.policy.fixed
        try:
            while feed.steps is None or step < feed.steps:
                started = time.perf_counter()
                block = feed.chunk(step, chunk)
                if block is None:
                    ran_out = True
                    break
                callbacks.on_train_batch_begin(step)
                if self.policy.every_batch:
                    state_sync.read_back(model, steps_fn, self.state)
                self.state, device_logs = self.train_chunk(self.state, *block)
                step += block[-1]
                if reports:
                    state_sync.write_back(model, steps_fn, self.state)
                    callbacks.on_train_batch_end(step - 1, to_floats(device_logs))
                    state_sync.read_back(model, steps_fn, self.state)
                chunk = self.policy.next(
                    chunk, block[-1], time.perf_counter() - started, feed.steps or chunk
                )
                if model.stop_training:
                    break
        finally:
            feed.end_epoch()
        if step == 0:
            feeds.warn_out_of_data(epoch)
            return None
        if feed.steps is None and ran_out:
            feed.steps = callbacks.params["steps"] = step
        elif ran_out and step < feed.steps:
            feeds.warn_out_of_data(epoch)
        state_sync.write_back(model, steps_fn, self.state)
        return to_floats(device_logs)


def _should_validate(epoch: int, freq) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in set(freq)
