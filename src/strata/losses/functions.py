"""Loss formulas: each takes ``(y_true, y_pred)`` and returns one value per sample.

These are the single definitions; the `Loss` classes in `classes.py` and the metrics wrap them.
Formulas follow Keras 3 (probabilities clipped to ``[1e-7, 1 - 1e-7]``; means over the last axis).

Example:
    >>> import jax.numpy as jnp
    >>> mean_squared_error(jnp.array([[1.0, 2.0]]), jnp.array([[1.0, 4.0]])).tolist()
    [2.0]
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from strata.losses.ranks import align_ranks

EPSILON = 1e-7

__all__ = [
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "huber",
    "log_cosh",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "hinge",
    "squared_hinge",
    "categorical_hinge",
    "kl_divergence",
    "poisson",
    "cosine_similarity",
]


def mean_squared_error(y_true, y_pred):
    """Mean of ``(y_true - y_pred)²`` over the last axis.

    Args:
        y_true: targets, ``(N, ..., D)``; ``(N,)`` against ``(N, 1)`` is accepted.
        y_pred: predictions, ``(N, ..., D)``.

    Returns:
        ``(N, ...)`` per-sample values.

    Example:
        >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).tolist()
        [0.5]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    return jnp.mean(jnp.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """Mean of ``|y_true - y_pred|`` over the last axis; shapes as `mean_squared_error`.

    Example:
        >>> mean_absolute_error([[0.0, 1.0]], [[1.0, 1.0]]).tolist()
        [0.5]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 · mean(|y_true - y_pred| / max(|y_true|, 1e-7))`` over the last axis.

    Example:
        >>> mean_absolute_percentage_error([[2.0, 4.0]], [[1.0, 4.0]]).tolist()
        [25.0]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    diff = jnp.abs((y_true - y_pred) / jnp.maximum(jnp.abs(y_true), EPSILON))
    return 100.0 * jnp.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean of ``(log(1 + y_pred) - log(1 + y_true))²``, both clipped below at 1e-7.

    Example:
        >>> round(float(mean_squared_logarithmic_error([[0.0]], [[1.0]])[0]), 4)
        0.4805
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    first = jnp.log(jnp.maximum(y_pred, EPSILON) + 1.0)
    second = jnp.log(jnp.maximum(y_true, EPSILON) + 1.0)
    return jnp.mean(jnp.square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Quadratic for errors up to `delta`, linear beyond; mean over the last axis.

    Args:
        delta: where the loss turns from quadratic to linear.

    Example:
        >>> huber([[0.0, 0.0]], [[0.5, 3.0]]).tolist()
        [1.3125]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    delta = jnp.asarray(delta, y_pred.dtype)
    error = jnp.abs(y_pred - y_true)
    quadratic = 0.5 * jnp.square(error)
    linear = delta * error - 0.5 * jnp.square(delta)
    return jnp.mean(jnp.where(error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """Mean of ``log(cosh(y_pred - y_true))``, computed without overflow.

    Example:
        >>> round(float(log_cosh([[0.0]], [[1.0]])[0]), 4)
        0.4338
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    x = y_pred - y_true
    return jnp.mean(x + jax.nn.softplus(-2.0 * x) - jnp.log(2.0).astype(x.dtype), axis=-1)


def _check_same_shape(loss: str, y_true, y_pred, hint: str = "") -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{loss}: y_true and y_pred must have the same shape. Received: "
            f"y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}.{hint}"
        )


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy per element, averaged over `axis`.

    Args:
        y_true: targets in ``[0, 1]``, same shape as `y_pred` (``(N,)`` vs ``(N, 1)`` is aligned).
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become ``y·(1 - ls) + 0.5·ls``.
        axis: the axis averaged over.

    Returns:
        ``y_pred.shape`` without `axis`.

    Example:
        >>> round(float(binary_crossentropy([[1.0]], [[0.5]])[0]), 4)
        0.6931
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        values = -y_true * jax.nn.log_sigmoid(y_pred) - (1.0 - y_true) * jax.nn.log_sigmoid(-y_pred)
    else:
        p = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
        values = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    return jnp.mean(values, axis=axis)


def _crossentropy(target, output, from_logits, axis):
    """``-Σ target · log p`` over `axis`; p is `output` renormalized and clipped, or a softmax."""
    if from_logits:
        log_p = jax.nn.log_softmax(output, axis=axis)
    else:
        p = output / jnp.sum(output, axis=axis, keepdims=True)
        log_p = jnp.log(jnp.clip(p, EPSILON, 1.0 - EPSILON))
    return -jnp.sum(target * log_p, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Cross-entropy between one-hot (or soft) targets and class scores along `axis`.

    Args:
        y_true: one-hot targets, same shape as `y_pred`.
        y_pred: probabilities (renormalized to sum 1), or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become ``y·(1 - ls) + ls / num_classes``.
        axis: the class axis.

    Returns:
        ``y_pred.shape`` without `axis`.

    Example:
        >>> round(float(categorical_crossentropy([[0.0, 1.0]], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    _check_same_shape(
        "categorical_crossentropy",
        y_true,
        y_pred,
        " For integer class labels use sparse_categorical_crossentropy.",
    )
    if y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=2,
        )
    if label_smoothing:
        # Keras counts classes on the last axis whatever `axis` is; the class axis is used here,
        # which is the same for the default axis=-1.
        classes = y_pred.shape[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return _crossentropy(y_true, y_pred, from_logits, axis)


def sparse_labels(y_true, y_pred):
    """Integer-class targets with a trailing 1-axis dropped when `y_true` has `y_pred`'s rank."""
    y_true = jnp.asarray(y_true)
    if y_true.ndim == jnp.ndim(y_pred) and y_true.shape[-1] == 1:
        y_true = jnp.squeeze(y_true, -1)
    return y_true


def ignore_class_mask(y_true, y_pred, ignore_class):
    """1.0 where the sparse label is not `ignore_class` (shape of the per-sample values), or None.

    Example:
        >>> ignore_class_mask([0, 2, 1], [[0.5, 0.5]] * 3, ignore_class=2).tolist()
        [1.0, 0.0, 1.0]
    """
    if ignore_class is None:
        return None
    y_pred = jnp.asarray(y_pred)
    labels = sparse_labels(y_true, y_pred)
    dtype = y_pred.dtype if jnp.issubdtype(y_pred.dtype, jnp.floating) else jnp.float32
    return (labels != ignore_class).astype(dtype)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical cross-entropy with integer class targets.

    Args:
        y_true: class indices, ``(N, ...)`` or ``(N, ..., 1)``.
        y_pred: class scores, ``(N, ..., C)`` (probabilities, or logits when `from_logits`).
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label whose samples get loss 0 (the `Loss` class also leaves them out of
            the mean).
        axis: the class axis.

    Returns:
        ``(N, ...)`` per-sample values.

    Example:
        >>> round(float(sparse_categorical_crossentropy([1], [[0.5, 0.5]])[0]), 4)
        0.6931
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    labels = sparse_labels(y_true, y_pred)
    if axis in (-1, y_pred.ndim - 1) and labels.shape != y_pred.shape[:-1]:
        raise ValueError(
            "sparse_categorical_crossentropy: y_true must have the shape of y_pred without its "
            f"class axis. Received: y_true.shape={tuple(jnp.shape(y_true))}, "
            f"y_pred.shape={tuple(y_pred.shape)}. For one-hot targets use "
            "categorical_crossentropy."
        )
    one_hot = jax.nn.one_hot(labels.astype(jnp.int32), y_pred.shape[axis], axis=axis)
    values = _crossentropy(one_hot.astype(y_pred.dtype), y_pred, from_logits, axis)
    keep = ignore_class_mask(labels, y_pred, ignore_class)
    if keep is not None:
        values = jnp.where(keep > 0, values, 0.0)
    return values


def _hinge_labels(y_true):
    # As in Keras: {0, 1} labels become {-1, 1} only when every label is 0 or 1; otherwise the
    # labels are used unchanged (a 0 among -1/1 labels stays 0).
    binary = jnp.all((y_true == 0) | (y_true == 1))
    return jnp.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """Mean of ``max(1 - y·ŷ, 0)``; labels in {-1, 1} (or {0, 1}, converted).

    Example:
        >>> hinge([[1.0, 0.0]], [[0.5, 0.5]]).tolist()
        [1.0]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    return jnp.mean(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """Mean of ``max(1 - y·ŷ, 0)²``; labels as in `hinge`.

    Example:
        >>> squared_hinge([[1.0, 0.0]], [[0.5, 0.5]]).tolist()
        [1.25]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    return jnp.mean(jnp.square(jnp.maximum(1.0 - _hinge_labels(y_true) * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``max(max((1 - y)·ŷ) - Σ y·ŷ + 1, 0)`` over the last axis; one-hot targets.

    Example:
        >>> round(float(categorical_hinge([[0.0, 1.0]], [[0.3, 0.6]])[0]), 4)
        0.7
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    pos = jnp.sum(y_true * y_pred, axis=-1)
    neg = jnp.max((1.0 - y_true) * y_pred, axis=-1)
    return jnp.maximum(neg - pos + 1.0, 0.0)


def kl_divergence(y_true, y_pred):
    """``Σ y·log(y / ŷ)`` over the last axis, both clipped to ``[1e-7, 1]``.

    Example:
        >>> kl_divergence([[1.0, 0.0]], [[1.0, 0.0]]).tolist()
        [0.0]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    y_true = jnp.clip(y_true, EPSILON, 1.0)
    y_pred = jnp.clip(y_pred, EPSILON, 1.0)
    return jnp.sum(y_true * jnp.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """Mean of ``ŷ - y·log(ŷ + 1e-7)`` over the last axis.

    Example:
        >>> poisson([[0.0]], [[2.0]]).tolist()
        [2.0]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    return jnp.mean(y_pred - y_true * jnp.log(y_pred + EPSILON), axis=-1)


def _l2_normalize(x, axis):
    # Keras caps the inverse norm at 1/epsilon; flooring the squared norm at epsilon² gives the
    # same values with a finite gradient at a zero vector.
    square_sum = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
    return x * jax.lax.rsqrt(jnp.maximum(square_sum, EPSILON**2))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis` (-1 for equal directions; 0 for a zero vector).

    Example:
        >>> cosine_similarity([[1.0, 0.0]], [[2.0, 0.0]]).tolist()
        [-1.0]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    return -jnp.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)
