"""`RepeatVector`: repeat each feature vector `n` times along a new time axis."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.core.dense import check_positive_int
from strata.layers.layer import Layer


class RepeatVector(Layer):
    """Repeat the input `n` times.

    Args:
        n: number of repetitions (a positive int).

    Shapes: ``(batch, features)`` -> ``(batch, n, features)``.

    Example:
        >>> import numpy as np
        >>> RepeatVector(3)(np.ones((2, 4))).shape
        (2, 3, 4)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = check_positive_int(f"RepeatVector '{self.name}'", "n", n)

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) != 2:
            raise ValueError(
                f"Layer '{self.name}' (RepeatVector) expects inputs of rank 2, (batch, features); "
                f"received shape {shape}. Flatten the input first."
            )

    def call(self, inputs):
        return jnp.repeat(inputs[:, None, :], self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return {**super().get_config(), "n": self.n}
