"""`LearningRateScheduler`: set the learning rate at the start of each epoch from a function."""

from __future__ import annotations

import inspect

import numpy as np

from strata.callbacks.callback import Callback


class LearningRateScheduler(Callback):
    """Call ``schedule(epoch, lr)`` at each epoch's start and use its result as the learning rate.

    The optimizer keeps its learning rate in its state, so changing it never recompiles the
    training step. At each epoch end the rate is added to the logs as ``learning_rate``.

    Args:
        schedule: a function of the epoch index (from 0) and the current learning rate (a float)
            that returns the new rate (a float). A one-argument ``schedule(epoch)`` is accepted too.
        verbose: 1 prints the rate set at each epoch.

    Example:
        >>> import numpy as np, strata
        >>> x = strata.Input(shape=(1,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model.compile(optimizer=strata.optimizers.SGD(0.1), loss="mse")
        >>> halve = LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch else lr)
        >>> halve.set_model(model)
        >>> halve.on_epoch_begin(0); halve.on_epoch_begin(1)
        >>> round(model.optimizer.learning_rate, 6)
        0.05
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError(
                "LearningRateScheduler: `schedule` must be a function (epoch, lr) -> new lr; "
                f"received {schedule!r}."
            )
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _accepts_two_arguments(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if self._takes_lr:
            learning_rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            learning_rate = self.schedule(epoch)
        learning_rate = _as_float(learning_rate)
        try:
            optimizer.learning_rate = learning_rate
        except TypeError as error:
            raise TypeError(
                "LearningRateScheduler cannot set the learning rate of an optimizer built with a "
                "learning-rate schedule. Give the optimizer a float learning rate, or drop this "
                "callback and let the schedule drive the rate."
            ) from error
        if self.verbose > 0:
            print(
                f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {learning_rate}."
            )

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def _accepts_two_arguments(fn) -> bool:
    """Whether `fn` can be called as ``fn(epoch, lr)`` (Keras 3's form) rather than ``fn(epoch)``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return True
    try:
        signature.bind(0, 0.0)
    except TypeError:
        return False
    return True


def _as_float(value) -> float:
    # Keras accepts only Python/NumPy floats; any real scalar (an int, a 0-d array such as
    # `lr * ops.exp(-0.1)`) is taken here, since the optimizer stores a float32 anyway.
    array = np.asarray(value) if not isinstance(value, str) else None
    if (
        array is None
        or array.shape != ()
        or isinstance(value, bool)
        or not np.issubdtype(array.dtype, np.number)
        or np.iscomplexobj(array)
    ):
        raise ValueError(
            "LearningRateScheduler: the `schedule` function must return a float learning rate; "
            f"it returned {value!r}."
        )
    result = float(array)
    if not result >= 0 or not np.isfinite(result):
        raise ValueError(
            "LearningRateScheduler: the `schedule` function returned learning rate "
            f"{result}; it must be a finite number >= 0."
        )
    return result
