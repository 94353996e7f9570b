"""Cosine schedules: `CosineDecay` (with optional linear warmup) and `CosineDecayRestarts` (SGDR).

Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017; linear
warmup as in Goyal et al., 2017.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

from strata.optimizers.schedules.base import (
    LearningRateSchedule,
    as_float32,
    check_number,
    check_positive,
    periods_passed,
)


def _cosine(fraction):
    """``0.5 * (1 + cos(pi * fraction))``: 1 at 0, 0 at 1."""
    return 0.5 * (1.0 + jnp.cos(jnp.float32(math.pi) * fraction))


@jax.jit
def _geometric_restart(fraction, t_mul):
    """(index of the current period, fraction of it done) when periods grow by `t_mul`.

    Period i starts at ``(1 - t_mul**i) / (1 - t_mul)`` first periods. The subtraction cancels
    digits, so float32 rounding differences are amplified; compiling this as one kernel (as
    Keras's `cond` branch is compiled) gives the same values eagerly as inside a training step.
    """
    restart = jnp.floor(jnp.log(1.0 - fraction * (1.0 - t_mul)) / jnp.log(t_mul))
    start = (1.0 - jnp.power(t_mul, restart)) / (1.0 - t_mul)
    return restart, (fraction - start) / jnp.power(t_mul, restart)


class CosineDecay(LearningRateSchedule):
    """Cosine decay from a start rate to ``alpha`` times it over `decay_steps`, after a warmup.

    Without `warmup_target`, the rate decays from `initial_learning_rate`. With it, the rate first
    rises linearly from `initial_learning_rate` to `warmup_target` over `warmup_steps`, then
    decays from `warmup_target`.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: steps of the cosine decay (> 0).
        alpha: the final rate as a fraction of the decay's start rate.
        name: a name for the schedule.
        warmup_target: the rate reached at the end of the warmup, or None for no warmup.
        warmup_steps: steps of the linear warmup.

    Called with a step (an int or a scalar int array), returns a float32 scalar.

    Example:
        >>> schedule = CosineDecay(1.0, decay_steps=10)
        >>> [round(float(schedule(step)), 4) for step in (0, 5, 10, 20)]
        [1.0, 0.5, 0.0, 0.0]
        >>> warm = CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
        >>> [round(float(warm(step)), 4) for step in (0, 2, 4, 9)]
        [0.0, 0.5, 1.0, 0.5]
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name="CosineDecay",
        warmup_target=None,
        warmup_steps=0,
    ):
        check_number("CosineDecay", "initial_learning_rate", initial_learning_rate)
        check_positive("CosineDecay", "decay_steps", decay_steps)
        check_number("CosineDecay", "alpha", alpha)
        if warmup_target is not None:
            check_number("CosineDecay", "warmup_target", warmup_target)
        check_number("CosineDecay", "warmup_steps", warmup_steps)
        if warmup_steps < 0:
            raise ValueError(
                f"CosineDecay: `warmup_steps` must be >= 0; received warmup_steps={warmup_steps}."
            )
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_steps, start):
        # Keras applies `alpha` as a Python float here (and as float32 in CosineDecayRestarts).
        return start * ((1 - self.alpha) * _cosine(step / decay_steps) + self.alpha)

    def __call__(self, step):
        initial = jnp.float32(self.initial_learning_rate)
        decay_steps = jnp.float32(self.decay_steps)
        step = as_float32(step)
        if self.warmup_target is None:
            return self._decay(jnp.minimum(step, decay_steps), decay_steps, initial)
        target = jnp.float32(self.warmup_target)
        warmup_steps = jnp.float32(self.warmup_steps)
        step = jnp.minimum(step, decay_steps + warmup_steps)
        warmup = (target - initial) * (step / warmup_steps) + initial
        decay = self._decay(step - warmup_steps, decay_steps, target)
        return jnp.where(step < warmup_steps, warmup, decay)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR).

    The rate decays from `initial_learning_rate` to ``alpha`` times it over `first_decay_steps`,
    then restarts; each period is `t_mul` times longer than the last and starts `m_mul` times
    lower.

    Args:
        initial_learning_rate: the learning rate at step 0.
        first_decay_steps: the length of the first period (> 0).
        t_mul: growth factor of the period length.
        m_mul: factor on the starting rate of each new period.
        alpha: the rate at the end of a period, as a fraction of `initial_learning_rate`.
        name: a name for the schedule.

    Called with a step (an int or a scalar int array), returns a float32 scalar.

    Example:
        >>> schedule = CosineDecayRestarts(1.0, first_decay_steps=10, t_mul=1.0, m_mul=0.5)
        >>> [round(float(schedule(step)), 4) for step in (0, 5, 10, 15)]
        [1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self,
        initial_learning_rate,
        first_decay_steps,
        t_mul=2.0,
        m_mul=1.0,
        alpha=0.0,
        name="SGDRDecay",
    ):
        owner = "CosineDecayRestarts"
        check_number(owner, "initial_learning_rate", initial_learning_rate)
        check_positive(owner, "first_decay_steps", first_decay_steps)
        check_positive(owner, "t_mul", t_mul)
        check_number(owner, "m_mul", m_mul)
        check_number(owner, "alpha", alpha)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        alpha = jnp.float32(self.alpha)
        t_mul = jnp.float32(self.t_mul)
        step, first_decay_steps = as_float32(step), jnp.float32(self.first_decay_steps)
        fraction = step / first_decay_steps
        # Keras branches on t_mul == 1 with a traced `cond`; t_mul is a Python number here, so the
        # choice is made once, when the step is traced.
        if self.t_mul == 1.0:
            restart = periods_passed(step, first_decay_steps)
            fraction = fraction - restart
        else:
            restart, fraction = _geometric_restart(fraction, t_mul)
        decayed = (
            0.5
            * jnp.power(jnp.float32(self.m_mul), restart)
            * (1.0 + jnp.cos(jnp.float32(math.pi) * fraction))
        )
        return jnp.float32(self.initial_learning_rate) * ((1 - alpha) * decayed + alpha)

    def get_config(self) -> dict:
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }
