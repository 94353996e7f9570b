"""Regression metrics: the loss formulas averaged over samples, and RMSE.

Example:
    >>> import numpy as np
    >>> float(RootMeanSquaredError()(np.array([[0.0]]), np.array([[2.0]])))
    2.0
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses import functions as F
from strata.metrics.base import Mean, MeanMetricWrapper


def _regression_class(class_name, fn, default_name):
    def __init__(self, name=default_name, dtype=None):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype)

    doc = f"Mean of `{fn.__name__}` over samples."
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})


MeanSquaredError = _regression_class("MeanSquaredError", F.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _regression_class(
    "MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error"
)
MeanAbsolutePercentageError = _regression_class(
    "MeanAbsolutePercentageError",
    F.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
)
MeanSquaredLogarithmicError = _regression_class(
    "MeanSquaredLogarithmicError",
    F.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
)


class RootMeanSquaredError(Mean):
    """Square root of the mean squared error over all elements."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true, y_pred = F.align_ranks(y_true, y_pred)
        return super().update(state, jnp.square(y_true - y_pred), sample_weight)

    def result_of(self, state):
        return jnp.sqrt(super().result_of(state))
