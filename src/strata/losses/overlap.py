"""Overlap losses for segmentation: `dice` and its weighted generalisation `tversky`, one minus
the (weighted) overlap of targets and predictions over `axis` (all axes by default).
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses.classes import _loss_class
from strata.losses.functions import EPSILON


def _as_pair(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    return jnp.asarray(y_true, y_pred.dtype), y_pred


def dice(y_true, y_pred, axis=None):
    """``1 - 2·Σ(y_true·y_pred) / (Σy_true + Σy_pred)`` over `axis`.

    Example:
        >>> round(float(dice([[1.0, 0.0]], [[0.5, 0.5]])), 4)
        0.5
    """
    y_true, y_pred = _as_pair(y_true, y_pred)
    intersection = jnp.sum(y_true * y_pred, axis=axis)
    total = jnp.sum(y_true, axis=axis) + jnp.sum(y_pred, axis=axis)
    return 1 - 2.0 * intersection / (total + EPSILON)


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - tp / (tp + alpha·fp + beta·fn)`` over `axis`, with soft counts.

    Args:
        alpha: the weight of false positives.
        beta: the weight of false negatives (``alpha = beta = 0.5`` gives `dice`).

    Example:
        >>> round(float(tversky([[1.0, 0.0]], [[0.5, 0.5]])), 4)
        0.5
    """
    y_true, y_pred = _as_pair(y_true, y_pred)
    tp = jnp.sum(y_true * y_pred, axis=axis)
    # Keras's names: "fp" counts targets the predictions miss, "fn" predictions off target.
    fp = jnp.sum((1 - y_pred) * y_true, axis=axis)
    fn = jnp.sum(y_pred * (1 - y_true), axis=axis)
    return 1 - tp / (tp + fp * alpha + fn * beta + EPSILON)


Dice = _loss_class(
    "Dice", dice, "dice", {"axis": None}, order=("reduction", "name", "axis", "dtype")
)
Tversky = _loss_class(
    "Tversky",
    tversky,
    "tversky",
    {"alpha": 0.5, "beta": 0.5, "axis": None},
    order=("alpha", "beta", "reduction", "name", "axis", "dtype"),
)
