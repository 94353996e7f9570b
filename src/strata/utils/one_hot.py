"""`to_categorical`: integer class labels to one-hot rows."""

from __future__ import annotations

import numbers

import numpy as np


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """One-hot encode integer class labels.

    Args:
        x: Integer labels in ``[0, num_classes)``, any shape. A trailing axis of size 1 (labels
            stored as a column, ``(n, 1)``) is dropped first, as Keras does.
        num_classes: Number of classes. Defaults to ``max(x) + 1``.

    Returns:
        A float64 NumPy array of shape ``x.shape + (num_classes,)`` (after dropping a trailing 1),
        with a 1 at each label's index and 0 elsewhere.

    Example:
        >>> to_categorical([0, 2, 1]).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
        >>> to_categorical([[1], [0]], num_classes=3).shape
        (2, 3)
    """
    labels = np.asarray(x)
    if labels.dtype == object or not (
        np.issubdtype(labels.dtype, np.number) or labels.dtype == bool
    ):
        raise TypeError(
            f"to_categorical: `x` must hold integer class labels; received an array of dtype "
            f"{labels.dtype}. Convert the labels to integers first."
        )
    if labels.size and not np.all(np.mod(labels, 1) == 0):
        raise ValueError(
            "to_categorical: `x` must hold whole-number class labels; received non-integer values "
            f"such as {labels[np.mod(labels, 1) != 0].flat[0]!r}."
        )
    labels = labels.astype(np.int64)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.size and labels.min() < 0:
        raise ValueError(
            f"to_categorical: class labels must be >= 0; received {int(labels.min())}."
        )
    if num_classes is None:
        if labels.size == 0:
            raise ValueError(
                "to_categorical: cannot infer `num_classes` from empty labels; pass num_classes."
            )
        num_classes = int(labels.max()) + 1
    elif (
        isinstance(num_classes, bool)
        or not isinstance(num_classes, numbers.Integral)
        or num_classes <= 0
    ):
        raise ValueError(
            f"to_categorical: `num_classes` must be a positive int or None; received "
            f"num_classes={num_classes!r}."
        )
    elif labels.size and labels.max() >= num_classes:
        raise ValueError(
            f"to_categorical: label {int(labels.max())} is out of range for "
            f"num_classes={num_classes}; labels must lie in [0, {num_classes}). Increase "
            "num_classes or leave it as None to infer it."
        )
    return np.eye(int(num_classes), dtype=np.float64)[labels]
