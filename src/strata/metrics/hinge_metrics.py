"""Hinge metrics: the hinge loss formulas averaged over samples.

Example:
    >>> import numpy as np
    >>> float(Hinge()(np.array([[1.0, 0.0]]), np.array([[0.5, 0.5]])))
    1.0
"""

from __future__ import annotations

from strata.losses import functions as F
from strata.metrics.base import wrapper_class

Hinge = wrapper_class("Hinge", F.hinge, "hinge")
SquaredHinge = wrapper_class("SquaredHinge", F.squared_hinge, "squared_hinge")
CategoricalHinge = wrapper_class("CategoricalHinge", F.categorical_hinge, "categorical_hinge")
