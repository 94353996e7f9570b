"""Counts and rates at thresholds: `TruePositives` ... `FalseNegatives`, `Precision`, `Recall`.

Each keeps Keras's variables (``accumulator``, or ``true_positives`` and a partner) as a state
dict with one entry per threshold; one threshold gives a scalar result, several give a vector.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.metrics.base import Metric
from strata.metrics.confusion import NEG_INF, confusion_counts, evenly_spaced, parse_thresholds


def divide_no_nan(a, b):
    """``a / b``, with 0 where ``b`` is 0."""
    return jnp.where(b == 0, 0.0, a / jnp.where(b == 0, 1.0, b))


class _ThresholdMetric(Metric):
    """Keeps the confusion counts `_KEYS` (state names `_NAMES`) at `thresholds`."""

    _KEYS: tuple[str, ...] = ()
    _NAMES: tuple[str, ...] = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        # With `top_k` and no thresholds, Keras counts every top-k score as positive.
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(type(self).__name__, thresholds, default)
        self._evenly = evenly_spaced(self.thresholds)
        self.top_k = top_k
        self.class_id = class_id

    def init(self):
        return {name: jnp.zeros((len(self.thresholds),), jnp.float32) for name in self._NAMES}

    def update(self, state, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            evenly=self._evenly,
            top_k=self.top_k,
            class_id=self.class_id,
        )
        return {name: state[name] + counts[key] for key, name in zip(self._KEYS, self._NAMES)}

    def _per_threshold(self, values):
        values = values.astype(self.dtype)
        return values[0] if len(self.thresholds) == 1 else values


class _Count(_ThresholdMetric):
    _NAMES = ("accumulator",)

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, name=name, dtype=dtype)

    def result_of(self, state):
        return self._per_threshold(state["accumulator"])

    def get_config(self) -> dict:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_Count):
    """The weighted number of positive labels predicted above each threshold.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); a score counts as positive
            when strictly above.
        name: the metric name.
        dtype: the result dtype.

    Example:
        >>> m = TruePositives()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> float(m.result())
        2.0
    """

    _KEYS = ("tp",)


class FalsePositives(_Count):
    """The weighted number of negative labels predicted above each threshold.

    Example:
        >>> float(FalsePositives()([0, 1, 0, 0], [0, 0, 1, 1]))
        2.0
    """

    _KEYS = ("fp",)


class TrueNegatives(_Count):
    """The weighted number of negative labels predicted at or below each threshold.

    Example:
        >>> float(TrueNegatives()([0, 1, 0, 0], [1, 1, 0, 0]))
        2.0
    """

    _KEYS = ("tn",)


class FalseNegatives(_Count):
    """The weighted number of positive labels predicted at or below each threshold.

    Example:
        >>> float(FalseNegatives()([0, 1, 1, 1], [0, 1, 0, 0]))
        2.0
    """

    _KEYS = ("fn",)


class _Rate(_ThresholdMetric):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name=name, dtype=dtype)

    def result_of(self, state):
        a, b = (state[name] for name in self._NAMES)
        return self._per_threshold(divide_no_nan(a, a + b))

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
        }


class Precision(_Rate):
    """The share of predicted positives that are positive: ``tp / (tp + fp)`` per threshold.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5, or every score with
            `top_k`); a score is positive when strictly above the threshold.
        top_k: only each row's k largest scores can be positive.
        class_id: only this column of the last axis counts.
        name: the metric name.
        dtype: the result dtype.

    Example:
        >>> m = Precision()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """

    _KEYS = ("tp", "fp")
    _NAMES = ("true_positives", "false_positives")


class Recall(_Rate):
    """The share of positives predicted positive: ``tp / (tp + fn)`` per threshold.

    Arguments as `Precision`.

    Example:
        >>> m = Recall()
        >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
        >>> round(float(m.result()), 4)
        0.6667
    """

    _KEYS = ("tp", "fn")
    _NAMES = ("true_positives", "false_negatives")
