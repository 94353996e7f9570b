"""One rate at the best threshold where another reaches a value: `SensitivityAtSpecificity`,
`SpecificityAtSensitivity`, `PrecisionAtRecall`, `RecallAtPrecision`.

All four keep the four confusion counts at `num_thresholds` evenly spaced thresholds from 0 to 1
and report the largest value of one rate among thresholds where the other is at least the target.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.metrics.base import Metric
from strata.metrics.confusion import confusion_counts
from strata.metrics.confusion_metrics import divide_no_nan

_NAMES = {"tp": "true_positives", "fp": "false_positives"}
_NAMES |= {"tn": "true_negatives", "fn": "false_negatives"}


def _rates(state):
    tp, fp = state["true_positives"], state["false_positives"]
    tn, fn = state["true_negatives"], state["false_negatives"]
    return {
        "sensitivity": divide_no_nan(tp, tp + fn),
        "specificity": divide_no_nan(tn, tn + fp),
        "precision": divide_no_nan(tp, tp + fp),
        "recall": divide_no_nan(tp, tp + fn),
    }


class _RateAtRate(Metric):
    """Reports rate `_REPORTED` where rate `_TARGET` is at least the target value."""

    _TARGET = ""
    _REPORTED = ""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        owner = type(self).__name__
        if not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(
                f"{owner}: argument `{self._TARGET}` must be in the range [0, 1]. Received: "
                f"{self._TARGET}={value!r}. Pass the {self._TARGET} to reach, e.g. 0.5."
            )
        if not isinstance(num_thresholds, int) or num_thresholds <= 0:
            raise ValueError(
                f"{owner}: argument `num_thresholds` must be an integer > 0. Received: "
                f"num_thresholds={num_thresholds!r}."
            )
        self.value = value
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
        else:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0, *inner, 1.0]

    def init(self):
        n = len(self.thresholds)
        return {name: jnp.zeros((n,), jnp.float32) for name in _NAMES.values()}

    def update(self, state, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            evenly=self.num_thresholds > 1,
            class_id=self.class_id,
        )
        return {name: state[name] + counts[key] for key, name in _NAMES.items()}

    def result_of(self, state):
        rates = _rates(state)
        feasible = rates[self._TARGET] >= self.value
        return jnp.max(jnp.where(feasible, rates[self._REPORTED], 0.0), initial=0.0).astype(
            self.dtype
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "class_id": self.class_id,
            "num_thresholds": self.num_thresholds,
            self._TARGET: self.value,
        }


class SensitivityAtSpecificity(_RateAtRate):
    """The best sensitivity (recall) among thresholds whose specificity is at least `specificity`.

    Args:
        specificity: the specificity to reach, in [0, 1].
        num_thresholds: how many evenly spaced thresholds in [0, 1] to try (1 means 0.5).
        class_id: only this column of the last axis counts.
        name: the metric name.
        dtype: the result dtype.

    Example:
        >>> m = SensitivityAtSpecificity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """

    _TARGET, _REPORTED = "specificity", "sensitivity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name=name, dtype=dtype)


class SpecificityAtSensitivity(_RateAtRate):
    """The best specificity among thresholds whose sensitivity is at least `sensitivity`.

    Arguments as `SensitivityAtSpecificity`, with `sensitivity` the rate to reach.

    Example:
        >>> m = SpecificityAtSensitivity(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> round(float(m.result()), 4)
        0.6667
    """

    _TARGET, _REPORTED = "sensitivity", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name=name, dtype=dtype)


class PrecisionAtRecall(_RateAtRate):
    """The best precision among thresholds whose recall is at least `recall`.

    Arguments as `SensitivityAtSpecificity`, with `recall` the rate to reach.

    Example:
        >>> m = PrecisionAtRecall(0.5)
        >>> m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
        >>> float(m.result())
        0.5
    """

    _TARGET, _REPORTED = "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name=name, dtype=dtype)


class RecallAtPrecision(_RateAtRate):
    """The best recall among thresholds whose precision is at least `precision`.

    Arguments as `SensitivityAtSpecificity`, with `precision` the rate to reach.

    Example:
        >>> m = RecallAtPrecision(0.8)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> float(m.result())
        0.5
    """

    _TARGET, _REPORTED = "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name=name, dtype=dtype)
