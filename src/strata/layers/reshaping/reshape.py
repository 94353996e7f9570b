"""`Reshape`: give each sample a new shape with the same number of elements."""

from __future__ import annotations

import math

from strata.layers.layer import Layer


class Reshape(Layer):
    """Reshape each sample to `target_shape` (one entry may be -1, inferred).

    Example:
        >>> import numpy as np
        >>> Reshape((3, 2))(np.ones((4, 6))).shape
        (4, 3, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        if sum(d == -1 for d in target_shape) > 1 or any(
            not isinstance(d, int) or (d <= 0 and d != -1) for d in target_shape
        ):
            raise ValueError(
                f"Reshape '{self.name}': `target_shape` must hold positive ints and at most one "
                f"-1; received {target_shape}."
            )
        self.target_shape = target_shape

    def _resolve(self, sample_shape) -> tuple:
        if any(d is None for d in sample_shape):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(sample_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if total % known:
                raise ValueError(
                    f"Layer '{self.name}' (Reshape) cannot reshape samples of shape "
                    f"{tuple(sample_shape)} ({total} elements) to {self.target_shape}."
                )
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            raise ValueError(
                f"Layer '{self.name}' (Reshape) cannot reshape samples of shape "
                f"{tuple(sample_shape)} ({total} elements) to {self.target_shape} "
                f"({known} elements)."
            )
        return self.target_shape

    def _check_input(self, inputs) -> None:
        self._resolve(tuple(inputs.shape)[1:])

    def call(self, inputs):
        return inputs.reshape(inputs.shape[0], *self._resolve(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolve(input_shape[1:]))

    def get_config(self) -> dict:
        return {**super().get_config(), "target_shape": self.target_shape}
