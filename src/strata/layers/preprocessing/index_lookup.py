"""`IndexLookup`: the vocabulary table behind `StringLookup`, `IntegerLookup` and
`TextVectorization` (host-side, NumPy).

Index layout, as in Keras: with ``output_mode="int"`` the mask token (if any) is index 0, then
`num_oov_indices` OOV indices, then the vocabulary; in the other modes the mask token takes no
index (masked inputs are dropped) and the OOV indices come first.
"""

from __future__ import annotations

import collections
import math

import numpy as np

from strata.layers.preprocessing.encoding import check_rank, encode_numpy
from strata.layers.preprocessing.hash_functions import hash_bucket
from strata.layers.preprocessing.hashing import check_salt
from strata.layers.preprocessing.host_layer import HostLayer

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_LEGACY_MODES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


class IndexLookup(HostLayer):
    """Shared machinery of the lookup layers; see `StringLookup` for the arguments."""

    def __init__(
        self,
        max_tokens=None,
        num_oov_indices=1,
        mask_token=None,
        oov_token=None,
        vocabulary=None,
        idf_weights=None,
        invert=False,
        output_mode="int",
        pad_to_max_tokens=False,
        sparse=False,
        salt=None,
        vocabulary_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        kind = type(self).__name__
        where = f"{kind} '{self.name}'"
        self._where = where
        if max_tokens is not None and (
            isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens <= 1
        ):
            raise ValueError(
                f"{where}: `max_tokens` must be None or an int greater than 1; received "
                f"max_tokens={max_tokens!r}."
            )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: `pad_to_max_tokens=True` needs `max_tokens` to be set.")
        if (
            isinstance(num_oov_indices, bool)
            or not isinstance(num_oov_indices, int)
            or num_oov_indices < 0
        ):
            raise ValueError(
                f"{where}: `num_oov_indices` must be an int >= 0; received "
                f"num_oov_indices={num_oov_indices!r}."
            )
        output_mode = _LEGACY_MODES.get(output_mode, output_mode)
        if output_mode not in OUTPUT_MODES:
            raise ValueError(
                f"{where}: `output_mode` must be one of {OUTPUT_MODES}; received "
                f"output_mode={output_mode!r}."
            )
        if invert and output_mode != "int":
            raise ValueError(
                f"{where}: `invert=True` needs output_mode='int'; received "
                f"output_mode={output_mode!r}."
            )
        if sparse:
            raise ValueError(f"{where}: `sparse=True` is not supported; outputs are dense.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(
                f"{where}: `idf_weights` only applies to output_mode='tf_idf'; received "
                f"output_mode={output_mode!r}."
            )
        if output_mode == "tf_idf" and vocabulary is not None and idf_weights is None:
            raise ValueError(
                f"{where}: with output_mode='tf_idf' and a `vocabulary`, pass `idf_weights` too "
                "(one per vocabulary entry)."
            )
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.sparse = False
        self.salt = check_salt(where, salt)
        self._tokens: list = []
        self._index: dict = {}
        self._idf = None
        self._has_input_vocabulary = vocabulary is not None
        self._vocabulary_set = False
        self.input_vocabulary = None
        self.input_idf_weights = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- token conversion (overridden by StringLookup / IntegerLookup) -------------------------
    def _keys(self, values: np.ndarray) -> np.ndarray:
        """Input values as the table's key type (an object array)."""
        raise NotImplementedError

    def _token(self, value):
        """One vocabulary entry in the table's key type."""
        raise NotImplementedError

    def _sort_key(self, token):
        return token

    def _oov_ids(self, keys: np.ndarray) -> np.ndarray:
        """OOV bucket (0 .. num_oov_indices - 1) of each key when there are several."""
        return hash_bucket(keys, self.num_oov_indices, self.salt)

    # ---- index layout -------------------------------------------------------------------------
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The vocabulary size, mask and OOV indices included."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary, in index order (special tokens first unless excluded)."""
        tokens = [self._plain(t) for t in self._tokens]
        if not include_special_tokens:
            return tokens
        specials = [self.mask_token] * self._oov_start() + [self.oov_token] * self.num_oov_indices
        return specials + tokens

    def _plain(self, token):
        return token

    # ---- setting the vocabulary ---------------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use `vocabulary` (a list or 1-D array of tokens; special tokens optional at the
        front) and, in ``"tf_idf"`` mode, its `idf_weights`."""
        where = self._where
        if isinstance(vocabulary, str | bytes):
            raise ValueError(
                f"{where}: `vocabulary` must be a list of tokens; received the string "
                f"{vocabulary!r}. strata does not read vocabulary files: load the file yourself "
                "and pass the list, e.g. `vocabulary=open(path).read().splitlines()`."
            )
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(
                f"{where}: output_mode='tf_idf' needs `idf_weights` with the vocabulary."
            )
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(
                f"{where}: `idf_weights` only applies to output_mode='tf_idf'; this layer has "
                f"output_mode={self.output_mode!r}."
            )
        if np.ndim(vocabulary) != 1:
            raise ValueError(
                f"{where}: `vocabulary` must be a 1-D list of tokens; received an array of "
                f"shape {np.shape(vocabulary)}."
            )
        entries = [self._token(v) for v in np.asarray(vocabulary, dtype=object).reshape(-1)]
        if not entries:
            raise ValueError(f"{where}: cannot set an empty vocabulary.")
        start = self._token_start()
        specials = [self._token(self.mask_token)] * self._oov_start() + [
            self._token(self.oov_token)
        ] * self.num_oov_indices
        has_specials = entries[:start] == specials
        tokens = entries[start:] if has_specials else entries
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(
                f"{where}: the vocabulary repeats {[self._plain(t) for t in repeated]}; each "
                "token may appear once."
            )
        for name, special in (("mask", self.mask_token), ("OOV", self.oov_token)):
            if special is None or (name == "OOV" and not self.invert):
                continue
            if self._token(special) in tokens:
                raise ValueError(
                    f"{where}: the {name} token {special!r} appears inside the vocabulary. Leave "
                    "the mask and OOV tokens out, or put them only at the start in this order: "
                    f"{[self._plain(s) for s in specials]}."
                )
        size = start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(
                f"{where}: the vocabulary has {size} entries (special tokens included), more "
                f"than max_tokens={self.max_tokens}."
            )
        idf = None
        if idf_weights is not None:
            weights = np.asarray(idf_weights, dtype=np.float32)
            if weights.ndim != 1 or len(weights) != len(entries):
                raise ValueError(
                    f"{where}: `idf_weights` must be 1-D with one weight per vocabulary entry "
                    f"({len(entries)}); received shape {weights.shape}."
                )
            # OOV slots default to the mean weight when the caller did not give them (Keras).
            front = [] if has_specials else [float(np.mean(weights))] * start
            idf = np.concatenate([np.asarray(front, np.float32), weights])
        self._install(tokens, idf)
        self._has_input_vocabulary = True
        self.input_vocabulary = [self._plain(t) for t in entries]
        self.input_idf_weights = None if idf_weights is None else weights.tolist()

    def _install(self, tokens, idf) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        if idf is not None and self.pad_to_max_tokens:
            idf = np.pad(idf, (0, max(0, self.max_tokens - len(idf))))
        self._idf = idf
        self._vocabulary_set = True

    # ---- adapt --------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary from `data`: tokens sorted by count (most frequent first, ties
        by token, highest first), capped at `max_tokens`. In ``"tf_idf"`` mode each row is a
        document and the IDF weights are ``log(1 + documents / (1 + documents with token))``.

        Args:
            data: an array or list of tokens (a 1-D array is one token per row), or an iterable
                of such batches.
            steps: with an iterable, the number of batches to read (default: all).
        """
        if self._has_input_vocabulary:
            raise ValueError(
                f"{self._where}: cannot adapt a layer whose vocabulary was set with "
                "`vocabulary=` or `set_vocabulary()`."
            )
        self.learn_from_rows(
            row for batch in _batches(data, steps) for row in self._adapt_rows(batch)
        )

    def learn_from_rows(self, rows) -> None:
        """Set the vocabulary (and IDF weights) from documents given as lists of table keys."""
        counts: collections.Counter = collections.Counter()
        documents: collections.Counter = collections.Counter()
        n_docs = 0
        for row in rows:
            counts.update(row)
            if self.output_mode == "tf_idf":
                documents.update(set(row))
            n_docs += 1
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._token(special), None)
        ranked = sorted(counts.items(), key=lambda kv: (kv[1], self._sort_key(kv[0])), reverse=True)
        tokens = [t for t, _ in ranked]
        if self.max_tokens is not None:
            tokens = tokens[: max(0, self.max_tokens - self._token_start())]
        idf = None
        if self.output_mode == "tf_idf":
            learned = np.asarray(
                [math.log(1 + n_docs / (1 + documents[t])) for t in tokens], np.float32
            )
            mean = float(np.mean(learned)) if len(learned) else 0.0
            idf = np.concatenate([np.full(self._token_start(), mean, np.float32), learned])
        self._install(tokens, idf)

    def _adapt_rows(self, batch) -> list[list]:
        """One list of table keys per document (row) of a batch."""
        array = np.asarray(batch, dtype=object) if isinstance(batch, list) else np.asarray(batch)
        if array.ndim == 0:
            array = array.reshape(1, 1)
        elif array.ndim == 1:
            array = array.reshape(-1, 1)
        keys = self._keys(array.reshape(array.shape[0], -1))
        return [list(row) for row in keys]

    # ---- call ---------------------------------------------------------------------------------
    def call(self, inputs):
        if not self._vocabulary_set and not (self.output_mode == "int" or self.pad_to_max_tokens):
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}): with output_mode="
                f"{self.output_mode!r} the vocabulary must be set before the layer is called. "
                "Pass `vocabulary=` or call `adapt()` first."
            )
        if self.invert:
            return self._invert(inputs)
        ids = self._lookup(inputs)
        if self.output_mode == "int":
            return ids
        check_rank(f"Layer '{self.name}' ({type(self).__name__})", self.output_mode, ids.shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        if self.output_mode == "tf_idf":
            counts = encode_numpy(ids, depth, "count")
            return (counts * self._idf[:depth]).astype(np.float32)
        return encode_numpy(ids, depth, self.output_mode)

    def _lookup(self, inputs) -> np.ndarray:
        keys = self._keys(np.asarray(inputs))
        flat = keys.reshape(-1)
        ids = np.fromiter((self._index.get(k, -1) for k in flat), np.int64, len(flat))
        oov = ids == -1
        if self.mask_token is not None:
            masked = np.fromiter((k == self._token(self.mask_token) for k in flat), bool, len(flat))
            # Int mode maps the mask to index 0; the encoded modes drop it (an id never counted).
            ids = np.where(masked, 0 if self.output_mode == "int" else -2, ids)
            oov &= ~masked
        if oov.any():
            if self.num_oov_indices == 0:
                unknown = sorted({self._plain(k) for k in flat[oov]}, key=str)[:10]
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}): with num_oov_indices=0 every "
                    f"input must be in the vocabulary; found out-of-vocabulary values {unknown}. "
                    "Set num_oov_indices=1 to map them to an OOV index."
                )
            if self.num_oov_indices == 1:
                ids[oov] = self._oov_start()
            else:
                ids[oov] = self._oov_start() + self._oov_ids(flat[oov])
        return ids.reshape(keys.shape)

    def _invert(self, inputs) -> np.ndarray:
        ids = np.asarray(inputs).astype(np.int64)
        vocabulary = self.get_vocabulary()
        start = self._token_start()
        out = np.empty(ids.shape, dtype=object)
        flat = out.reshape(-1)
        for i, index in enumerate(ids.reshape(-1)):
            if start <= index < len(vocabulary):
                flat[i] = vocabulary[index]
            elif index == 0 and self.mask_token is not None:
                flat[i] = self.mask_token
            else:
                flat[i] = self.oov_token
        return out

    # ---- config -------------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Keras's lookup config. The vocabulary is always included (also when learned by
        `adapt`), so the layer rebuilds from its config alone; strata writes no asset files."""
        vocabulary = self.input_vocabulary
        if vocabulary is None and self._vocabulary_set:
            vocabulary = self.get_vocabulary()
        idf = self.input_idf_weights
        if idf is None and self._idf is not None and self.input_vocabulary is None:
            idf = self._idf[: self.vocabulary_size()].tolist()
        return {
            **super().get_config(),
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "idf_weights": idf,
            "vocabulary": vocabulary,
            "vocabulary_size": self.vocabulary_size() if self._vocabulary_set else None,
            "salt": self.salt,
        }


def _batches(data, steps):
    """`data` as a sequence of batches: arrays and lists are one batch, iterables many."""
    if isinstance(data, np.ndarray | list | tuple | str | bytes) or hasattr(data, "__array__"):
        yield data
        return
    if not hasattr(data, "__iter__"):
        raise TypeError(
            f"adapt: `data` must be an array, a list or an iterable of batches; received "
            f"{type(data).__name__}."
        )
    for i, batch in enumerate(data):
        if steps is not None and i >= steps:
            break
        yield batch
