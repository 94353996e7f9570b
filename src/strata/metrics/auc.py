"""`AUC`: the area under the ROC, precision-recall or precision-recall-gain curve, summed over
thresholds from the four confusion counts (a Riemann sum, as Keras computes it).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from strata.metrics.base import Metric
from strata.metrics.confusion import confusion_counts, evenly_spaced, parse_thresholds
from strata.metrics.confusion_metrics import divide_no_nan

_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")
# Keras widens the outer thresholds by its epsilon so that scores of exactly 0 and 1 fall inside.
_EPSILON = 1e-7
_NAMES = {"tp": "true_positives", "fp": "false_positives"}
_NAMES |= {"tn": "true_negatives", "fn": "false_negatives"}


class AUC(Metric):
    """Area under a curve traced by thresholding the scores.

    Args:
        num_thresholds: how many evenly spaced thresholds (> 1) to use when `thresholds` is None.
        curve: ``"ROC"``, ``"PR"`` (precision-recall) or ``"PRGAIN"``.
        summation_method: ``"interpolation"`` (trapezoids; for PR, Davis & Goadrich's formula),
            ``"minoring"`` or ``"majoring"`` (lower or upper Riemann sums).
        name: the metric name.
        dtype: the result dtype.
        thresholds: explicit thresholds in [0, 1] (0 and 1 are added), instead of
            `num_thresholds`.
        multi_label: one curve per label (column), averaged, instead of pooling the labels.
        num_labels: the number of labels, with `multi_label` (strata needs it to size the state
            before the first batch; Keras reads it from the first batch).
        label_weights: per-label weights for pooling (or for averaging, with `multi_label`).
        from_logits: the scores are logits (a sigmoid is applied first).

    Example:
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> float(m.result())
        0.75
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name=name, dtype=dtype)
        if str(curve).lower() not in _CURVES:
            raise ValueError(
                f'AUC: invalid `curve` value "{curve}". Expected one of ["PR", "ROC", "PRGAIN"].'
            )
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f'AUC: invalid `summation_method` value "{summation_method}". Expected one of '
                '["interpolation", "majoring", "minoring"].'
            )
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(parse_thresholds("AUC", list(thresholds)))
            self.num_thresholds = len(inner) + 2
            self._evenly = evenly_spaced([0.0, *inner, 1.0])
        else:
            if not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(
                    "AUC: argument `num_thresholds` must be an integer > 1. Received: "
                    f"num_thresholds={num_thresholds!r}."
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self._thresholds = np.array([0.0 - _EPSILON, *inner, 1.0 + _EPSILON])
        self.curve = _CURVES[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        if num_labels and not multi_label:
            raise ValueError(
                "AUC: `num_labels` is needed only when `multi_label` is True. Received: "
                f"num_labels={num_labels!r}, multi_label=False."
            )
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else np.asarray(label_weights, "f4")
        self.from_logits = from_logits

    @property
    def thresholds(self) -> list[float]:
        return list(self._thresholds)

    def init(self):
        shape = (self.num_thresholds,)
        if self.multi_label:
            if not self.num_labels:
                raise ValueError(
                    f"AUC '{self.name}': with multi_label=True, strata sizes the state before the "
                    "first batch, so it needs the number of labels. Pass num_labels=... (the "
                    "number of columns of y_pred)."
                )
            shape = (self.num_thresholds, self.num_labels)
        return {name: jnp.zeros(shape, jnp.float32) for name in _NAMES.values()}

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        # Eagerly, the first batch tells the number of labels, as in Keras.
        if self._state is None and self.multi_label and not self.num_labels:
            shape = np.shape(y_pred)
            if len(shape) != 2:
                raise ValueError(
                    "AUC: `y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(shape)}. Full shape received for `y_pred`: {shape}"
                )
            self.num_labels = shape[1]
        super().update_state(y_true, y_pred, sample_weight)

    def update(self, state, y_true, y_pred, sample_weight=None):
        if self.from_logits:
            y_pred = jax.nn.sigmoid(jnp.asarray(y_pred, jnp.float32))
        counts = confusion_counts(
            y_true,
            y_pred,
            self._thresholds,
            sample_weight,
            evenly=self._evenly,
            multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights,
        )
        return {name: state[name] + counts[key] for key, name in _NAMES.items()}

    def result_of(self, state):
        tp, fp = state["true_positives"], state["false_positives"]
        tn, fn = state["true_negatives"], state["false_negatives"]
        if self.curve == "PR" and self.summation_method == "interpolation":
            terms = _pr_interpolated_terms(tp, fp, fn)
        else:
            x, y = _curve(self.curve, tp, fp, tn, fn)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = jnp.minimum(y[:-1], y[1:])
            else:
                heights = jnp.maximum(y[:-1], y[1:])
            terms = (x[:-1] - x[1:]) * heights
        return self._total(terms).astype(self.dtype)

    def _total(self, terms):
        if not self.multi_label:
            return jnp.sum(terms)
        by_label = jnp.sum(terms, axis=0)
        if self.label_weights is None:
            return jnp.mean(by_label)
        weights = jnp.asarray(self.label_weights)
        return divide_no_nan(jnp.sum(by_label * weights), jnp.sum(weights))

    def get_config(self) -> dict:
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self.from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config


def _curve(curve, tp, fp, tn, fn):
    """The curve's (x, y) points, one per threshold."""
    recall = divide_no_nan(tp, tp + fn)
    if curve == "ROC":
        return divide_no_nan(fp, fp + tn), recall
    if curve == "PR":
        return recall, divide_no_nan(tp, tp + fp)
    scale = divide_no_nan(tp + fn, tn + fp)
    recall_gain = jnp.where(tp == 0, 0.0, 1.0 - scale * divide_no_nan(fn, tp))
    precision_gain = jnp.where(tp == 0, 1.0, 1.0 - scale * divide_no_nan(fp, tp))
    return jnp.maximum(recall_gain, 0.0), precision_gain


def _pr_interpolated_terms(tp, fp, fn):
    # Davis & Goadrich (2006): between two thresholds, tp and the predicted positives p vary
    # linearly, so precision = tp / p integrates in closed form to
    # slope * (dtp + intercept * log(p_a / p_b)), normalised by the positives.
    p = tp + fp
    dtp = tp[:-1] - tp[1:]
    dp = p[:-1] - p[1:]
    slope = divide_no_nan(dtp, jnp.maximum(dp, 0.0))
    intercept = tp[1:] - slope * p[1:]
    both_positive = (p[:-1] > 0) & (p[1:] > 0)
    ratio = jnp.where(both_positive, divide_no_nan(p[:-1], jnp.maximum(p[1:], 0.0)), 1.0)
    return divide_no_nan(
        slope * (dtp + intercept * jnp.log(ratio)), jnp.maximum(tp[1:] + fn[1:], 0.0)
    )
