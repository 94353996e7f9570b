"""`LearningRateSchedule`: a learning rate as a pure function of the optimizer step.

A schedule is called with the step count, a traced int32 inside the compiled training step, so
its `__call__` is plain `jax.numpy` arithmetic with no Python branching on the step. Values are
computed in float32 with Keras 3's operation order, so they agree with Keras to float32 rounding.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.utils.validation import check_number


class LearningRateSchedule:
    """Base class of learning-rate schedules; subclasses implement `__call__(step)`.

    `get_config()` returns the constructor arguments and `from_config(config)` rebuilds the
    schedule. Any instance can be passed as an optimizer's `learning_rate`.

    Example:
        >>> class Halving(LearningRateSchedule):
        ...     def __init__(self, initial_learning_rate):
        ...         self.initial_learning_rate = initial_learning_rate
        ...     def __call__(self, step):
        ...         return self.initial_learning_rate / (1.0 + step)
        ...     def get_config(self):
        ...         return {"initial_learning_rate": self.initial_learning_rate}
        >>> float(Halving(0.1)(1))
        0.05
        >>> Halving.from_config(Halving(0.1).get_config()).initial_learning_rate
        0.1
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `__call__(self, step)`."
        )

    def get_config(self) -> dict:
        raise NotImplementedError(
            f"Learning rate schedule '{type(self).__name__}' must override `get_config()` to be "
            "serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


def as_float32(value):
    """`value` (a Python number or a traced step) as a float32 array, as Keras casts the step."""
    return jnp.asarray(value).astype(jnp.float32)


def check_positive(owner: str, name: str, value) -> None:
    """Raise a ValueError unless `value` is a number > 0 (Keras's check on decay steps)."""
    check_number(owner, name, value)
    if not value > 0:
        raise ValueError(f"{owner}: argument `{name}` must be > 0; received {name}={value}.")


def periods_passed(step, period, *, ceil=False):
    """``floor(step / period)`` (or ``ceil``) in float32, exact where `step` is a multiple.

    Compiled by XLA, ``step / period`` can become ``step * (1 / period)``, which lands a hair
    below or above an integer at exact multiples (with `period` 7, 13, 60 ...), so a staircase
    would change one step late or early. Keras computes the plain quotient and shares that flaw
    when compiled; here the integer is corrected by one where the product shows it is off.
    """
    q = jnp.ceil(step / period) if ceil else jnp.floor(step / period)
    if ceil:
        q = jnp.where((q - 1) * period >= step, q - 1, q)
        return jnp.where(q * period < step, q + 1, q)
    q = jnp.where((q + 1) * period <= step, q + 1, q)
    return jnp.where(q * period > step, q - 1, q)
