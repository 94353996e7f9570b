"""`CategoricalGeneralizedCrossEntropy` (Zhang & Sabuncu, 2018): ``(1 - p_y ** q) / q``, a
cross-entropy robust to noisy labels (q -> 0 approaches cross-entropy, q = 1 the MAE).
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp

from strata.losses.classes import _loss_class


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p ** q) / q`` where ``p`` is the probability of the integer label `y_true`.

    Args:
        y_true: integer class labels, ``(N,)``.
        y_pred: class probabilities, ``(N, C)``.
        q: in (0, 1).

    Example:
        >>> round(float(categorical_generalized_cross_entropy([1], [[0.75, 0.25]], 0.5)[0]), 4)
        1.0
    """
    y_pred = jnp.asarray(y_pred)
    if not jnp.issubdtype(y_pred.dtype, jnp.floating):
        y_pred = y_pred.astype(jnp.float32)
    one_hot = jax.nn.one_hot(jnp.asarray(y_true).astype(jnp.int32), y_pred.shape[-1])
    p = jnp.sum(y_pred * one_hot.astype(y_pred.dtype), axis=-1)
    return (1 - jnp.power(p, q)) / q


_Base = _loss_class(
    "CategoricalGeneralizedCrossEntropy",
    categorical_generalized_cross_entropy,
    "categorical_generalized_cross_entropy",
    {"q": 0.5},
)


class CategoricalGeneralizedCrossEntropy(_Base):
    """Class form of `categorical_generalized_cross_entropy`.

    Example:
        >>> CategoricalGeneralizedCrossEntropy(q=0.7).get_config()["q"]
        0.7
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        q = self.fn_kwargs["q"]
        if not 0 < q < 1:
            raise ValueError(
                f"CategoricalGeneralizedCrossEntropy: q must be in the interval (0, 1). "
                f"Received: q={q!r}."
            )

    __init__.__signature__ = inspect.signature(_Base.__init__)
