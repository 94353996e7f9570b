"""Learning-rate schedules: the learning rate as a pure function of the optimizer step.

Pass one as an optimizer's `learning_rate`; the compiled training step evaluates it at each step.

Example:
    >>> import strata
    >>> schedule = ExponentialDecay(0.1, decay_steps=100, decay_rate=0.9)
    >>> strata.optimizers.SGD(learning_rate=schedule).learning_rate
    0.10000000149011612
    >>> deserialize(serialize(schedule)).get_config() == schedule.get_config()
    True
"""

from strata.optimizers.schedules.base import LearningRateSchedule
from strata.optimizers.schedules.cosine_decay import CosineDecay, CosineDecayRestarts
from strata.optimizers.schedules.exponential_decay import ExponentialDecay
from strata.optimizers.schedules.inverse_time_decay import InverseTimeDecay
from strata.optimizers.schedules.piecewise_constant_decay import PiecewiseConstantDecay
from strata.optimizers.schedules.polynomial_decay import PolynomialDecay
from strata.utils.registry import lookup_identifier

CLASSES = {
    cls.__name__: cls
    for cls in (
        ExponentialDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
        InverseTimeDecay,
        CosineDecay,
        CosineDecayRestarts,
    )
}


def serialize(learning_rate_schedule) -> dict:
    """A schedule as the dict Keras 3 writes for it (``module``, ``class_name``, ``config``).

    Args:
        learning_rate_schedule: a built-in `LearningRateSchedule`.

    Example:
        >>> serialize(InverseTimeDecay(0.1, 1, 0.5))["class_name"]
        'InverseTimeDecay'
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(
            "serialize: expected a strata.optimizers.schedules.LearningRateSchedule; received "
            f"{type(learning_rate_schedule).__name__}."
        )
    return {
        "module": "keras.optimizers.schedules",
        "class_name": type(learning_rate_schedule).__name__,
        "config": learning_rate_schedule.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None) -> LearningRateSchedule:
    """Rebuild a schedule from `serialize`'s dict (a built-in class, or one in `custom_objects`).

    Args:
        config: a dict with ``class_name`` and ``config``.
        custom_objects: optional ``{name: class}`` for schedules defined outside strata.

    Example:
        >>> deserialize({"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.1,
        ...     "decay_steps": 10}}).decay_steps
        10
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "deserialize: expected a dict with 'class_name' and 'config' (as written by "
            f"serialize); received {config!r}."
        )
    table = {**CLASSES, **(custom_objects or {})}
    cls = lookup_identifier(config["class_name"], table, "learning rate schedule")
    return cls.from_config(config.get("config", {}))


__all__ = ["LearningRateSchedule", "serialize", "deserialize", *CLASSES]
