"""tf.keras 2's ``optimizers.legacy``: the same optimizers, built by `strata.optimizers`.

Each name returns the `strata.optimizers` optimizer of the same name, with a one-time
`DeprecationWarning`. tf.keras 2's legacy `decay` argument is honoured as it was: the learning
rate at step ``t`` (0 on the first step) is ``learning_rate / (1 + decay * t)``, an
`InverseTimeDecay` schedule.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     optimizer = SGD(learning_rate=0.1, momentum=0.9, decay=0.5)
    >>> type(optimizer).__name__, round(float(optimizer._schedule(2)), 6)
    ('SGD', 0.05)
"""

from __future__ import annotations

from strata import optimizers
from strata._deprecation import warn_once
from strata.optimizers.schedules import InverseTimeDecay

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "Nadam", "Optimizer", "RMSprop", "SGD"]

Optimizer = optimizers.Optimizer


def _legacy(name: str):
    modern = getattr(optimizers, name)

    def build(*args, decay=None, **kwargs):
        warn_once(
            f"optimizers.legacy.{name}",
            f"`optimizers.legacy.{name}` is tf.keras 2's name; use `strata.optimizers.{name}` "
            "(the same optimizer; for `decay`, pass an `InverseTimeDecay` schedule as the "
            "learning rate).",
        )
        if decay is None or decay == 0:
            return modern(*args, **kwargs)
        if isinstance(decay, bool) or not isinstance(decay, int | float) or decay < 0:
            raise ValueError(
                f"optimizers.legacy.{name}: `decay` must be a float >= 0; received {decay!r}."
            )
        optimizer = modern(*args, **kwargs)
        if optimizer._schedule is not None:
            raise ValueError(
                f"optimizers.legacy.{name}: `decay` cannot be combined with a learning-rate "
                "schedule; put the decay in the schedule."
            )
        optimizer._set_learning_rate_arg(
            InverseTimeDecay(optimizer._initial_learning_rate, decay_steps=1, decay_rate=decay)
        )
        return optimizer

    build.__name__ = build.__qualname__ = name
    build.__doc__ = f"`strata.optimizers.{name}`, accepting tf.keras 2's `decay` argument."
    return build


Adadelta = _legacy("Adadelta")
Adagrad = _legacy("Adagrad")
Adam = _legacy("Adam")
Adamax = _legacy("Adamax")
Nadam = _legacy("Nadam")
RMSprop = _legacy("RMSprop")
SGD = _legacy("SGD")
