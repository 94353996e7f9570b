"""The softmax over attention scores that gives masked positions zero weight.

Example:
    >>> import numpy as np
    >>> scores = np.zeros((1, 3), "float32")
    >>> masked_softmax(scores, np.array([[True, True, False]]), axis=-1).tolist()
    [[0.5, 0.5, 0.0]]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

# What masked scores are replaced by (Keras's value for float32 and bfloat16; float16 cannot
# hold it, so it gets the most negative value float16 comfortably represents).
_MASKED_SCORE = -1e9
_MASKED_SCORE_FLOAT16 = -3e4


def masked_softmax(scores, mask=None, axis=-1):
    """Softmax of `scores` over `axis` (an int or tuple), where `mask` (broadcastable, true = keep)
    is False the score is replaced by a large negative number.

    A row whose positions are all masked gets equal weights, as in Keras.
    """
    if mask is not None:
        fill = _MASKED_SCORE_FLOAT16 if scores.dtype == jnp.float16 else _MASKED_SCORE
        scores = jnp.where(jnp.asarray(mask).astype(bool), scores, jnp.asarray(fill, scores.dtype))
    return jax.nn.softmax(scores, axis=axis)
