"""Reducing per-sample loss values to a scalar, with sample weights and a padding mask.

One function serves both `Loss.__call__` and the training engine, so the engine's handling of a
padded last batch (mask = 0 on padding) gives exactly the loss of the unpadded batch.
"""

from __future__ import annotations

import jax.numpy as jnp

REDUCTIONS = ("sum_over_batch_size", "sum", "none", "mean", "mean_with_sample_weight")


def check_reduction(reduction, owner: str):
    if reduction is None:
        return "none"
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"{owner}: invalid `reduction` {reduction!r}; expected one of {list(REDUCTIONS)} or "
            "None."
        )
    return reduction


def _broadcast_weight(weight, values):
    weight = jnp.asarray(weight, dtype=values.dtype)
    while weight.ndim > values.ndim and weight.shape[-1] == 1:
        weight = jnp.squeeze(weight, -1)
    while weight.ndim < values.ndim:
        weight = jnp.expand_dims(weight, -1)
    return jnp.broadcast_to(weight, values.shape)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size", mask=None):
    """Weighted reduction of per-sample values.

    Args:
        values: per-sample losses, shape ``(batch, ...)``.
        sample_weight: optional weights broadcastable to `values` (``(batch,)`` or same shape).
        reduction: one of `REDUCTIONS`.
        mask: optional ``(batch,)`` 0/1 array marking real samples; padding counts for nothing,
            not even in the denominator of ``sum_over_batch_size``.

    Example:
        >>> float(reduce_values(jnp.array([1.0, 3.0]), mask=jnp.array([1.0, 0.0])))
        1.0
    """
    values = jnp.asarray(values)
    weight = None if sample_weight is None else _broadcast_weight(sample_weight, values)
    present = None if mask is None else _broadcast_weight(mask, values)
    if present is not None:
        weight = present if weight is None else weight * present
    if reduction == "none":
        return values if weight is None else values * weight
    weighted = values if weight is None else values * weight
    total = jnp.sum(weighted)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight":
        denominator = jnp.sum(weight) if weight is not None else values.size
    else:
        denominator = jnp.sum(present) if present is not None else values.size
    return jnp.where(denominator == 0, 0.0, total / jnp.maximum(denominator, 1e-30)).astype(
        values.dtype
    )
