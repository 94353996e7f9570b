"""Focal cross-entropies (Lin et al., 2017): cross-entropy scaled down on examples the model
already gets right, ``(1 - p_t) ** gamma``.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.losses.classes import _loss_class
from strata.losses.functions import EPSILON
from strata.losses.ranks import align_ranks


def binary_focal_crossentropy(
    y_true,
    y_pred,
    apply_class_balancing=False,
    alpha=0.25,
    gamma=2.0,
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
):
    """Binary cross-entropy times ``(1 - p_t) ** gamma``, averaged over `axis`.

    Args:
        y_true: targets in ``[0, 1]``, the shape of `y_pred`.
        y_pred: probabilities, or logits when `from_logits`.
        apply_class_balancing: weigh positives by `alpha` and negatives by ``1 - alpha``.
        alpha: the positives' weight with `apply_class_balancing`.
        gamma: the focusing exponent (0 gives plain binary cross-entropy).
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become ``y·(1 - ls) + 0.5·ls``.
        axis: the axis averaged over.

    Example:
        >>> values = binary_focal_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
        >>> [round(float(v), 3) for v in values]
        [0.33, 0.206]
    """
    y_true, y_pred = align_ranks(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = jax.nn.sigmoid(y_pred)
    p = jnp.clip(y_pred, EPSILON, 1.0 - EPSILON)
    bce = -(y_true * jnp.log(p) + (1.0 - y_true) * jnp.log(1.0 - p))
    # As Keras, the focusing factor uses the unclipped probabilities.
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    values = jnp.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        values = (y_true * alpha + (1 - y_true) * (1 - alpha)) * values
    return jnp.mean(values, axis=axis)


def categorical_focal_crossentropy(
    y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1
):
    """Categorical cross-entropy per class times ``alpha · (1 - p) ** gamma``, summed over `axis`.

    Args:
        y_true: one-hot (or soft) targets, the shape of `y_pred`.
        y_pred: class probabilities, or logits when `from_logits`.
        alpha: a weight on every class.
        gamma: the focusing exponent.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: targets become ``y·(1 - ls) + ls / num_classes``.
        axis: the class axis.

    Example:
        >>> values = categorical_focal_crossentropy([[0, 1, 0]], [[0.05, 0.9, 0.05]])
        >>> round(float(values[0]), 6)
        0.000263
    """
    if isinstance(axis, bool):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}"
        )
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    y_true = jnp.asarray(y_true, y_pred.dtype)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = jax.nn.softmax(y_pred, axis=axis)
    output = y_pred / jnp.sum(y_pred, axis=axis, keepdims=True)
    output = jnp.clip(output, EPSILON, 1.0 - EPSILON)
    values = alpha * jnp.power(1.0 - output, gamma) * (-y_true * jnp.log(output))
    return jnp.sum(values, axis=axis)


BinaryFocalCrossentropy = _loss_class(
    "BinaryFocalCrossentropy",
    binary_focal_crossentropy,
    "binary_focal_crossentropy",
    {
        "apply_class_balancing": False,
        "alpha": 0.25,
        "gamma": 2.0,
        "from_logits": False,
        "label_smoothing": 0.0,
        "axis": -1,
    },
)
CategoricalFocalCrossentropy = _loss_class(
    "CategoricalFocalCrossentropy",
    categorical_focal_crossentropy,
    "categorical_focal_crossentropy",
    {"alpha": 0.25, "gamma": 2.0, "from_logits": False, "label_smoothing": 0.0, "axis": -1},
)
