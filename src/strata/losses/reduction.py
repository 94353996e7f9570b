"""Reducing per-sample loss values to a scalar, with sample weights and a mask.

One function serves both `Loss.__call__` and the training engine, so the engine's handling of a
padded last batch (mask = 0 on padding) gives exactly the loss of the unpadded batch, and a loss's
own mask (``ignore_class``) leaves the ignored entries out of the mean as Keras 3 does.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses.ranks import pad_rank, squeeze_or_expand

REDUCTIONS = ("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight")


def check_reduction(reduction, owner: str):
    """`reduction` if valid (None becomes ``"none"``), else a ValueError naming `owner`.

    Example:
        >>> check_reduction(None, "Loss 'mse'")
        'none'
    """
    if reduction is None:
        return "none"
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(
            f"{owner}: invalid `reduction` {reduction!r}; expected one of {list(REDUCTIONS)} or "
            "None."
        )
    return reduction


def _aligned(values, weight):
    """`values` and `weight` with Keras's rank alignment, then `weight` padded to `values`' rank."""
    weight = jnp.asarray(weight).astype(values.dtype)
    values, weight = squeeze_or_expand(values, weight)
    return values, pad_rank(weight, values.ndim)


def _divide_no_nan(total, divisor):
    safe = jnp.where(divisor == 0, 1.0, divisor)
    return jnp.where(divisor == 0, 0.0, total / safe)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Weighted reduction of per-sample values.

    Args:
        values: per-sample losses, shape ``(batch, ...)``.
        sample_weight: optional weights, ``(batch,)``, ``(batch, 1)`` or the shape of `values`.
        reduction: one of `REDUCTIONS` or None (``"none"``); ``"mean"`` is
            ``"sum_over_batch_size"``.
        mask: optional 0/1 array, ``(batch,)`` or the shape of `values`, marking the entries that
            count; the others count for nothing, not even in a denominator.

    Returns:
        A scalar, or for ``"none"`` the weighted values.

    Example:
        >>> float(reduce_values(jnp.array([1.0, 3.0]), mask=jnp.array([1.0, 0.0])))
        1.0
        >>> float(reduce_values(jnp.array([1.0, 3.0]), jnp.array([1.0, 3.0]), "mean_with_sample_weight"))
        2.5
    """
    reduction = check_reduction(reduction, "reduce_values")
    values = jnp.asarray(values)
    if not jnp.issubdtype(values.dtype, jnp.floating):
        values = values.astype(jnp.float32)
    weight = keep = None
    if sample_weight is not None:
        values, weight = _aligned(values, sample_weight)
    if mask is not None:
        values, keep = _aligned(values, mask)
        if weight is not None:
            weight = pad_rank(weight, values.ndim)
    if values.ndim == 0:
        # A scalar is already reduced; Keras returns it, weighted.
        return values if weight is None else values * weight
    weighted = values
    if weight is not None:
        weighted = weighted * weight
    if keep is not None:
        weighted = weighted * keep
    if reduction == "none":
        return weighted
    total = jnp.sum(weighted)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and weight is not None:
        # Keras divides by the sum of the weights as given (a (batch, 1) weight counts once per
        # sample even when each sample has several values).
        divisor = jnp.sum(weight if keep is None else weight * keep)
    elif keep is None:
        divisor = jnp.asarray(weighted.size, values.dtype)
    else:
        divisor = jnp.sum(jnp.broadcast_to(keep, weighted.shape))
    return _divide_no_nan(total, divisor).astype(values.dtype)
