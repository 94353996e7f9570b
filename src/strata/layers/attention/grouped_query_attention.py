"""`GroupedQueryAttention`: attention where groups of query heads share one key/value head."""

from __future__ import annotations

import math

import jax.numpy as jnp

from strata.graph.symbolic import is_symbolic
from strata.layers.attention.base import ProjectedAttention, as_float, broadcastable
from strata.layers.attention.base import positive_int as _positive_int
from strata.layers.attention.base import shape_of as _shape
from strata.layers.attention.masked_softmax import masked_softmax
from strata.layers.core.dropout import Dropout
from strata.layers.core.einsum_dense import EinsumDense
from strata.state import carried_masks


class GroupedQueryAttention(ProjectedAttention):
    """Grouped-query attention (Ainslie et al., 2023).

    The query is projected to `num_query_heads` heads and key/value to `num_key_value_heads`
    heads; each key/value head serves ``num_query_heads // num_key_value_heads`` consecutive
    query heads. One key/value head is multi-query attention; as many as query heads is
    multi-head attention. Heads attend with ``softmax(q k^T / sqrt(head_dim))`` over the
    sequence and are projected back to the query's feature size.

    Args:
        head_dim: size of each head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads; must divide `num_query_heads`.
        dropout: fraction of attention weights dropped during training.
        use_bias: whether the projections have biases.
        sliding_window: None, or a positive int w: query t only attends to keys s with
            ``|t - s| < w`` (combine with `use_causal_mask` for a causal window).
        flash_attention: None or False; strata has no flash kernel (True raises).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            kernel_constraint, bias_constraint: for the projections.
        activity_regularizer: applied, as in Keras, to each projection's output and to the
            layer's outputs.
        use_gate: multiply the heads by ``sigmoid(gate projection of the query)`` before the
            output projection (gated attention).
        seed: int seed for the dropout mask outside `fit`.

    Call arguments:
        query: ``(batch, T, dim)``. value: ``(batch, S, dim_v)``. key: optional
        ``(batch, S, dim_k)``, default `value`.
        query_mask / value_mask / key_mask: optional boolean ``(batch, T)`` / ``(batch, S)``
        padding masks; by default the masks the inputs carry.
        attention_mask: optional boolean mask broadcastable to ``(batch, T, S)``.
        use_causal_mask: also forbid attending to later positions.
        return_attention_scores: also return the weights ``(batch, num_query_heads, T, S)``.
        training: whether dropout is active.

    Output: ``(batch, T, dim)``. Weights, in Keras's order: query kernel
    ``(dim, num_query_heads, head_dim)``/bias, key and value kernels
    ``(dim, num_key_value_heads, head_dim)``/biases (the gate's between key and value), output
    kernel ``(num_query_heads, head_dim, dim)``/bias.

    Example:
        >>> import numpy as np
        >>> gqa = GroupedQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)
        >>> out, scores = gqa(np.ones((1, 3, 8)), np.ones((1, 5, 8)), return_attention_scores=True)
        >>> out.shape, scores.shape
        ((1, 3, 8), (1, 4, 3, 5))
    """

    # Keras exports this class as `keras.layers.GroupQueryAttention`, and files name it so.
    keras_export_name = "GroupQueryAttention"

    def __init__(
        self,
        head_dim,
        num_query_heads,
        num_key_value_heads,
        dropout=0.0,
        use_bias=True,
        sliding_window=None,
        flash_attention=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        use_gate=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"GroupedQueryAttention '{self.name}'"
        if flash_attention:
            raise NotImplementedError(
                f"{where}: flash attention is not supported by strata; received "
                f"flash_attention={flash_attention!r}. Leave it None or False."
            )
        self.head_dim = _positive_int(where, "head_dim", head_dim)
        self.num_query_heads = _positive_int(where, "num_query_heads", num_query_heads)
        self.num_key_value_heads = _positive_int(where, "num_key_value_heads", num_key_value_heads)
        if num_query_heads % num_key_value_heads:
            raise ValueError(
                f"{where}: `num_query_heads` must be divisible by `num_key_value_heads`; received "
                f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}."
            )
        self.dropout = self._checked_dropout(dropout)
        if sliding_window is not None:
            _positive_int(where, "sliding_window", sliding_window)
        self.use_bias = bool(use_bias)
        self.sliding_window = sliding_window
        self.use_gate = bool(use_gate)
        self._set_projection_options(
            kernel_initializer,
            bias_initializer,
            kernel_regularizer,
            bias_regularizer,
            activity_regularizer,
            kernel_constraint,
            bias_constraint,
            seed,
        )
        # Keras applies it to each projection's outputs and to the layer's outputs too.
        self.activity_regularizer = self._projection_activity_regularizer

    # ---- calling and building ---------------------------------------------------------------
    def __call__(self, query, value, key=None, **kwargs):
        shapes = (_shape(query), _shape(value), None if key is None else _shape(key))
        self._check_shapes(*shapes)
        if not self.built:
            self.build(*shapes)
        args = (query, value) if key is None else (query, value, key)
        if "mask" not in kwargs and not any(is_symbolic(x) for x in args):
            # Eagerly, value and key may carry masks too (the base layer looks at the query's).
            masks = [carried_masks.mask_of(x) for x in args]
            if any(m is not None for m in masks):
                kwargs["mask"] = masks
        return super().__call__(*args, **kwargs)

    def _check_shapes(self, query_shape, value_shape, key_shape) -> None:
        where = f"GroupedQueryAttention '{self.name}'"
        for name, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if shape is not None and len(shape) != 3:
                raise ValueError(
                    f"{where}: `{name}` must have rank 3, (batch, sequence, features); received "
                    f"shape {shape}."
                )
        if key_shape is not None and tuple(value_shape[:-1]) != tuple(key_shape[:-1]):
            raise ValueError(
                f"{where}: `value` and `key` must agree in every dimension but the last; received "
                f"value shape {value_shape} and key shape {key_shape}."
            )
        if self.built:
            built = (self._query_dim, self._value_in_dim, self._key_in_dim)
            given = (query_shape[-1], value_shape[-1], (key_shape or value_shape)[-1])
            if built != given:
                raise ValueError(
                    f"{where}: it was built for query/value/key feature sizes {built}, but "
                    f"received {given} (shapes {query_shape}, {value_shape}, {key_shape})."
                )

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        self._query_dim, self._value_in_dim, self._key_in_dim = (
            query_shape[-1],
            value_shape[-1],
            key_shape[-1],
        )
        q_heads, kv_heads, size = self.num_query_heads, self.num_key_value_heads, self.head_dim
        # Equation letters as in Keras: u query heads, v key/value heads, h head_dim, m features.
        # The private attribute names are the paths Keras's `.keras` files keep the weights at
        # (`_query_dense/vars`, ...), so files load both ways.
        self._query_dense = self._projection("query", "bqm,muh->bquh", (None, q_heads, size), "uh")
        self._key_dense = self._projection("key", "bkm,mvh->bkvh", (None, kv_heads, size), "vh")
        built = [(self._query_dense, query_shape), (self._key_dense, key_shape)]
        if self.use_gate:
            self._gate_dense = self._projection(
                "gate", "bqm,muh->bquh", (None, q_heads, size), "uh", activation="sigmoid"
            )
            built.append((self._gate_dense, query_shape))
        self._value_dense = self._projection("value", "bkm,mvh->bkvh", (None, kv_heads, size), "vh")
        self._output_dense = self._projection(
            "attention_output", "bquh,uhm->bqm", (None, query_shape[-1]), "m"
        )
        built += [
            (self._value_dense, value_shape),
            (self._output_dense, (None, None, q_heads, size)),
        ]
        for sublayer, shape in built:
            sublayer.build(tuple(shape))
            for variable in sublayer.weights:
                variable.path = f"{self.name}/{variable.path}"
        self._dropout_layer = Dropout(self.dropout, seed=self.seed, dtype=self.dtype_policy.name)

    def _projection(self, name, equation, output_shape, bias_axes, activation=None):
        return EinsumDense(
            equation,
            output_shape,
            activation=activation,
            bias_axes=bias_axes if self.use_bias else None,
            **self._projection_options(name),
        )

    def call(
        self,
        query,
        value,
        key=None,
        query_mask=None,
        value_mask=None,
        key_mask=None,
        attention_mask=None,
        return_attention_scores=False,
        training=None,
        use_causal_mask=False,
        mask=None,
    ):
        value = as_float(value, self.compute_dtype)
        key = value if key is None else as_float(key, self.compute_dtype)
        scores_mask = self._attention_mask(
            query,
            value,
            *self._call_masks(mask, query_mask, value_mask, key_mask),
            attention_mask,
            use_causal_mask,
        )
        repeats = self.num_query_heads // self.num_key_value_heads
        q = self._query_dense(query) * (1.0 / math.sqrt(self.head_dim))
        k = jnp.repeat(self._key_dense(key), repeats, axis=2)
        v = jnp.repeat(self._value_dense(value), repeats, axis=2)
        scores = jnp.einsum("bquh,bkuh->buqk", q, k)
        if scores_mask is not None:
            while scores_mask.ndim < 4:  # (batch, T, S) -> (batch, 1, T, S): over the heads
                scores_mask = jnp.expand_dims(scores_mask, -3)
        # A query that may attend to nothing: Keras's explicit path (dropout or returned
        # scores) gives it zero weights, its fused kernel (otherwise) equal weights. Match both.
        explicit = self.dropout > 0 or return_attention_scores
        weights = masked_softmax(
            scores, scores_mask, axis=-1, empty_rows="zeros" if explicit else "uniform"
        )
        dropped = self._dropout_layer(weights, training=training)
        heads = jnp.einsum("buqk,bkuh->bquh", dropped, v)
        if self.use_gate:
            heads = heads * self._gate_dense(query)
        outputs = self._output_dense(heads)
        results = (outputs, weights) if return_attention_scores else (outputs,)
        if self.activity_regularizer is not None:
            for result in results:
                self.add_loss(self.activity_regularizer(result) / result.shape[0])
        return results if return_attention_scores else outputs

    def _attention_mask(
        self, query, value, query_mask, value_mask, key_mask, attention_mask, causal
    ):
        """All masks combined into one boolean mask broadcastable to (batch, T, S), or None."""
        where = f"GroupedQueryAttention '{self.name}'"
        q_len, v_len = query.shape[1], value.shape[1]
        parts = []
        for name, m, expected, axis in (
            ("query_mask", query_mask, query.shape[:-1], -1),
            ("value_mask", value_mask, value.shape[:-1], -2),
            ("key_mask", key_mask, value.shape[:-1], -2),
        ):
            if m is None:
                continue
            if tuple(jnp.shape(m)) != tuple(expected):
                raise ValueError(
                    f"{where}: `{name}` must have shape {tuple(expected)} (the {name[:-5]}'s "
                    f"shape without its feature axis); received shape {tuple(jnp.shape(m))}."
                )
            parts.append(jnp.expand_dims(jnp.asarray(m).astype(bool), axis))
        rows = jnp.arange(q_len)[:, None]
        cols = jnp.arange(v_len)[None, :]
        if causal:
            parts.append((rows >= cols)[None])
        if self.sliding_window is not None:
            parts.append((jnp.abs(rows - cols) < self.sliding_window)[None])
        if attention_mask is not None:
            attention_mask = jnp.asarray(attention_mask).astype(bool)
            target = (query.shape[0], q_len, v_len)
            if not broadcastable(attention_mask.shape, target):
                raise ValueError(
                    f"{where}: `attention_mask` must be broadcastable to (batch, T, S) = "
                    f"{target}; received shape {tuple(attention_mask.shape)}."
                )
            parts.append(attention_mask)
        if not parts:
            return None
        combined = parts[0]
        for part in parts[1:]:
            combined = jnp.logical_and(combined, part)
        return combined

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            **self._projection_config(),
        }


# Keras exports the class under both names.
GroupQueryAttention = GroupedQueryAttention
