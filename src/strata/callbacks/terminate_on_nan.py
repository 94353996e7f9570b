"""`TerminateOnNaN`: stop training when the loss becomes NaN or infinite."""

from __future__ import annotations

import math

from strata.callbacks.callback import Callback


class TerminateOnNaN(Callback):
    """Stop `fit` when the training loss is NaN or infinite.

    The loss is checked whenever `fit` reports batch logs to the host (with a progress bar, or
    when another callback asks for every batch) and at the end of every epoch. It does not make
    `fit` report every batch: the logged loss is the epoch's running mean, so one non-finite batch
    keeps it non-finite until the epoch ends, and the check cannot miss it.

    Args:
        raise_error: if True, raise a RuntimeError at once instead of stopping gracefully (the
            other callbacks' `on_train_end` then does not run).

    Example:
        >>> import numpy as np, strata
        >>> x = strata.Input(shape=(1,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> history = model.fit(np.array([[np.inf]]), np.ones((1, 1)), epochs=5, verbose=0,
        ...                     callbacks=[TerminateOnNaN()])
        Epoch 1: Invalid loss, terminating training
        >>> len(history.epoch)
        1
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        self.raise_error = bool(raise_error)
        self._stopped = False

    def batch_hook_kinds(self) -> set[str]:
        # Checking the logs the engine reports anyway is enough; a batch hook of its own would
        # cost a host sync per step.
        return set()

    def on_train_begin(self, logs=None):
        self._stopped = False

    def on_batch_end(self, batch, logs=None):
        self._check(logs, f"Batch {batch}")

    def on_epoch_end(self, epoch, logs=None):
        # Without a progress bar `fit` reports no batches, so the epoch's logs are checked too.
        if not self._stopped:
            self._check(logs, f"Epoch {epoch + 1}")

    def _check(self, logs, where: str) -> None:
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered ({where.lower()}). Loss value: {loss}. Terminating "
                "training immediately."
            )
        print(f"{where}: Invalid loss, terminating training")
        self._stopped = True
        self.model.stop_training = True
