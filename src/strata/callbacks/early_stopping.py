"""`EarlyStopping`: stop training when a monitored quantity stops improving."""

from __future__ import annotations

from strata.callbacks.monitor_callback import MonitorCallback, check_count


class EarlyStopping(MonitorCallback):
    """Stop `fit` once `monitor` has not improved for `patience` epochs.

    The decision is taken at the end of each epoch, so this callback adds no work per batch.

    Args:
        monitor: the log name to watch (default ``"val_loss"``).
        min_delta: the least change that counts as an improvement.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints a line when training stops or weights are restored.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see `MonitorCallback`).
        baseline: a value the monitored quantity must beat; until it does, the patience counter
            keeps running even when the value improves on the previous best.
        restore_best_weights: at the end of training, restore the weights of the best epoch
            (also when training ran to the last epoch without stopping).
        start_from_epoch: epochs to wait before monitoring starts (a warm-up).

    Example:
        >>> import numpy as np, strata
        >>> x = strata.Input(shape=(1,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model.compile(optimizer=strata.optimizers.SGD(0.0), loss="mse")
        >>> stop = EarlyStopping(monitor="loss", patience=2)
        >>> len(model.fit(np.ones((4, 1)), np.ones((4, 1)), epochs=10, verbose=0,
        ...               callbacks=[stop]).epoch)  # the loss never improves after epoch 1
        3
        >>> stop.stopped_epoch
        2
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
        start_from_epoch=0,
    ):
        super().__init__(monitor, mode, baseline=baseline, min_delta=min_delta)
        self.patience = check_count("EarlyStopping", "patience", patience)
        self.verbose = verbose
        self.restore_best_weights = bool(restore_best_weights)
        self.start_from_epoch = check_count("EarlyStopping", "start_from_epoch", start_from_epoch)
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        # A callback can serve several `fit` calls; each starts afresh, as in Keras.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        self.resolve_direction()
        current = self.monitor_value(logs, "Early stopping")
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Until something improves, the first monitored epoch is the best one.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self.is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # The patience restarts only for a value that also beats the baseline.
            if self.baseline is None or self.is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    "Restoring model weights from the end of the best epoch: "
                    f"{self.best_epoch + 1}."
                )
            self.model.set_weights(self.best_weights)
