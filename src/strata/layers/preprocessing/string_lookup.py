"""`StringLookup`: strings to vocabulary indices (or encoded vectors), on the host."""

from __future__ import annotations

import numpy as np

from strata.layers.preprocessing.host_layer import decode_text
from strata.layers.preprocessing.index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Map strings to integer indices of a vocabulary (or to one-hot/multi-hot/count/TF-IDF
    vectors), as Keras's `StringLookup` does, in NumPy on the host.

    The vocabulary is held in the layer: pass it as a list, or learn it with `adapt`. Index
    layout (``output_mode="int"``): the mask token (if set) at 0, then `num_oov_indices` OOV
    indices, then the vocabulary. With several OOV indices an unknown string goes to the bucket
    its FarmHash (or, with `salt`, SipHash) picks, matching Keras.

    Args:
        max_tokens: cap on the vocabulary size, special tokens included (for `adapt`).
        num_oov_indices: how many indices unknown strings share (0: unknown strings are an
            error).
        mask_token: a string mapped to index 0 (``"int"`` mode) or dropped (encoded modes).
        oov_token: the string `invert` returns for OOV indices (default ``"[UNK]"``).
        vocabulary: a list or 1-D array of strings. A file path is refused: read the file and
            pass the list.
        idf_weights: with ``output_mode="tf_idf"`` and a vocabulary, one weight per entry.
        invert: map indices back to strings instead.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        pad_to_max_tokens: encoded outputs have `max_tokens` columns whatever the vocabulary
            size.
        sparse: only False is supported.
        encoding: the text encoding of byte-string inputs.
        salt: an int or a pair of ints keying SipHash for OOV buckets.
        oov_method: accepted for Keras configs; strings are always hashed.

    Shapes: ``"int"`` keeps the input shape (int64); the encoded modes give
    ``(batch, vocabulary_size)`` (see `CategoryEncoding`). Outputs are NumPy arrays; `invert`
    returns Python strings.

    Example:
        >>> layer = StringLookup(vocabulary=["a", "b", "c", "d"])
        >>> layer([["a", "c", "d"], ["d", "z", "b"]]).tolist()
        [[1, 3, 4], [4, 0, 2]]
        >>> layer = StringLookup()
        >>> layer.adapt([["a", "c", "d"], ["d", "z", "b"]])
        >>> layer.get_vocabulary()
        ['[UNK]', 'd', 'z', 'c', 'b', 'a']
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token="[UNK]",
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        pad_to_max_tokens=False,
        sparse=False,
        encoding="utf-8",
        salt=None,
        oov_method="floormod",
        **kwargs,
    ):
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                "StringLookup: `oov_method` must be 'floormod' or 'farmhash'; received "
                f"oov_method={oov_method!r}."
            )
        self.encoding = encoding
        # Strings are always hashed into the OOV buckets; the argument is accepted (and saved)
        # because Keras writes it into every lookup layer's config.
        self.oov_method = oov_method
        super().__init__(
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
            mask_token=mask_token,
            oov_token=oov_token,
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            invert=invert,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            sparse=sparse,
            salt=salt,
            **kwargs,
        )

    def _keys(self, values):
        values = np.asarray(values)
        if values.dtype.kind not in "USO":
            raise TypeError(
                f"Layer '{self.name}' (StringLookup) expects strings; received an array of "
                f"dtype {values.dtype}. Use IntegerLookup for integer ids."
            )
        return decode_text(values, self.encoding)

    def _token(self, value):
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        return None if value is None else str(value)

    def _sort_key(self, token):
        # Keras breaks ties by the tokens' bytes.
        return token.encode(self.encoding)

    def get_config(self) -> dict:
        return {**super().get_config(), "encoding": self.encoding, "oov_method": self.oov_method}
