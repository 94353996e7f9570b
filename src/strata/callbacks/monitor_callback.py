"""`MonitorCallback`: the shared logic of callbacks that watch one logged quantity.

`EarlyStopping` and `ReduceLROnPlateau` decide on "is this value an improvement over the best so
far?": the direction comes from `mode` (or, in ``"auto"``, from the quantity's name and metric),
and `min_delta` sets how much better a value must be to count.
"""

from __future__ import annotations

import warnings

import numpy as np

from strata.callbacks.callback import Callback
from strata.utils.validation import check_int, check_number

_MODES = ("auto", "min", "max")

# Metric classes whose value improves as it grows (Keras 3 marks them with direction "up"); the
# other built-in metrics (errors, crossentropies, hinges, divergences) improve as they shrink.
_HIGHER_IS_BETTER = frozenset(
    {
        "Accuracy",
        "BinaryAccuracy",
        "CategoricalAccuracy",
        "SparseCategoricalAccuracy",
        "TopKCategoricalAccuracy",
        "SparseTopKCategoricalAccuracy",
        "AUC",
        "Precision",
        "Recall",
        "PrecisionAtRecall",
        "RecallAtPrecision",
        "SensitivityAtSpecificity",
        "SpecificityAtSensitivity",
        "F1Score",
        "FBetaScore",
        "R2Score",
        "PearsonCorrelation",
        "ConcordanceCorrelation",
        "CosineSimilarity",
        "IoU",
        "BinaryIoU",
        "MeanIoU",
        "OneHotIoU",
        "OneHotMeanIoU",
    }
)
_LOWER_IS_BETTER = frozenset(
    {
        "MeanSquaredError",
        "RootMeanSquaredError",
        "MeanAbsoluteError",
        "MeanAbsolutePercentageError",
        "MeanSquaredLogarithmicError",
        "LogCoshError",
        "Hinge",
        "SquaredHinge",
        "CategoricalHinge",
        "KLDivergence",
        "Poisson",
        "BinaryCrossentropy",
        "CategoricalCrossentropy",
        "SparseCategoricalCrossentropy",
        "BinaryFocalCrossentropy",
        "CategoricalFocalCrossentropy",
    }
)


def check_mode(owner: str, mode) -> str:
    if mode not in _MODES:
        # Keras warns and falls back to "auto"; a typo here silently changes the direction, so
        # strata refuses it.
        raise ValueError(
            f"{owner}: `mode` must be one of 'auto', 'min' or 'max'; received mode={mode!r}."
        )
    return mode


def check_count(owner: str, name: str, value) -> int:
    """A non-negative int argument (patience, cooldown, epochs)."""
    return check_int(owner, name, value, minimum=0)


check_real = check_number


class MonitorCallback(Callback):
    """Base of callbacks that compare a logged quantity with its best value so far.

    Args:
        monitor: the log name to watch (``"val_loss"``, ``"accuracy"`` ...).
        mode: ``"min"``, ``"max"``, or ``"auto"`` (from the name: losses go down; a compiled
            metric goes the way its class does, e.g. accuracy up, mean squared error down).
        baseline: an initial best value, or None.
        min_delta: the least change that counts as an improvement (its sign is ignored).

    Example:
        >>> watcher = MonitorCallback(monitor="val_loss", min_delta=0.1)
        >>> watcher.resolve_direction()
        >>> watcher.is_improvement(0.95, 1.0), watcher.is_improvement(0.85, 1.0)
        (False, True)
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(monitor, str):
            raise ValueError(
                f"{owner}: `monitor` must be the name of a logged quantity (a str such as "
                f"'val_loss'); received monitor={monitor!r}."
            )
        self.monitor = monitor
        self.mode = check_mode(owner, mode)
        self.baseline = check_real(owner, "baseline", baseline, optional=True)
        self.min_delta = abs(check_real(owner, "min_delta", min_delta))
        self.best = baseline
        self._higher_is_better = None

    def resolve_direction(self) -> None:
        """Decide whether the monitored value should go up or down (once, at the first epoch).

        Raises a ValueError in ``"auto"`` mode when the direction cannot be inferred.
        """
        if self._higher_is_better is not None:
            return
        if self.mode != "auto":
            self._higher_is_better = self.mode == "max"
            return
        name = self.monitor.removeprefix("val_")
        # Keras infers "min" for `loss`; `<output>_loss` of multi-output models is a loss too.
        if name == "loss" or name.endswith("_loss"):
            self._higher_is_better = False
            return
        metric = _compiled_metric(self.model, name)
        cls = type(metric).__name__
        direction = getattr(metric, "_direction", None)
        if direction in ("up", "down"):
            self._higher_is_better = direction == "up"
        elif cls in _HIGHER_IS_BETTER or cls in _LOWER_IS_BETTER:
            self._higher_is_better = cls in _HIGHER_IS_BETTER
        else:
            raise ValueError(
                f"{type(self).__name__}: cannot tell whether monitor={self.monitor!r} should be "
                "maximized or minimized. Pass mode='max' to keep the highest value, or mode='min' "
                "to keep the lowest."
            )

    def is_improvement(self, value, reference) -> bool:
        """Whether `value` beats `reference` (None: always) by more than `min_delta`."""
        if reference is None:
            return True
        # Keras compares with backend ops on float32 tensors; compare in float32 as well, so a
        # difference below float32 resolution is no improvement here either.
        if self._higher_is_better:
            return bool(np.float32(value - self.min_delta) > np.float32(reference))
        return bool(np.float32(value + self.min_delta) < np.float32(reference))

    def monitor_value(self, logs, what: str):
        """The monitored value from `logs`, or None with a warning naming the available keys."""
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            warnings.warn(
                f"{what} conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {','.join(logs)}.",
                UserWarning,
                stacklevel=3,
            )
        return value


def _compiled_metric(model, log_name: str):
    """The compiled metric object logged under `log_name` (without ``val_``), or None."""
    objectives = getattr(model, "_objectives", None)
    if objectives is None:
        return None
    groups = zip(objectives.metric_log_names(), objectives.metrics, objectives.weighted_metrics)
    for names, plain, weighted in groups:
        for name, metric in zip(names, list(plain) + list(weighted)):
            if name == log_name:
                return metric
    return None
