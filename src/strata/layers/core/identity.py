"""`Identity`: returns its inputs unchanged (a placeholder layer)."""

from __future__ import annotations

import jax

from strata.graph.symbolic import SymbolicTensor
from strata.layers.layer import Layer


class Identity(Layer):
    """Pass the inputs (any structure of arrays) through unchanged, with their mask.

    Shapes: the output has the input's shape and dtype.

    Example:
        >>> import numpy as np
        >>> Identity()(np.ones((1, 2))).tolist()
        [[1.0, 1.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_spec(self, inputs, *args, **kwargs):
        return jax.tree_util.tree_map(lambda t: SymbolicTensor(t.shape, t.dtype), inputs)
