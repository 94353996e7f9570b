"""Regression metrics: the loss formulas averaged over samples, RMSE, and cosine similarity.

Example:
    >>> import numpy as np
    >>> float(RootMeanSquaredError()(np.array([[0.0]]), np.array([[2.0]])))
    2.0
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses import functions as F
from strata.losses.ranks import align_ranks
from strata.metrics.base import Mean, wrapper_class


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity along `axis` (1 for equal directions): the negated loss formula.

    Example:
        >>> cosine_similarity([[1.0, 0.0]], [[2.0, 0.0]]).tolist()
        [1.0]
    """
    return -F.cosine_similarity(y_true, y_pred, axis=axis)


MeanSquaredError = wrapper_class("MeanSquaredError", F.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = wrapper_class("MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = wrapper_class(
    "MeanAbsolutePercentageError",
    F.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
)
MeanSquaredLogarithmicError = wrapper_class(
    "MeanSquaredLogarithmicError",
    F.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
)
CosineSimilarity = wrapper_class(
    "CosineSimilarity", cosine_similarity, "cosine_similarity", {"axis": -1}
)
# Keras names this metric "logcosh" (the loss is "log_cosh").
LogCoshError = wrapper_class("LogCoshError", F.log_cosh, "logcosh")


class RootMeanSquaredError(Mean):
    """Square root of the (weighted) mean of the squared errors.

    Example:
        >>> m = RootMeanSquaredError()
        >>> m.update_state([[0.0, 0.0]], [[3.0, 4.0]])
        >>> round(float(m.result()), 4)
        3.5355
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def update(self, state, y_true, y_pred, sample_weight=None, mask=None):
        y_true, y_pred = align_ranks(y_true, y_pred)
        return super().update(state, jnp.square(y_true - y_pred), sample_weight, mask)

    def result_of(self, state):
        return jnp.sqrt(super().result_of(state))
