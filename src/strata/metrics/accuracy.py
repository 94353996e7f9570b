"""Accuracy formulas (one value per sample) and their metric classes.

Example:
    >>> import numpy as np
    >>> float(BinaryAccuracy()(np.array([[1.0], [0.0]]), np.array([[0.9], [0.8]])))
    0.5
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses.functions import align_ranks
from strata.metrics.base import MeanMetricWrapper


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = align_ranks(y_true, y_pred)
    predicted = (y_pred > threshold).astype(y_pred.dtype)
    return jnp.mean((y_true == predicted).astype(jnp.float32), axis=-1)


def categorical_accuracy(y_true, y_pred):
    y_true, y_pred = align_ranks(y_true, y_pred)
    return (jnp.argmax(y_true, axis=-1) == jnp.argmax(y_pred, axis=-1)).astype(jnp.float32)


def _sparse_labels(y_true, y_pred):
    y_true = jnp.asarray(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    y_pred = jnp.asarray(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    predicted = jnp.argmax(y_pred, axis=-1)
    return (labels.astype(jnp.int32) == predicted).astype(jnp.float32)


def _in_top_k(y_pred, labels, k):
    # A label counts as found when fewer than k classes score strictly higher than it.
    label_score = jnp.take_along_axis(y_pred, labels[..., None].astype(jnp.int32), axis=-1)
    higher = jnp.sum(y_pred > label_score, axis=-1)
    return (higher < k).astype(jnp.float32)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = align_ranks(y_true, y_pred)
    return _in_top_k(y_pred, jnp.argmax(y_true, axis=-1), k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_pred = jnp.asarray(y_pred)
    return _in_top_k(y_pred, _sparse_labels(y_true, y_pred), k)


def accuracy(y_true, y_pred):
    y_true, y_pred = align_ranks(y_true, y_pred)
    return (y_true == y_pred).astype(jnp.float32)


def _accuracy_class(class_name, fn, default_name, **defaults):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(f"{class_name} got unexpected keyword argument(s) {sorted(unknown)}.")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **{**defaults, **kwargs})

    doc = f"Mean of `{fn.__name__}` over samples."
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})


Accuracy = _accuracy_class("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _accuracy_class(
    "BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5
)
CategoricalAccuracy = _accuracy_class(
    "CategoricalAccuracy", categorical_accuracy, "categorical_accuracy"
)
SparseCategoricalAccuracy = _accuracy_class(
    "SparseCategoricalAccuracy", sparse_categorical_accuracy, "sparse_categorical_accuracy"
)
TopKCategoricalAccuracy = _accuracy_class(
    "TopKCategoricalAccuracy", top_k_categorical_accuracy, "top_k_categorical_accuracy", k=5
)
SparseTopKCategoricalAccuracy = _accuracy_class(
    "SparseTopKCategoricalAccuracy",
    sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy",
    k=5,
)

