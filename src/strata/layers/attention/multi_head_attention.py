"""`MultiHeadAttention`: scaled dot-product attention in several learned subspaces."""

from __future__ import annotations

import math
import string

import jax.numpy as jnp

from strata.layers.attention.base import ProjectedAttention, as_float, broadcastable
from strata.layers.attention.base import positive_int as _positive_int
from strata.layers.attention.base import shape_of as _shape
from strata.layers.attention.masked_softmax import masked_softmax
from strata.layers.attention.projection import Projection
from strata.layers.core.dropout import Dropout


class MultiHeadAttention(ProjectedAttention):
    """Multi-head attention (Vaswani et al., 2017).

    `query`, `key` and `value` are projected to `num_heads` heads; each head attends with
    ``softmax(q k^T / sqrt(key_dim))`` over the attention axes, and the heads' results are
    projected back to the query's feature size (or `output_shape`).

    Args:
        num_heads: number of heads (a positive int).
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default `key_dim`).
        dropout: fraction of attention weights dropped during training.
        use_bias: whether the projections have biases.
        output_shape: the trailing output shape (an int or tuple); default the query's last
            dimension.
        attention_axes: the axes attention runs over (default all axes between the batch and
            the features, e.g. the time axis of ``(batch, time, features)``).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
            activity_regularizer, kernel_constraint, bias_constraint: for the four projections.
        seed: int seed for the dropout mask outside `fit`.

    Call arguments:
        query: ``(batch, T, dim)``. value: ``(batch, S, dim_v)``. key: optional
        ``(batch, S, dim_k)``, default `value`.
        query_mask / value_mask / key_mask: optional boolean ``(batch, T)`` / ``(batch, S)``
        masks of padded positions; in a functional model they come from the inputs' masks.
        attention_mask: optional boolean mask broadcastable to ``(batch, T, S)``: which query
        position may attend to which key position.
        use_causal_mask: also forbid attending to later positions (decoders).
        return_attention_scores: also return the attention weights ``(batch, heads, T, S)``.
        training: whether dropout is active.

    Weights, in Keras's order: query kernel ``(dim, heads, key_dim)`` and bias
    ``(heads, key_dim)``, key kernel/bias, value kernel ``(dim_v, heads, value_dim)``/bias,
    output kernel ``(heads, value_dim, out)`` and bias ``(out,)``.

    Example:
        >>> import numpy as np
        >>> mha = MultiHeadAttention(num_heads=2, key_dim=4)
        >>> out, scores = mha(np.ones((1, 3, 8)), np.ones((1, 5, 8)), return_attention_scores=True)
        >>> out.shape, scores.shape
        ((1, 3, 8), (1, 2, 3, 5))
    """

    def __init__(
        self,
        num_heads,
        key_dim,
        value_dim=None,
        dropout=0.0,
        use_bias=True,
        output_shape=None,
        attention_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        seed=None,
        **kwargs,
    ):
        for unsupported, default in (
            ("sliding_window", None),
            ("flash_attention", None),
            ("use_gate", False),
        ):
            if kwargs.pop(unsupported, default) != default:
                raise NotImplementedError(
                    f"MultiHeadAttention: `{unsupported}` is not supported; leave it at its "
                    f"default ({default})."
                )
        super().__init__(**kwargs)
        where = f"MultiHeadAttention '{self.name}'"
        self.num_heads = _positive_int(where, "num_heads", num_heads)
        self.key_dim = _positive_int(where, "key_dim", key_dim)
        self.value_dim = (
            self.key_dim if value_dim is None else _positive_int(where, "value_dim", value_dim)
        )
        self.dropout = self._checked_dropout(dropout)
        self.use_bias = bool(use_bias)
        if output_shape is not None:
            shape = (output_shape,) if isinstance(output_shape, int) else output_shape
            try:
                shape = tuple(shape)
            except TypeError:
                shape = None
            if not shape or any(
                isinstance(d, bool) or not isinstance(d, int) or d <= 0 for d in shape
            ):
                raise ValueError(
                    f"{where}: `output_shape` must be a positive int or a tuple of them; "
                    f"received output_shape={output_shape!r}."
                )
            output_shape = shape
        self.output_shape = output_shape
        if attention_axes is not None:
            axes = (attention_axes,) if isinstance(attention_axes, int) else attention_axes
            if (
                not isinstance(axes, list | tuple)
                or not axes
                or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes)
            ):
                raise ValueError(
                    f"{where}: `attention_axes` must be an int or a list of ints; received "
                    f"attention_axes={attention_axes!r}."
                )
            attention_axes = tuple(axes)
        self.attention_axes = attention_axes
        # Keras regularizes each projection's outputs, not the layer's output.
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

    # ---- calling and building ---------------------------------------------------------------
    def __call__(self, query, value, key=None, **kwargs):
        # Query, value and key go in positionally, so a functional graph hands their masks over
        # as a list in this order.
        self._check_shapes(_shape(query), _shape(value), None if key is None else _shape(key))
        if not self.built:
            self.build(_shape(query), _shape(value), None if key is None else _shape(key))
        args = (query, value) if key is None else (query, value, key)
        return super().__call__(*args, **kwargs)

    def _check_shapes(self, query_shape, value_shape, key_shape) -> None:
        where = f"MultiHeadAttention '{self.name}'"
        named = {"query": query_shape, "value": value_shape, "key": key_shape}
        for name, shape in named.items():
            if shape is not None and len(shape) < 3:
                raise ValueError(
                    f"{where}: `{name}` must have rank >= 3, (batch, ..., features); received "
                    f"shape {shape}."
                )
        if key_shape is not None and tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f"{where}: `value` and `key` must agree in every dimension but the last; received "
                f"value shape {value_shape} and key shape {key_shape}."
            )
        if len(query_shape) != len(value_shape):
            raise ValueError(
                f"{where}: `query` and `value` must have the same rank; received shapes "
                f"{query_shape} and {value_shape}."
            )
        if self.built:
            built = (self._query_dim, self._value_in_dim, self._key_in_dim)
            given = (
                query_shape[-1],
                value_shape[-1],
                (value_shape if key_shape is None else key_shape)[-1],
            )
            if built != given:
                raise ValueError(
                    f"{where}: it was built for query/value/key feature sizes {built}, but "
                    f"received {given} (shapes {query_shape}, {value_shape}, {key_shape})."
                )

    def build(self, query_shape, value_shape=None, key_shape=None) -> None:
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        rank = len(query_shape)
        self._query_dim, self._value_in_dim, self._key_in_dim = (
            query_shape[-1],
            value_shape[-1],
            key_shape[-1],
        )
        axes = self.attention_axes
        if axes is None:
            axes = tuple(range(1, rank - 1))
        else:
            resolved = []
            for a in axes:
                if not -(rank - 1) <= a < rank - 1 or a % rank == 0:
                    raise ValueError(
                        f"MultiHeadAttention '{self.name}': attention_axes={self.attention_axes} "
                        f"must name axes between the batch and the feature axis of inputs of "
                        f"shape {query_shape}."
                    )
                resolved.append(a % rank)
            axes = tuple(sorted(set(resolved)))
        self._axes = axes
        self._dot_equation, self._combine_equation = _attention_equations(rank + 1, axes)
        heads = self.num_heads
        self.query_dense = self._projection("query", 1, (heads, self.key_dim))
        self.key_dense = self._projection("key", 1, (heads, self.key_dim))
        self.value_dense = self._projection("value", 1, (heads, self.value_dim))
        out = self.output_shape or (query_shape[-1],)
        self.output_dense = self._projection("attention_output", 2, out)
        self.query_dense.build(tuple(query_shape))
        self.key_dense.build(tuple(key_shape))
        self.value_dense.build(tuple(value_shape))
        self.output_dense.build((*query_shape[:-1], heads, self.value_dim))
        for sublayer in (self.query_dense, self.key_dense, self.value_dense, self.output_dense):
            for variable in sublayer.weights:
                variable.path = f"{self.name}/{variable.path}"
        self._dropout_layer = Dropout(self.dropout, seed=self.seed, dtype=self.dtype_policy.name)

    def _projection(self, name, contracted, output_shape) -> Projection:
        return Projection(
            contracted,
            output_shape,
            use_bias=self.use_bias,
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
        query_mask, value_mask, key_mask = self._call_masks(mask, query_mask, value_mask, key_mask)
        scores_mask = self._attention_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask
        )
        q = self.query_dense(query) * (1.0 / math.sqrt(self.key_dim))
        k = self.key_dense(key)
        v = self.value_dense(value)
        scores = jnp.einsum(self._dot_equation, k, q)
        if scores_mask is not None:
            # (batch, T, S) -> (batch, 1, T, S): broadcast over the heads (and over any
            # non-attention axes, inserted at the same place).
            while scores_mask.ndim < scores.ndim:
                scores_mask = jnp.expand_dims(scores_mask, -2 * len(self._axes) - 1)
        norm_axes = tuple(range(scores.ndim - len(self._axes), scores.ndim))
        # A query position that may attend to nothing (a padded query) gets zero weights, as in
        # Keras's explicit path (its fused kernel, used without dropout or returned scores,
        # gives such rows equal weights instead; every other row agrees).
        weights = masked_softmax(scores, scores_mask, axis=norm_axes)
        dropped = self._dropout_layer(weights, training=training)
        heads = jnp.einsum(self._combine_equation, dropped, v)
        outputs = self.output_dense(heads)
        if return_attention_scores:
            return outputs, weights
        return outputs

    def _attention_mask(
        self, query, value, query_mask, value_mask, key_mask, attention_mask, causal
    ):
        """All masks combined into one boolean mask broadcastable to (batch, T, S), or None."""
        where = f"MultiHeadAttention '{self.name}'"
        q_len, v_len = query.shape[1], value.shape[1]
        combined = None

        def merge(m):
            return m if combined is None else jnp.logical_and(combined, m)

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
            combined = merge(jnp.expand_dims(jnp.asarray(m).astype(bool), axis))
        if causal:
            combined = merge(jnp.tril(jnp.ones((1, q_len, v_len), bool)))
        if attention_mask is not None:
            attention_mask = jnp.asarray(attention_mask).astype(bool)
            target = (query.shape[0], q_len, v_len)
            # Checked for the common (batch, T, features) inputs; with several attention axes
            # the mask's layout follows the scores' and is left to broadcasting.
            if query.ndim == 3 and not broadcastable(attention_mask.shape, target):
                raise ValueError(
                    f"{where}: `attention_mask` must be broadcastable to (batch, T, S) = "
                    f"{target}; received shape {tuple(attention_mask.shape)}."
                )
            combined = merge(attention_mask)
        return combined

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self.output_shape,
            "attention_axes": self.attention_axes,
            **self._projection_config(),
        }


def _attention_equations(rank: int, attention_axes: tuple[int, ...]) -> tuple[str, str]:
    """Einsum equations for projected tensors of shape (batch, ..., heads, channels).

    ``dot``: (key, query) -> scores laid out as (batch and other non-attention axes, heads,
    query attention axes, key attention axes); ``combine``: (weights, value) -> per-head
    outputs in the query's layout. Key and value get their own letters on the attention axes,
    so their lengths may differ from the query's.
    """
    letters = string.ascii_lowercase
    query = letters[:rank]
    source = list(query)
    spare = iter(letters[rank:])
    for axis in attention_axes:
        source[axis] = next(spare)
    source = "".join(source)
    kept = [i for i in range(rank - 1) if i not in attention_axes]
    scores = (
        "".join(query[i] for i in kept)
        + "".join(query[i] for i in attention_axes)
        + "".join(source[i] for i in attention_axes)
    )
    return f"{source},{query}->{scores}", f"{scores},{source}->{query}"
