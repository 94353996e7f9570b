"""Accuracy formulas (one value per sample) and their metric classes.

Example:
    >>> import numpy as np
    >>> float(BinaryAccuracy()(np.array([[1.0], [0.0]]), np.array([[0.9], [0.8]])))
    0.5
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses.functions import sparse_labels
from strata.losses.ranks import align_ranks
from strata.metrics.base import wrapper_class


def _argmax(x):
    # Keras's argmax on the CPU (JAX backend) ranks -0.0 below 0.0, so a tie between them goes
    # to the +0.0 entry; everything else is `jnp.argmax` (first maximum, NaN counts as largest).
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.promote_types(x.dtype, jnp.float32))
        negative_zero = (x == 0.0) & jnp.signbit(x)
        x = jnp.where(negative_zero, -jnp.finfo(x.dtype).tiny, x)
    return jnp.argmax(x, axis=-1)


def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` exactly, per element.

    Example:
        >>> accuracy([[1.0], [2.0]], [[1.0], [0.0]]).tolist()
        [[1.0], [0.0]]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    return (y_true == y_pred).astype(jnp.float32)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_true == (y_pred > threshold)``, per element (Keras 3 does not average).

    Args:
        y_true: 0/1 targets, ``(N, ..., D)`` (``(N,)`` against ``(N, 1)`` is aligned).
        y_pred: probabilities (or scores), ``(N, ..., D)``.
        threshold: predictions above it count as 1.

    Example:
        >>> binary_accuracy([[1.0, 0.0]], [[0.7, 0.6]]).tolist()
        [[1.0, 0.0]]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    predicted = (y_pred > threshold).astype(y_true.dtype)
    return (y_true == predicted).astype(jnp.float32)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the argmax of one-hot `y_true` equals the argmax of `y_pred` (first on ties).

    Example:
        >>> categorical_accuracy([[0.0, 1.0], [1.0, 0.0]], [[0.2, 0.8], [0.3, 0.7]]).tolist()
        [1.0, 0.0]
    """
    return (_argmax(y_true) == _argmax(y_pred)).astype(jnp.float32)


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the argmax of `y_pred`; labels ``(N,)`` or ``(N, 1)``.

    Example:
        >>> sparse_categorical_accuracy([1, 0], [[0.2, 0.8], [0.3, 0.7]]).tolist()
        [1.0, 0.0]
    """
    y_pred = jnp.asarray(y_pred)
    labels = sparse_labels(y_true, y_pred)
    # Compared in the labels' dtype, as Keras does: a label of 1.5 never matches.
    return (labels == _argmax(y_pred).astype(labels.dtype)).astype(jnp.float32)


def _in_top_k(y_pred, labels, k):
    # Keras's rule: a label is found when fewer than k classes score strictly higher (so ties
    # count in its favour); a NaN score at the label ranks below everything.
    label_score = jnp.take_along_axis(y_pred, labels[..., None].astype(jnp.int32), axis=-1)
    label_score = jnp.where(jnp.isnan(label_score), -jnp.inf, label_score)
    higher = jnp.sum(y_pred > label_score, axis=-1)
    return (higher < k).astype(jnp.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the class of one-hot `y_true` is among the `k` highest scores of `y_pred`.

    Example:
        >>> top_k_categorical_accuracy([[0.0, 0.0, 1.0]], [[0.5, 0.3, 0.2]], k=2).tolist()
        [0.0]
    """
    y_pred = jnp.asarray(y_pred)
    return _in_top_k(y_pred, _argmax(y_true), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the `k` highest scores of `y_pred`.

    Args:
        y_true: labels, ``(N,)`` or ``(N, 1)``.
        y_pred: scores ``(N, C)``; or, with `from_sorted_ids`, class ids sorted by decreasing
            score, ``(N, M)`` with ``M >= k``.
        k: how many top classes count.
        from_sorted_ids: whether `y_pred` holds sorted class ids.

    Example:
        >>> sparse_top_k_categorical_accuracy([2], [[0.5, 0.3, 0.2]], k=2).tolist()
        [0.0]
    """
    y_pred = jnp.asarray(y_pred)
    labels = sparse_labels(y_true, y_pred)
    if from_sorted_ids:
        ids = y_pred[..., :k]
        return jnp.any(labels[..., None].astype(ids.dtype) == ids, axis=-1).astype(jnp.float32)
    return _in_top_k(y_pred, labels, k)


Accuracy = wrapper_class("Accuracy", accuracy, "accuracy")
BinaryAccuracy = wrapper_class(
    "BinaryAccuracy", binary_accuracy, "binary_accuracy", {"threshold": 0.5}
)
CategoricalAccuracy = wrapper_class(
    "CategoricalAccuracy", categorical_accuracy, "categorical_accuracy"
)
SparseCategoricalAccuracy = wrapper_class(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy"
)
TopKCategoricalAccuracy = wrapper_class(
    "TopKCategoricalAccuracy",
    top_k_categorical_accuracy,
    "top_k_categorical_accuracy",
    {"k": 5},
    order=("k", "name", "dtype"),
)
SparseTopKCategoricalAccuracy = wrapper_class(
    "SparseTopKCategoricalAccuracy",
    sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy",
    {"k": 5, "from_sorted_ids": False},
    order=("k", "name", "dtype", "from_sorted_ids"),
)
