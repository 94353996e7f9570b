"""`Attention`: dot-product (Luong-style) attention of a query sequence over a value sequence."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.attention.masked_softmax import masked_softmax
from strata.layers.core.dropout import Dropout
from strata.layers.layer import Layer

_SCORE_MODES = ("dot", "concat")


class Attention(Layer):
    """Attention of `query` over `value` (keyed by `key`, default `value`), without projections.

    Scores are ``query @ key^T`` (``score_mode="dot"``, Luong et al., 2015) or
    ``sum(tanh(query + key))`` over the features (``"concat"``); their softmax over the value
    positions weights the values.

    Args:
        use_scale: learn a scalar `scale` the scores are multiplied by (inside the tanh for
            ``"concat"``).
        score_mode: ``"dot"`` or ``"concat"``; ``"concat"`` learns a scalar
            `concat_score_weight` multiplying the scores.
        dropout: fraction of attention weights dropped during training.
        seed: int seed for the dropout mask outside `fit`.

    Call arguments:
        inputs: ``[query, value]`` or ``[query, value, key]``: ``(batch, Tq, dim)``,
        ``(batch, Tv, dim_v)``, ``(batch, Tv, dim)``.
        mask: optional ``[query_mask, value_mask]``, boolean ``(batch, Tq)`` and
        ``(batch, Tv)``; masked values get no weight and masked query positions output zeros.
        return_attention_scores: also return the weights ``(batch, Tq, Tv)``.
        use_causal_mask: forbid query position i from attending to value positions after i.
        training: whether dropout is active.

    Shapes: output ``(batch, Tq, dim_v)``.

    Example:
        >>> import numpy as np
        >>> q, v = np.ones((2, 3, 4)), np.ones((2, 5, 4))
        >>> Attention()([q, v]).shape
        (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        where = self._where()
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                f"{where}: `score_mode` must be one of {list(_SCORE_MODES)}; received "
                f"score_mode={score_mode!r}."
            )
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, int | float)
            or not 0 <= dropout < 1
        ):
            raise ValueError(f"{where}: `dropout` must be in [0, 1); received dropout={dropout!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        self._dropout_layer = Dropout(self.dropout, seed=seed, dtype=self.dtype_policy.name)
        self.supports_masking = True

    def _where(self) -> str:
        return f"{type(self).__name__} '{self.name}'"

    # ---- checks --------------------------------------------------------------------------------
    def _check_input(self, inputs) -> None:
        where = self._where()
        if not isinstance(inputs, list | tuple) or not 2 <= len(inputs) <= 3:
            raise ValueError(
                f"{where}: call it on a list [query, value] or [query, value, key]; received "
                f"{type(inputs).__name__}"
                + (f" of length {len(inputs)}." if isinstance(inputs, list | tuple) else ".")
            )
        shapes = [tuple(t.shape) for t in inputs]
        query, value = shapes[0], shapes[1]
        key = shapes[2] if len(shapes) == 3 else value
        if any(len(s) < 2 for s in shapes) or len({len(s) for s in shapes}) != 1:
            raise ValueError(
                f"{where}: query, value and key must have the same rank >= 2, e.g. "
                f"(batch, steps, features); received shapes {shapes}."
            )
        if query[-1] != key[-1]:
            raise ValueError(
                f"{where}: query and key must have the same feature size to be compared; received "
                f"query shape {query} and key shape {key}."
            )
        if key[-2] != value[-2]:
            raise ValueError(
                f"{where}: key and value must have the same number of steps; received key shape "
                f"{key} and value shape {value}."
            )

    def _check_mask(self, inputs, mask):
        """The (query_mask, value_mask) pair from `mask` (None or a list of 2 or 3 masks)."""
        if mask is None:
            return None, None
        where = self._where()
        if not isinstance(mask, list | tuple) or not 2 <= len(mask) <= 3:
            raise ValueError(
                f"{where}: `mask` must be a list [query_mask, value_mask]; received "
                f"{type(mask).__name__}"
                + (f" of length {len(mask)}." if isinstance(mask, list | tuple) else ".")
            )
        checked = []
        for name, m, tensor in (("query", mask[0], inputs[0]), ("value", mask[1], inputs[1])):
            if m is not None and tuple(jnp.shape(m)) != tuple(tensor.shape[:-1]):
                raise ValueError(
                    f"{where}: the {name} mask must have shape {tuple(tensor.shape[:-1])} (the "
                    f"{name}'s shape without its feature axis); received shape "
                    f"{tuple(jnp.shape(m))}."
                )
            checked.append(None if m is None else jnp.asarray(m).astype(bool))
        return tuple(checked)

    # ---- weights and scores --------------------------------------------------------------------
    def build(self, input_shape) -> None:
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight((), "ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), "ones", name="concat_score_weight")

    def _scores(self, query, key):
        """Scores of shape (batch, Tq, Tv)."""
        scale = None if self.scale is None else self.scale.value
        if self.score_mode == "dot":
            scores = jnp.matmul(query, jnp.swapaxes(key, -2, -1))
            return scores if scale is None else scores * scale
        pairs = jnp.expand_dims(query, -2) + jnp.expand_dims(key, -3)
        if scale is not None:
            pairs = scale * pairs
        return self.concat_score_weight.value * jnp.sum(jnp.tanh(pairs), -1)

    # ---- call ------------------------------------------------------------------------------------
    def call(
        self,
        inputs,
        mask=None,
        training=None,
        return_attention_scores=False,
        use_causal_mask=False,
    ):
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = self._check_mask(inputs, mask)
        scores = self._scores(query, key)
        scores_mask = None if value_mask is None else jnp.expand_dims(value_mask, -2)
        if use_causal_mask:
            causal = jnp.tril(jnp.ones((1, *scores.shape[-2:]), bool))
            scores_mask = causal if scores_mask is None else jnp.logical_and(scores_mask, causal)
        # Keras subtracts 1e9 from masked scores instead of replacing them; both give masked
        # positions zero weight, and a fully masked row equal weights (up to float32 rounding).
        weights = masked_softmax(scores, scores_mask, axis=-1, empty_rows="uniform")
        outputs = jnp.matmul(self._dropout_layer(weights, training=training), value)
        if query_mask is not None:
            outputs = jnp.where(jnp.expand_dims(query_mask, -1), outputs, 0.0)
        if return_attention_scores:
            return outputs, weights
        return outputs

    def compute_mask(self, inputs, mask=None):
        # The output is aligned with the query, so it keeps the query's mask.
        if mask is None:
            return None
        return mask[0] if isinstance(mask, list | tuple) else mask

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }
