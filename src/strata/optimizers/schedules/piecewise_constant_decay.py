"""`PiecewiseConstantDecay`: a constant learning rate between step boundaries."""

from __future__ import annotations

import jax.numpy as jnp

from strata.optimizers.schedules.base import LearningRateSchedule, check_number


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[1]`` up to ``boundaries[1]``, ...

    Args:
        boundaries: increasing step numbers where the value changes (n entries).
        values: the n + 1 learning rates, one per interval.
        name: a name for the schedule.

    Called with a step (an int or a scalar int array), returns a float32 scalar.

    Example:
        >>> schedule = PiecewiseConstantDecay(boundaries=[10, 20], values=[1.0, 0.5, 0.1])
        >>> [float(schedule(step)) for step in (0, 10, 11, 20, 21)]
        [1.0, 1.0, 0.5, 0.5, 0.10000000149011612]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must have one element less than `values`; "
                f"received boundaries={boundaries} (length {len(boundaries)}) and values={values} "
                f"(length {len(values)})."
            )
        for i, boundary in enumerate(boundaries):
            check_number("PiecewiseConstantDecay", f"boundaries[{i}]", boundary)
        for i, value in enumerate(values):
            check_number("PiecewiseConstantDecay", f"values[{i}]", value)
        if any(later <= earlier for earlier, later in zip(boundaries, boundaries[1:])):
            raise ValueError(
                "PiecewiseConstantDecay: `boundaries` must be strictly increasing; received "
                f"boundaries={boundaries}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = jnp.asarray(step)
        # As Keras, the boundaries are compared in the step's dtype (an int step truncates them).
        interval = sum(
            (step > jnp.asarray(b).astype(step.dtype)).astype(jnp.int32) for b in self.boundaries
        )
        return jnp.asarray(self.values, jnp.float32)[interval]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}
