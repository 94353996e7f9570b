"""Weighted confusion-matrix counts at a list of thresholds: the state of `Precision`, `AUC` and
their siblings, computed as one pure function a compiled step can carry.

A prediction is positive at threshold ``t`` when it is strictly above ``t``; a label is positive
when it is nonzero (as in Keras).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from strata.losses.ranks import squeeze_or_expand

# Keras's stand-in for minus infinity when `top_k` drops a prediction.
NEG_INF = -1e10


def parse_thresholds(owner: str, thresholds, default=0.5) -> list[float]:
    """`thresholds` (None, a float or a list of floats in [0, 1]) as a list, as Keras reads it.

    Example:
        >>> parse_thresholds("Precision", None), parse_thresholds("Precision", [0.2, 0.7])
        ([0.5], [0.2, 0.7])
    """
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) else [thresholds]
    bad = [t for t in values if t is None or not 0 <= t <= 1]
    if bad:
        raise ValueError(
            f"{owner}: threshold values must be in [0, 1]. Received: thresholds={thresholds!r} "
            f"({bad} outside). Pass probabilities between 0 and 1."
        )
    return [float(t) for t in values]


def evenly_spaced(thresholds) -> bool:
    """Whether `thresholds` are ``0, 1/(n-1), ..., 1`` (n >= 3), which Keras counts by buckets."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=1e-7))


def confusion_counts(
    y_true,
    y_pred,
    thresholds,
    sample_weight=None,
    *,
    evenly: bool = False,
    top_k: int | None = None,
    class_id: int | None = None,
    multi_label: bool = False,
    label_weights=None,
) -> dict:
    """Weighted true/false positive/negative counts at each threshold.

    Args:
        y_true: labels (nonzero is positive), ``(N, ...)``.
        y_pred: scores, the shape of `y_true` (a trailing axis of 1 on either is aligned).
        thresholds: a list of T floats.
        sample_weight: None, or weights broadcastable to the labels (``(N,)`` weighs samples).
        evenly: the thresholds are evenly spaced from 0 to 1 (possibly widened by an epsilon at
            both ends); predictions are then clipped to [0, 1] and counted by buckets, as Keras.
        top_k: only each row's k largest scores may be positive.
        class_id: count only this column of the last axis.
        multi_label: keep one count per label (column) instead of pooling them.
        label_weights: per-label weights (pooled counts only).

    Returns:
        ``{"tp", "fp", "tn", "fn"}``, each ``(T,)``, or ``(T, L)`` with `multi_label`.

    Example:
        >>> counts = confusion_counts([1.0, 0.0, 1.0], [0.9, 0.6, 0.2], [0.5])
        >>> {k: v.tolist() for k, v in counts.items()}
        {'tp': [1.0], 'fp': [1.0], 'tn': [0.0], 'fn': [1.0]}
    """
    y_true = jnp.asarray(y_true, jnp.float32)
    y_pred = jnp.asarray(y_pred, jnp.float32)
    y_pred, y_true = squeeze_or_expand(y_pred, y_true)
    weight = None if sample_weight is None else _align_weight(y_true, sample_weight)
    if top_k is not None:
        kept = jax.lax.top_k(y_pred, top_k)[1]
        in_top = jnp.sum(jax.nn.one_hot(kept, y_pred.shape[-1]), axis=-2)
        y_pred = y_pred * in_top + NEG_INF * (1 - in_top)
    if class_id is not None:
        if y_pred.ndim == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {y_pred.shape}"
            )
        y_true, y_pred = y_true[..., class_id, None], y_pred[..., class_id, None]
    weight = 1.0 if weight is None else jnp.broadcast_to(weight, y_pred.shape)
    if label_weights is not None and not multi_label:
        weight = weight * jnp.broadcast_to(jnp.asarray(label_weights, jnp.float32), y_pred.shape)
    weight = jnp.broadcast_to(jnp.asarray(weight, jnp.float32), y_pred.shape)
    positive = (y_true != 0).astype(jnp.float32)
    if not multi_label:
        y_pred, positive, weight = y_pred.reshape(-1), positive.reshape(-1), weight.reshape(-1)
    thresholds = np.asarray(thresholds, np.float32)
    if evenly:
        return _bucketed(y_pred, positive, weight, thresholds, multi_label)
    return _compared(y_pred, positive, weight, thresholds, multi_label)


def _align_weight(y_true, sample_weight):
    # Keras adds a trailing axis, then drops it again unless the labels have one more axis:
    # (N,) weights against (N, C) labels weigh whole rows.
    weight = jnp.expand_dims(jnp.asarray(sample_weight, jnp.float32), -1)
    if weight.ndim == y_true.ndim + 1 and weight.shape[-1] == 1:
        weight = jnp.squeeze(weight, -1)
    return weight


def _compared(y_pred, positive, weight, thresholds, multi_label):
    t = thresholds.reshape((-1,) + (1,) * y_pred.ndim)
    predicted = y_pred[None] > t
    axis = 1 if multi_label else tuple(range(1, predicted.ndim))
    true_weight, false_weight = positive * weight, (1 - positive) * weight

    def total(weights, mask):
        return jnp.sum(jnp.where(mask, weights[None], 0.0), axis=axis)

    return {
        "tp": total(true_weight, predicted),
        "fp": total(false_weight, predicted),
        "tn": total(false_weight, ~predicted),
        "fn": total(true_weight, ~predicted),
    }


def _bucketed(y_pred, positive, weight, thresholds, multi_label):
    n = thresholds.shape[0]
    y_pred = jnp.clip(y_pred, 0.0, 1.0)
    # A score p is above threshold i/(n-1) when ceil(p * (n-1)) - 1 >= i: summing each bucket and
    # then cumulating from the top counts every threshold at once, with Keras's rounding.
    bucket = jnp.ceil(y_pred * (n - 1)) - 1
    if thresholds[0] < 0.0 or thresholds[-1] > 1.0:
        # The lowest threshold is just below 0, so a score of 0 is above it.
        bucket = jnp.maximum(bucket, 0)
    bucket = bucket.astype(jnp.int32)
    true_weight, false_weight = positive * weight, (1 - positive) * weight

    def above(values):
        if multi_label:
            per_label = jax.vmap(lambda v, b: jax.ops.segment_sum(v, b, num_segments=n), 1, 1)
            sums = per_label(values, bucket)
            return jnp.flip(jnp.cumsum(jnp.flip(sums, 0), axis=0), 0)
        sums = jax.ops.segment_sum(values, bucket, num_segments=n)
        return jnp.flip(jnp.cumsum(jnp.flip(sums)))

    tp, fp = above(true_weight), above(false_weight)
    axis = 0 if multi_label else None
    return {
        "tp": tp,
        "fp": fp,
        "tn": jnp.sum(false_weight, axis=axis) - fp,
        "fn": jnp.sum(true_weight, axis=axis) - tp,
    }
