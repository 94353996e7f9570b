"""The softmax over attention scores that gives masked positions zero weight.

Example:
    >>> import numpy as np
    >>> scores = np.zeros((2, 3), "float32")
    >>> mask = np.array([[True, True, False], [False, False, False]])
    >>> masked_softmax(scores, mask, axis=-1).tolist()
    [[0.5, 0.5, 0.0], [0.0, 0.0, 0.0]]
    >>> uniform = masked_softmax(scores, mask, axis=-1, empty_rows="uniform")
    >>> [round(float(w), 3) for w in uniform[1]]
    [0.333, 0.333, 0.333]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

# What masked scores are replaced by (Keras's value for float32 and bfloat16; float16 cannot
# hold it, so it gets the most negative value float16 comfortably represents).
_MASKED_SCORE = -1e9
_MASKED_SCORE_FLOAT16 = -3e4


def masked_softmax(scores, mask=None, axis=-1, *, empty_rows: str = "zeros"):
    """Softmax of `scores` over `axis` (an int or tuple), where `mask` (broadcastable, true = keep)
    is False the score is replaced by a large negative number.

    Args:
        empty_rows: what a row with every position masked gets: ``"zeros"`` (no weight at all,
            as Keras's `Softmax` layer and `MultiHeadAttention`'s explicit path give) or
            ``"uniform"`` (equal weights, as Keras's `Attention` layers give).
    """
    if mask is None:
        return jax.nn.softmax(scores, axis=axis)
    mask = jnp.asarray(mask).astype(bool)
    fill = _MASKED_SCORE_FLOAT16 if scores.dtype == jnp.float16 else _MASKED_SCORE
    weights = jax.nn.softmax(jnp.where(mask, scores, jnp.asarray(fill, scores.dtype)), axis=axis)
    if empty_rows == "zeros":
        weights = jnp.where(mask, weights, jnp.zeros((), weights.dtype))
    return weights
