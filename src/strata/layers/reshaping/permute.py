"""`Permute`: reorder the non-batch axes."""

from __future__ import annotations

from strata.layers.layer import Layer


class Permute(Layer):
    """Permute the axes of each sample.

    Args:
        dims: a permutation of ``1 .. rank - 1`` (axis 0, the batch, stays in place); output
            axis ``i`` is input axis ``dims[i - 1]``.

    Shapes: ``(batch, d1, ..., dn)`` -> ``(batch, d_dims[0], ..., d_dims[n-1])``.

    Example:
        >>> import numpy as np
        >>> Permute((2, 1))(np.ones((4, 3, 5))).shape
        (4, 5, 3)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            dims = None
        if (
            not dims
            or any(isinstance(d, bool) or not isinstance(d, int) for d in dims)
            or sorted(dims) != list(range(1, len(dims) + 1))
        ):
            raise ValueError(
                f"Permute '{self.name}': `dims` must be a permutation of 1 .. n (axis 0, the "
                f"batch axis, is never moved), e.g. (2, 1); received dims={dims!r}."
            )
        self.dims = dims

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) != len(self.dims) + 1:
            raise ValueError(
                f"Layer '{self.name}' (Permute) with dims={self.dims} expects inputs of rank "
                f"{len(self.dims) + 1}; received shape {shape}."
            )

    def call(self, inputs):
        return inputs.transpose(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict:
        return {**super().get_config(), "dims": self.dims}
