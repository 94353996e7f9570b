"""Turning integer ids into one-hot, multi-hot, count or TF-IDF vectors (NumPy and JAX forms).

Rules shared with Keras: ``one_hot`` encodes every element (a trailing axis of size 1 is
replaced by the encoding); ``multi_hot`` and ``count`` encode each sample, treating the last
axis as the sample's ids (a rank-1 input is one sample); ids outside ``[0, depth)`` are dropped.

Example:
    >>> import numpy as np
    >>> encode_numpy(np.array([[0, 2, 2]]), 3, "count").tolist()
    [[1.0, 0.0, 2.0]]
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

OUTPUT_MODES = ("one_hot", "multi_hot", "count")


def check_rank(owner: str, mode: str, shape) -> None:
    """Multi-hot and count outputs are defined for inputs of rank 1 or 2 (as in Keras)."""
    if mode != "one_hot" and len(shape) > 2:
        raise ValueError(
            f"{owner}: output_mode={mode!r} accepts inputs of rank 1 or 2 (samples of ids); "
            f"received shape {tuple(shape)}. Reshape to (batch, ids) first."
        )


def _one_hot_input(ids):
    if ids.ndim == 0:
        return ids.reshape(1)
    if ids.ndim > 1 and ids.shape[-1] == 1:
        return ids.reshape(ids.shape[:-1])
    return ids


def encode_numpy(ids, depth: int, mode: str, weights=None) -> np.ndarray:
    """Encode integer `ids` with NumPy (float32 output; `weights` scale counts)."""
    ids = np.asarray(ids).astype(np.int64)
    if mode == "one_hot":
        ids = _one_hot_input(ids)
        return (ids[..., None] == np.arange(depth)).astype(np.float32)
    single = ids.ndim <= 1
    rows = ids.reshape(1, -1) if single else ids
    values = np.ones(rows.shape, np.float32) if weights is None else np.asarray(weights, np.float32)
    values = values.reshape(rows.shape)
    valid = (rows >= 0) & (rows < depth)
    flat = (np.arange(rows.shape[0])[:, None] * depth + rows)[valid]
    out = np.bincount(flat, weights=values[valid], minlength=rows.shape[0] * depth)
    out = out.reshape(rows.shape[0], depth).astype(np.float32)
    if mode == "multi_hot":
        out = (out > 0).astype(np.float32)
    return out[0] if single else out


def encode_jax(ids, depth: int, mode: str, weights=None):
    """Encode integer `ids` with JAX (for use inside compiled models)."""
    ids = jnp.asarray(ids).astype(jnp.int32)
    if mode == "one_hot":
        ids = _one_hot_input(ids)
        return (ids[..., None] == jnp.arange(depth)).astype(jnp.float32)
    single = ids.ndim <= 1
    rows = ids.reshape(1, -1) if single else ids
    values = (
        jnp.ones(rows.shape, jnp.float32)
        if weights is None
        else jnp.asarray(weights, jnp.float32).reshape(rows.shape)
    )
    valid = (rows >= 0) & (rows < depth)
    # Out-of-range ids add 0 at a valid position (negative ids would wrap around otherwise).
    safe = jnp.where(valid, rows, 0)
    values = jnp.where(valid, values, 0.0)
    batch = jnp.arange(rows.shape[0])[:, None]
    out = jnp.zeros((rows.shape[0], depth), jnp.float32).at[batch, safe].add(values)
    if mode == "multi_hot":
        hits = (
            jnp.zeros((rows.shape[0], depth), jnp.float32)
            .at[batch, safe]
            .add(valid.astype(jnp.float32))
        )
        out = (hits > 0).astype(jnp.float32)
    return out[0] if single else out


def encoded_shape(input_shape, depth, mode):
    """The output shape of `encode_*` for an input shape (None for unknown sizes)."""
    shape = tuple(input_shape)
    if mode == "one_hot":
        if len(shape) == 0:
            return (1, depth)
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return (*shape, depth)
    if len(shape) <= 1:
        return (depth,)
    return (*shape[:-1], depth)
