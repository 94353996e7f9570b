"""`InverseTimeDecay`: ``initial_learning_rate / (1 + decay_rate * step / decay_steps)``."""

from __future__ import annotations

import jax.numpy as jnp

from strata.optimizers.schedules.base import (
    LearningRateSchedule,
    as_float32,
    check_number,
    check_positive,
    periods_passed,
)


class InverseTimeDecay(LearningRateSchedule):
    """Decay the learning rate as ``1 / t``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: the time scale of the decay (> 0).
        decay_rate: how fast the rate falls.
        staircase: if True, ``step / decay_steps`` is floored.
        name: a name for the schedule.

    Called with a step (an int or a scalar int array), returns a float32 scalar.

    Example:
        >>> schedule = InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)
        >>> [round(float(schedule(step)), 4) for step in (0, 1, 2)]
        [0.1, 0.0667, 0.05]
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="InverseTimeDecay",
    ):
        check_number("InverseTimeDecay", "initial_learning_rate", initial_learning_rate)
        check_positive("InverseTimeDecay", "decay_steps", decay_steps)
        check_number("InverseTimeDecay", "decay_rate", decay_rate)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        step, decay_steps = as_float32(step), jnp.float32(self.decay_steps)
        if self.staircase:
            p = periods_passed(step, decay_steps)
        else:
            p = step / decay_steps
        denominator = jnp.float32(1.0) + jnp.float32(self.decay_rate) * p
        return jnp.float32(self.initial_learning_rate) / denominator

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
