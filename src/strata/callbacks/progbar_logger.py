"""`ProgbarLogger`: prints Keras-style progress for `fit`, `evaluate` and `predict`."""

from __future__ import annotations

from strata.callbacks.callback import Callback
from strata.utils.progbar import Progbar


class ProgbarLogger(Callback):
    """Epoch lines and a progress bar (verbose=1) or one line per epoch (verbose=2).

    The engine reports progress once per compiled chunk of steps; this callback's batch hooks do
    not force one step per call. Logs reach the bar sorted by name, as Keras's callbacks see them;
    with verbose=2 only the finished line is drawn, so its metrics are all in name order.
    """

    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self._bar = None
        self._mode = None

    def batch_hook_kinds(self) -> set[str]:
        return set()

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _new_bar(self):
        self._bar = Progbar(target=self.target, verbose=self.verbose)

    def _update(self, batch, logs):
        # Keras only feeds the bar per batch at verbose=1; at verbose=2 the epoch line's time per
        # step is then the plain average over the epoch.
        if self.verbose == 1:
            self._bar.update(batch + 1, _sorted(logs))

    def _finalize(self, logs):
        # As Keras: the finished line shows the full count even if the epoch stopped early, and an
        # unknown count becomes the number of steps seen (and the next epochs' target).
        if self.target is None:
            self.target = self._bar.seen
        self._bar.target = self.target
        self._bar.update(self.target, _sorted(logs), finalize=True)

    def on_train_begin(self, logs=None):
        self._mode = "train"

    def on_epoch_begin(self, epoch, logs=None):
        self._new_bar()
        if self.epochs > 1 and self.verbose:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._update(batch, logs)
        self._bar.seen = batch + 1

    def on_epoch_end(self, epoch, logs=None):
        self._finalize(logs)

    def on_test_begin(self, logs=None):
        # During fit the validation pass is silent; a standalone evaluate shows its own bar.
        if self._mode != "train":
            self._mode = "test"
            self._new_bar()

    def on_test_batch_end(self, batch, logs=None):
        if self._mode == "test":
            self._update(batch, logs)
            self._bar.seen = batch + 1

    def on_test_end(self, logs=None):
        if self._mode == "test":
            self._finalize(logs)

    def on_predict_begin(self, logs=None):
        self._mode = "predict"
        self._new_bar()

    def on_predict_batch_end(self, batch, logs=None):
        self._update(batch, None)
        self._bar.seen = batch + 1

    def on_predict_end(self, logs=None):
        self._finalize(None)


def _sorted(logs) -> list:
    return sorted((logs or {}).items())
