"""`ELU`: the exponential linear unit."""

from __future__ import annotations

from strata import activations
from strata.layers.layer import Layer


class ELU(Layer):
    """``x`` for positive inputs, ``alpha * (exp(x) - 1)`` otherwise.

    Args:
        alpha: the scale of the negative part.

    Keras 3 leaves `alpha` out of the layer's config (a reloaded layer falls back to 1.0);
    strata writes it, and Keras reads such a config fine.

    Example:
        >>> import numpy as np
        >>> ELU(alpha=2.0)(np.array([0.0, 1.0])).tolist()
        [0.0, 1.0]
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, int | float):
            raise ValueError(f"ELU: `alpha` must be a float; received alpha={alpha!r}.")
        self.alpha = float(alpha)
        self.supports_masking = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}
