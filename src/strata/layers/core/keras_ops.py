"""Keras operations that appear as nodes in saved functional graphs.

Keras 3 records some tensor operations as graph nodes of their own; a masked `Embedding`, for
instance, is saved with a `NotEqual` node (``inputs != 0``) whose output is passed to the next
layer as its ``mask``. These small layers let strata load such files. They are looked up only
through the saving registry (module ``keras.src.ops.numpy``), never by importing anything.

Example:
    >>> import numpy as np
    >>> NotEqual()(np.array([[0, 3]]), 0).tolist()
    [[False, True]]
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.layer import Layer


class _ElementwiseComparison(Layer):
    compare = None
    keras_op_module = "keras.src.ops.numpy"

    def call(self, x1, x2):
        return type(self).compare(x1, x2)

    def compute_output_spec(self, x1, x2):
        from strata.graph.symbolic import SymbolicTensor

        return SymbolicTensor(x1.shape, "bool")

    def get_config(self) -> dict:
        return {"name": self.name}


class NotEqual(_ElementwiseComparison):
    """``x1 != x2`` elementwise."""

    compare = staticmethod(jnp.not_equal)


class Equal(_ElementwiseComparison):
    """``x1 == x2`` elementwise."""

    compare = staticmethod(jnp.equal)


OPS = {"NotEqual": NotEqual, "Equal": Equal}
