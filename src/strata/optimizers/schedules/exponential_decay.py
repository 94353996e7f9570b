"""`ExponentialDecay`: ``initial_learning_rate * decay_rate ** (step / decay_steps)``."""

from __future__ import annotations

import jax.numpy as jnp

from strata.optimizers.schedules.base import (
    LearningRateSchedule,
    as_float32,
    check_number,
    check_positive,
    periods_passed,
)


class ExponentialDecay(LearningRateSchedule):
    """Multiply the learning rate by `decay_rate` every `decay_steps` steps, smoothly or in stairs.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: steps over which the rate is multiplied by `decay_rate` (> 0).
        decay_rate: the factor per `decay_steps` steps.
        staircase: if True, ``step / decay_steps`` is floored, so the rate drops in steps.
        name: a name for the schedule.

    Called with a step (an int or a scalar int array), returns a float32 scalar.

    Example:
        >>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True)
        >>> [round(float(schedule(step)), 4) for step in (0, 9, 10, 25)]
        [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        decay_rate,
        staircase=False,
        name="ExponentialDecay",
    ):
        check_number("ExponentialDecay", "initial_learning_rate", initial_learning_rate)
        check_positive("ExponentialDecay", "decay_steps", decay_steps)
        check_number("ExponentialDecay", "decay_rate", decay_rate)
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
        return jnp.float32(self.initial_learning_rate) * jnp.power(jnp.float32(self.decay_rate), p)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }
