"""Correlation between targets and predictions along an axis, averaged over samples:
`PearsonCorrelation` and `ConcordanceCorrelation` with their function forms.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses.ranks import squeeze_or_expand
from strata.metrics.base import wrapper_class

_EPSILON = 1e-7


def _as_pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    return squeeze_or_expand(jnp.asarray(y_true, y_pred.dtype), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient of `y_true` and `y_pred` along `axis`.

    Example:
        >>> round(float(pearson_correlation([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])[0]), 4)
        0.9934
    """
    y_true, y_pred = _as_pair(y_true, y_pred)
    t = y_true - jnp.mean(y_true, axis=axis, keepdims=True)
    p = y_pred - jnp.mean(y_pred, axis=axis, keepdims=True)
    t = t / jnp.std(t, axis=axis, keepdims=True)
    p = p / jnp.std(p, axis=axis, keepdims=True)
    return jnp.mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient of `y_true` and `y_pred` along `axis`.

    Example:
        >>> round(float(concordance_correlation([[1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0]])[0]), 4)
        1.0
    """
    y_true, y_pred = _as_pair(y_true, y_pred)
    true_mean = jnp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = jnp.mean(y_pred, axis=axis, keepdims=True)
    true_var = jnp.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = jnp.var(y_pred - pred_mean, axis=axis, keepdims=True)
    # Keras centres y_true on the *predictions'* mean in the covariance term; kept for parity.
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + jnp.square(true_mean - pred_mean)
    return jnp.mean(2 * covariance / (norm + _EPSILON), axis=axis)


PearsonCorrelation = wrapper_class(
    "PearsonCorrelation",
    pearson_correlation,
    "pearson_correlation",
    options={"axis": -1},
    doc="Pearson's correlation along `axis`, averaged over samples.",
)
ConcordanceCorrelation = wrapper_class(
    "ConcordanceCorrelation",
    concordance_correlation,
    "concordance_correlation",
    options={"axis": -1},
    doc="Lin's concordance correlation along `axis`, averaged over samples.",
)
