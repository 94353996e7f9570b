"""Rank alignment shared by losses, reductions and metrics.

Keras 3 lets targets of shape ``(N,)`` meet outputs of shape ``(N, 1)``: when two ranks differ by
exactly one and the longer array ends in a 1-axis, that axis is squeezed, except that a rank-1
array is expanded instead (so ``(N,)`` against ``(N, 1)`` becomes ``(N, 1)`` on both sides).

Example:
    >>> import jax.numpy as jnp
    >>> a, b = squeeze_or_expand(jnp.zeros(4), jnp.zeros((4, 1)))
    >>> a.shape, b.shape
    ((4, 1), (4, 1))
"""

from __future__ import annotations

import jax.numpy as jnp


def squeeze_or_expand(x1, x2):
    """Bring `x1` and `x2` to the same rank when they differ by one trailing 1-axis.

    Args:
        x1, x2: arrays.

    Returns:
        ``(x1, x2)``, one of them squeezed or expanded on its last axis, or both unchanged.

    Example:
        >>> a, b = squeeze_or_expand(jnp.zeros((4, 3, 1)), jnp.zeros((4, 3)))
        >>> a.shape, b.shape
        ((4, 3), (4, 3))
    """
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1:
            return x1, jnp.expand_dims(x2, -1)
        return jnp.squeeze(x1, -1), x2
    if x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1:
            return jnp.expand_dims(x1, -1), x2
        return x1, jnp.squeeze(x2, -1)
    return x1, x2


def align_ranks(y_true, y_pred):
    """`y_pred` as a float array, `y_true` cast to its dtype, ranks aligned by `squeeze_or_expand`.

    Args:
        y_true: targets, ``(N, ...)``.
        y_pred: predictions, ``(N, ...)``.

    Returns:
        ``(y_true, y_pred)`` as JAX arrays of one float dtype.

    Example:
        >>> t, p = align_ranks([1, 0], [[0.5], [0.2]])
        >>> t.shape, t.dtype
        ((2, 1), dtype('float32'))
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    y_true = jnp.asarray(y_true).astype(y_pred.dtype)
    return squeeze_or_expand(y_true, y_pred)


def pad_rank(x, ndim: int):
    """`x` with trailing 1-axes appended until it has `ndim` axes (for broadcasting weights).

    Example:
        >>> pad_rank(jnp.ones(4), 3).shape
        (4, 1, 1)
    """
    while x.ndim < ndim:
        x = jnp.expand_dims(x, -1)
    return x
