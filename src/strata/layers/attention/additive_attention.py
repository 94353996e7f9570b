"""`AdditiveAttention`: Bahdanau-style attention, scores from ``tanh(query + key)``."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Attention whose scores are ``sum(scale * tanh(query + key))`` over the features
    (Bahdanau et al., 2015); everything else (masks, dropout, outputs) is as in `Attention`.

    Args:
        use_scale: learn a per-feature `scale` of shape ``(dim,)`` (glorot-uniform initialized);
            without it the tanh terms are summed as they are.
        dropout: fraction of attention weights dropped during training.
        seed: int seed for the dropout mask outside `fit`.

    Call arguments and shapes: as for `Attention`.

    Example:
        >>> import numpy as np
        >>> layer = AdditiveAttention()
        >>> layer([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
        (2, 3, 4)
        >>> layer.scale.shape
        (4,)
    """

    def __init__(self, use_scale=True, dropout=0.0, seed=None, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, seed=seed, **kwargs)

    def build(self, input_shape) -> None:
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight((input_shape[0][-1],), "glorot_uniform", name="scale")

    def _scores(self, query, key):
        pairs = jnp.tanh(jnp.expand_dims(query, -2) + jnp.expand_dims(key, -3))
        if self.scale is not None:
            pairs = self.scale.value * pairs
        return jnp.sum(pairs, -1)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
