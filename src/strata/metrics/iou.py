"""Intersection over union from a ``(num_classes, num_classes)`` confusion matrix: `IoU`,
`MeanIoU`, `BinaryIoU`, `OneHotIoU`, `OneHotMeanIoU`.

As in Keras, the matrix is kept in the metric's dtype, int32 by default: labels, class
predictions and sample weights are cast to it (fractional weights truncate).
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.metrics.base import Metric

_EPSILON = 1e-7


class IoU(Metric):
    """Mean intersection over union of the classes `target_class_ids`:
    ``tp / (tp + fp + fn)`` per class, averaged over those classes that occur.

    Args:
        num_classes: how many classes there are.
        target_class_ids: the class ids to average over.
        name: the metric name.
        dtype: the confusion matrix dtype (default int32, as Keras).
        ignore_class: a label id whose samples are left out (e.g. a "void" class).
        sparse_y_true: labels are class ids (else one-hot, reduced by argmax over `axis`).
        sparse_y_pred: predictions are class ids (else scores, reduced by argmax over `axis`).
        axis: the class axis of dense labels or predictions.

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(name=name, dtype=dtype or "int32")
        if not isinstance(num_classes, int) or num_classes < 1:
            raise ValueError(
                f"{type(self).__name__}: `num_classes` must be a positive integer. Received: "
                f"num_classes={num_classes!r}."
            )
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes:
            raise ValueError(
                f"{type(self).__name__}: target class id "
                f"{max(target_class_ids) if target_class_ids else None} is out of range, which "
                f"is [0, {num_classes}). Pass target_class_ids below num_classes={num_classes}."
            )
        self.num_classes = num_classes
        self.target_class_ids = target_class_ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis

    def init(self):
        shape = (self.num_classes, self.num_classes)
        return {"total_confusion_matrix": jnp.zeros(shape, self.dtype)}

    def update(self, state, y_true, y_pred, sample_weight=None):
        y_true, y_pred = jnp.asarray(y_true), jnp.asarray(y_pred)
        if not self.sparse_y_true:
            y_true = jnp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = jnp.argmax(y_pred, axis=self.axis)
        y_true = y_true.astype(self.dtype).reshape(-1)
        y_pred = y_pred.astype(self.dtype).reshape(-1)
        weight = jnp.asarray(1 if sample_weight is None else sample_weight).astype(self.dtype)
        weight = jnp.broadcast_to(weight.reshape(-1) if weight.ndim > 1 else weight, y_true.shape)
        valid = (y_true >= 0) & (y_true < self.num_classes)
        valid &= (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        weight = jnp.where(valid, weight, 0)
        rows, cols = jnp.where(valid, y_true, 0), jnp.where(valid, y_pred, 0)
        matrix = state["total_confusion_matrix"].at[rows, cols].add(weight)
        return {"total_confusion_matrix": matrix}

    def result_of(self, state):
        matrix = state["total_confusion_matrix"]
        tp = jnp.diag(matrix)
        denominator = jnp.sum(matrix, axis=0) + jnp.sum(matrix, axis=1) - tp
        ids = jnp.asarray(self.target_class_ids)
        tp = tp[ids].astype(jnp.float32)
        denominator = denominator[ids].astype(jnp.float32)
        # Classes that never occur count neither as 0 nor as 1: they are left out of the mean.
        occurs = denominator > 1e-9
        iou = jnp.where(occurs, tp / (denominator + _EPSILON), 0.0)
        return jnp.sum(iou) / (jnp.sum(occurs.astype(jnp.float32)) + _EPSILON)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
        }


class BinaryIoU(IoU):
    """`IoU` of two classes, predictions at or above `threshold` being class 1.

    Args:
        target_class_ids: ``[0]``, ``[1]`` or ``[0, 1]`` (their mean).
        threshold: scores at or above it predict class 1.
        name: the metric name.
        dtype: the confusion matrix dtype (default int32).

    Example:
        >>> m = BinaryIoU(target_class_ids=[0, 1], threshold=0.3)
        >>> m.update_state([0, 1, 0, 1], [0.1, 0.2, 0.4, 0.7])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update(self, state, y_true, y_pred, sample_weight=None):
        predicted = (jnp.asarray(y_pred, jnp.float32) >= self.threshold).astype(self.dtype)
        return super().update(state, y_true, predicted, sample_weight)

    def get_config(self) -> dict:
        return {
            "target_class_ids": self.target_class_ids,
            "threshold": self.threshold,
            "name": self.name,
            "dtype": self.dtype,
        }


class MeanIoU(IoU):
    """`IoU` averaged over all `num_classes` classes (those that occur).

    Arguments as `IoU`, without `target_class_ids`.

    Example:
        >>> m = MeanIoU(num_classes=2)
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> round(float(m.result()), 4)
        0.3333
    """

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            list(range(num_classes)) if isinstance(num_classes, int) else [],
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=sparse_y_true,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """`IoU` for one-hot labels (and, unless `sparse_y_pred`, score vectors).

    Example:
        >>> m = OneHotIoU(num_classes=2, target_class_ids=[1])
        >>> m.update_state([[1, 0], [0, 1]], [[0.8, 0.2], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        1.0
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_pred=False,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            target_class_ids,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """`MeanIoU` for one-hot labels (and, unless `sparse_y_pred`, score vectors).

    Example:
        >>> m = OneHotMeanIoU(num_classes=2)
        >>> m.update_state([[1, 0], [0, 1]], [[0.8, 0.2], [0.4, 0.6]])
        >>> round(float(m.result()), 4)
        1.0
    """

    def __init__(
        self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False, axis=-1
    ):
        super().__init__(
            num_classes,
            name=name,
            dtype=dtype,
            ignore_class=ignore_class,
            sparse_y_true=False,
            sparse_y_pred=sparse_y_pred,
            axis=axis,
        )

    def get_config(self) -> dict:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
