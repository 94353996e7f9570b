"""`strata.ops.linalg`: linear algebra (Keras's ``keras.ops.linalg``).

Example:
    >>> import numpy as np
    >>> from strata.ops import linalg
    >>> float(linalg.norm(np.array([3.0, 4.0])))
    5.0
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.ops._common import as_axis, float_input
from strata.ops._dispatch import keras_op

LINALG = "keras.src.ops.linalg"


@keras_op(LINALG)
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - Keras's argument name
    """A vector or matrix norm (`jnp.linalg.norm`)."""
    return jnp.linalg.norm(float_input(x), ord=ord, axis=as_axis(axis), keepdims=keepdims)


__all__ = [
    "norm",
]
