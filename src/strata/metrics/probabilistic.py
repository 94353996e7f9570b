"""Probabilistic metrics: the cross-entropy, KL and Poisson formulas averaged over samples.

Example:
    >>> import numpy as np
    >>> round(float(BinaryCrossentropy()(np.array([[1.0]]), np.array([[0.5]]))), 4)
    0.6931
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.losses import functions as F
from strata.losses.ranks import squeeze_or_expand
from strata.metrics.base import MeanMetricWrapper, wrapper_class

KLDivergence = wrapper_class("KLDivergence", F.kl_divergence, "kl_divergence")
Poisson = wrapper_class("Poisson", F.poisson, "poisson")
BinaryCrossentropy = wrapper_class(
    "BinaryCrossentropy",
    F.binary_crossentropy,
    "binary_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0},
)
CategoricalCrossentropy = wrapper_class(
    "CategoricalCrossentropy",
    F.categorical_crossentropy,
    "categorical_crossentropy",
    {"from_logits": False, "label_smoothing": 0.0, "axis": -1},
)


class SparseCategoricalCrossentropy(
    wrapper_class(
        "SparseCategoricalCrossentropy",
        F.sparse_categorical_crossentropy,
        "sparse_categorical_crossentropy",
        {"from_logits": False, "ignore_class": None, "axis": -1},
    )
):
    """Mean over samples of `sparse_categorical_crossentropy`.

    As in Keras 3, samples labelled `ignore_class` have value 0 and still count in the mean,
    except when a `sample_weight` is given: then their weight becomes 0.

    Example:
        >>> import numpy as np
        >>> m = SparseCategoricalCrossentropy(ignore_class=0)
        >>> round(float(m(np.array([1, 0]), np.array([[0.5, 0.5], [0.5, 0.5]]))), 4)
        0.3466
    """

    def update(self, state, y_true, y_pred, sample_weight=None, mask=None):
        keep = F.ignore_class_mask(y_true, y_pred, self.fn_kwargs["ignore_class"])
        if keep is not None and sample_weight is not None:
            keep, weight = squeeze_or_expand(keep, jnp.asarray(sample_weight, keep.dtype))
            sample_weight = weight * keep
        return MeanMetricWrapper.update(self, state, y_true, y_pred, sample_weight, mask)
