"""`History`: records each epoch's logs; `fit` returns it."""

from __future__ import annotations

import numpy as np

from strata.callbacks.callback import Callback


class History(Callback):
    """``history.history`` maps each log name to its list of per-epoch values (Python floats).

    Example:
        >>> h = History()
        >>> h.on_train_begin()
        >>> h.on_epoch_end(0, {"loss": 1.5})
        >>> h.history, h.epoch
        ({'loss': [1.5]}, [0])
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            # A metric with one value per threshold stays an array, as in Keras.
            value = float(value) if np.ndim(value) == 0 else np.asarray(value)
            self.history.setdefault(key, []).append(value)
        if self.model is not None:
            self.model.history = self

    def __repr__(self) -> str:
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"
