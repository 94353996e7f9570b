"""`ReduceLROnPlateau`: lower the learning rate when a monitored quantity stops improving."""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from strata.callbacks.monitor_callback import MonitorCallback, check_count, check_real


class ReduceLROnPlateau(MonitorCallback):
    """Multiply the optimizer's learning rate by `factor` after `patience` epochs without progress.

    At each epoch end the current learning rate is added to the logs as ``learning_rate`` (so it
    appears in the `History`), before any reduction, as Keras does.

    Args:
        monitor: the log name to watch (default ``"val_loss"``).
        factor: the multiplier, in (0, 1): ``new_lr = lr * factor``.
        patience: epochs without improvement before a reduction.
        verbose: 1 prints a line at each reduction.
        mode: ``"auto"``, ``"min"`` or ``"max"`` (see `MonitorCallback`).
        min_delta: the least change that counts as an improvement.
        cooldown: epochs to wait after a reduction before counting patience again.
        min_lr: the learning rate is never reduced below this.

    Example:
        >>> import numpy as np, strata
        >>> x = strata.Input(shape=(1,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model.compile(optimizer=strata.optimizers.SGD(0.0), loss="mse")
        >>> callback = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
        >>> callback.set_model(model)
        >>> callback.on_train_begin()
        >>> model.optimizer.learning_rate = 0.1
        >>> for epoch, loss in enumerate([1.0, 1.0, 1.0]):
        ...     callback.on_epoch_end(epoch, {"loss": loss})
        >>> round(model.optimizer.learning_rate, 6)
        0.025
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        if "epsilon" in kwargs:
            # The tf.keras 2 spelling, still in tutorials: accepted with a warning.
            min_delta = kwargs.pop("epsilon")
            warnings.warn(
                "ReduceLROnPlateau: the `epsilon` argument is deprecated; use `min_delta` instead. "
                f"Using min_delta={min_delta}.",
                DeprecationWarning,
                stacklevel=2,
            )
        if kwargs:
            raise ValueError(
                f"ReduceLROnPlateau: argument(s) not recognized: {sorted(kwargs)}. See "
                "help(strata.callbacks.ReduceLROnPlateau) for the accepted arguments."
            )
        super().__init__(monitor, mode, min_delta=min_delta)
        check_real("ReduceLROnPlateau", "factor", factor)
        if not 0 <= factor < 1.0:
            raise ValueError(
                "ReduceLROnPlateau: `factor` must be in [0, 1) (the new learning rate is "
                f"lr * factor); received factor={factor}."
            )
        check_real("ReduceLROnPlateau", "min_lr", min_lr)
        if min_lr < 0:
            raise ValueError(f"ReduceLROnPlateau: `min_lr` must be >= 0; received min_lr={min_lr}.")
        self.factor = factor
        self.patience = check_count("ReduceLROnPlateau", "patience", patience)
        self.verbose = verbose
        self.cooldown = check_count("ReduceLROnPlateau", "cooldown", cooldown)
        self.min_lr = min_lr
        self.wait = 0
        self.cooldown_counter = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        self.resolve_direction()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = self.monitor_value(logs, "Learning rate reduction")
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.is_improvement(current, self.best):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old_lr = float(optimizer.learning_rate)
        # Keras compares with min_lr in float32: a rate stored as float32(min_lr) is at the floor.
        if old_lr > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            _set_learning_rate(optimizer, new_lr)
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0


def _set_learning_rate(optimizer, value: numbers.Real) -> None:
    try:
        optimizer.learning_rate = value
    except TypeError as error:
        raise TypeError(
            "ReduceLROnPlateau cannot change the learning rate of an optimizer built with a "
            "learning-rate schedule. Use a float learning rate with this callback, or let the "
            "schedule alone drive the rate."
        ) from error
