"""`IntegerLookup`: integer ids to vocabulary indices (or encoded vectors), on the host."""

from __future__ import annotations

import numpy as np

from strata.layers.preprocessing.hash_functions import hash_bucket
from strata.layers.preprocessing.host_layer import is_text
from strata.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Map arbitrary integer ids to contiguous vocabulary indices (or to encoded vectors), as
    Keras's `IntegerLookup` does, in NumPy on the host.

    Args:
        max_tokens, num_oov_indices, vocabulary, idf_weights, invert, output_mode,
        pad_to_max_tokens, sparse, salt: as in `StringLookup` (the vocabulary is a list of
            ints).
        mask_token: an int mapped to index 0 (``"int"`` mode) or dropped (encoded modes).
        oov_token: the int `invert` returns for OOV indices (default -1).
        vocabulary_dtype: only ``"int64"``.
        oov_method: with several OOV indices, ``"floormod"`` (``id % num_oov_indices``, the
            default) or ``"farmhash"`` (hash of the id's decimal text; `salt` keys SipHash).

    Example:
        >>> import numpy as np
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(np.array([[12, 1138, 42], [42, 1000, 36]])).tolist()
        [[1, 3, 4], [4, 0, 2]]
    """

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token=-1,
        vocabulary=None,
        vocabulary_dtype="int64",
        idf_weights=None,
        invert=False,
        output_mode="int",
        sparse=False,
        pad_to_max_tokens=False,
        oov_method="floormod",
        salt=None,
        **kwargs,
    ):
        name = kwargs.get("name") or "IntegerLookup"
        if vocabulary_dtype != "int64":
            raise ValueError(
                f"IntegerLookup '{name}': only vocabulary_dtype='int64' is supported; received "
                f"vocabulary_dtype={vocabulary_dtype!r}."
            )
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(
                f"IntegerLookup '{name}': `oov_method` must be 'floormod' or 'farmhash'; "
                f"received oov_method={oov_method!r}."
            )
        if salt is not None and oov_method != "farmhash":
            raise ValueError(
                f"IntegerLookup '{name}': `salt` only applies with oov_method='farmhash'; "
                f"received oov_method={oov_method!r}."
            )
        self.vocabulary_dtype = vocabulary_dtype
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
        if values.dtype.kind == "O" and values.size and not is_text(values):
            values = values.astype(np.int64)
        if values.dtype.kind not in "iub" and not (
            values.dtype.kind == "f" and np.all(np.mod(values, 1) == 0)
        ):
            raise TypeError(
                f"Layer '{self.name}' (IntegerLookup) expects integer ids; received an array of "
                f"dtype {values.dtype}. Use StringLookup for strings."
            )
        return values.astype(np.int64).astype(object)

    def _token(self, value):
        return None if value is None else int(value)

    def _oov_ids(self, keys):
        if self.oov_method == "floormod":
            return np.mod(keys.astype(np.int64), self.num_oov_indices)
        return hash_bucket(keys.astype(np.int64), self.num_oov_indices, self.salt)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "vocabulary_dtype": self.vocabulary_dtype,
            "oov_method": self.oov_method,
        }
