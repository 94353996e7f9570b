"""`CategoryEncoding`: integer ids to one-hot, multi-hot or count vectors (inside models)."""

from __future__ import annotations

from strata.graph.symbolic import SymbolicTensor
from strata.layers.layer import Layer
from strata.layers.preprocessing.encoding import (
    OUTPUT_MODES,
    check_rank,
    encode_jax,
    encoded_shape,
)


class CategoryEncoding(Layer):
    """Encode integer ids in ``[0, num_tokens)`` as dense float vectors.

    Runs in JAX, so it can sit inside a model and be compiled with it. Ids outside the range
    are dropped (they contribute nothing), as in Keras.

    Args:
        num_tokens: the number of distinct ids (the output size).
        output_mode: ``"multi_hot"`` (default: 1 for each id present in a sample),
            ``"one_hot"`` (each id its own vector) or ``"count"`` (how often each id occurs).
        sparse: only False is supported.

    Call arguments:
        inputs: integer ids, ``(batch, ids)`` or ``(ids,)``; for ``"one_hot"`` any shape.
        count_weights: optional weights of the inputs' shape, summed instead of counts
            (``"count"`` mode only).

    Shapes: ``(batch, ids)`` -> ``(batch, num_tokens)``; for ``"one_hot"``, ``(..., n)`` ->
    ``(..., n, num_tokens)`` (a trailing axis of size 1 is replaced).

    Example:
        >>> import numpy as np
        >>> CategoryEncoding(4)(np.array([[0, 1], [3, 3]])).tolist()
        [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        where = f"CategoryEncoding '{self.name}'"
        if num_tokens is None:
            raise ValueError(
                f"{where}: `num_tokens` must be set. If the number of distinct ids is not known "
                "in advance, use `IntegerLookup` instead."
            )
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, int) or num_tokens < 1:
            raise ValueError(
                f"{where}: `num_tokens` must be a positive int; received num_tokens={num_tokens!r}."
            )
        if output_mode not in OUTPUT_MODES:
            raise ValueError(
                f"{where}: `output_mode` must be one of {OUTPUT_MODES}; received "
                f"output_mode={output_mode!r}."
            )
        if sparse:
            raise ValueError(f"{where}: `sparse=True` is not supported; outputs are dense.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = False

    def _check_input(self, inputs) -> None:
        check_rank(f"Layer '{self.name}' (CategoryEncoding)", self.output_mode, inputs.shape)

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(
                f"Layer '{self.name}' (CategoryEncoding): `count_weights` applies only to "
                f"output_mode='count'; this layer has output_mode={self.output_mode!r}."
            )
        return encode_jax(inputs, self.num_tokens, self.output_mode, count_weights)

    def compute_output_spec(self, inputs, *args, **kwargs):
        return SymbolicTensor(
            encoded_shape(inputs.shape, self.num_tokens, self.output_mode), "float32"
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_tokens": self.num_tokens,
            "output_mode": self.output_mode,
        }
