"""`PolynomialDecay`: from `initial_learning_rate` to `end_learning_rate` along a power curve."""

from __future__ import annotations

import jax.numpy as jnp

from strata.optimizers.schedules.base import (
    LearningRateSchedule,
    as_float32,
    check_number,
    check_positive,
    periods_passed,
)


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, held at `end` afterwards.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: steps to reach `end_learning_rate` (> 0).
        end_learning_rate: the final learning rate.
        power: the exponent of the curve (1.0 is linear).
        cycle: if True, restart the decay over the next multiple of `decay_steps` past the end.
        name: a name for the schedule.

    Called with a step (an int or a scalar int array), returns a float32 scalar.

    Example:
        >>> schedule = PolynomialDecay(1.0, decay_steps=4, end_learning_rate=0.0)
        >>> [float(schedule(step)) for step in (0, 1, 4, 8)]
        [1.0, 0.75, 0.0, 0.0]
        >>> float(PolynomialDecay(1.0, 4, 0.0, cycle=True)(6))  # decays over 8 steps now
        0.25
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        end_learning_rate=0.0001,
        power=1.0,
        cycle=False,
        name="PolynomialDecay",
    ):
        check_number("PolynomialDecay", "initial_learning_rate", initial_learning_rate)
        check_positive("PolynomialDecay", "decay_steps", decay_steps)
        check_number("PolynomialDecay", "end_learning_rate", end_learning_rate)
        check_number("PolynomialDecay", "power", power)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        initial = jnp.float32(self.initial_learning_rate)
        end = jnp.float32(self.end_learning_rate)
        step = as_float32(step)
        decay_steps = jnp.float32(self.decay_steps)
        if self.cycle:
            # Step 0 keeps one period, as Keras does (ceil(0) would make it zero steps long).
            periods = jnp.maximum(periods_passed(step, decay_steps, ceil=True), 1.0)
            decay_steps = decay_steps * periods
        else:
            step = jnp.minimum(step, decay_steps)
        # Compiled, step / decay_steps can exceed 1 by an ulp at the end of the decay, and a
        # fractional power of the negative remainder would be NaN (as it is in Keras).
        remaining = jnp.maximum(1 - step / decay_steps, 0.0)
        return (initial - end) * jnp.power(remaining, jnp.float32(self.power)) + end

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }
