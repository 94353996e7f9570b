"""`TextVectorization`: raw strings to token ids or bag-of-words vectors, on the host."""

from __future__ import annotations

import re

import numpy as np

from strata.layers.preprocessing.host_layer import HostLayer, decode_text, to_numpy
from strata.layers.preprocessing.index_lookup import _batches
from strata.layers.preprocessing.string_lookup import StringLookup

# The characters Keras strips (its regular expression, as a character class).
_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
# TensorFlow lowercases ASCII letters only and splits on ASCII whitespace; so does this layer,
# so that the tokens (and the vocabulary) equal Keras's for any text.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_WHITESPACE = re.compile(r"[ \t\n\r\v\f]+")
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


class TextVectorization(HostLayer):
    """Turn strings into sequences of token ids (or multi-hot/count/TF-IDF vectors).

    Each string is standardized (lowercased, punctuation stripped), split into tokens (words),
    optionally combined into n-grams, and looked up in the vocabulary. The vocabulary is held
    in the layer: pass it as a list or learn it with `adapt` (most frequent tokens first). In
    ``"int"`` mode index 0 is padding (``""``) and 1 the OOV token ``"[UNK]"``. Runs on the host
    in NumPy; apply it to the data before the model.

    Args:
        max_tokens: cap on the vocabulary size, padding and OOV included.
        standardize: None, ``"lower_and_strip_punctuation"``, ``"lower"``,
            ``"strip_punctuation"`` or a callable taking and returning a NumPy array of `str`.
        split: None, ``"whitespace"``, ``"character"`` or a callable taking a 1-D NumPy array of
            `str` and returning one list of tokens per string.
        ngrams: None, an int n (all 1..n-grams) or a tuple of n-gram sizes; tokens of an n-gram
            are joined by a space.
        output_mode: ``"int"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        output_sequence_length: in ``"int"`` mode, pad or cut every sequence to this length
            (default: pad to the longest in the batch).
        pad_to_max_tokens: encoded outputs have `max_tokens` columns.
        vocabulary: a list or 1-D array of tokens. A file path is refused: read the file and
            pass the list.
        idf_weights: with ``"tf_idf"`` and a vocabulary, one weight per entry.
        sparse, ragged: only False is supported.
        encoding: the text encoding of byte-string inputs.

    Shapes: ``(batch,)`` or ``(batch, 1)`` strings -> ``(batch, length)`` int64 ids, or
    ``(batch, vocabulary_size)`` float32 vectors.

    Example:
        >>> layer = TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["foo bar", "bar baz", "baz bada boom"])
        >>> layer([["foo qux bar"], ["qux baz"]]).tolist()
        [[4, 1, 3, 0], [1, 2, 0, 0]]
    """

    def __init__(
        self,
        max_tokens=None,
        standardize="lower_and_strip_punctuation",
        split="whitespace",
        ngrams=None,
        output_mode="int",
        output_sequence_length=None,
        pad_to_max_tokens=False,
        vocabulary=None,
        idf_weights=None,
        sparse=False,
        ragged=False,
        encoding="utf-8",
        vocabulary_size=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"TextVectorization '{self.name}'"
        if not (standardize is None or standardize in _STANDARDIZE or callable(standardize)):
            raise ValueError(
                f"{where}: `standardize` must be None, one of {_STANDARDIZE} or a callable; "
                f"received standardize={standardize!r}."
            )
        if not (split is None or split in _SPLIT or callable(split)):
            raise ValueError(
                f"{where}: `split` must be None, one of {_SPLIT} or a callable; received "
                f"split={split!r}."
            )
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(
                f"{where}: `output_mode` must be one of {_MODES}; received "
                f"output_mode={output_mode!r}."
            )
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (
            ngrams is None
            or (isinstance(ngrams, int) and not isinstance(ngrams, bool) and ngrams >= 1)
            or (
                isinstance(ngrams, tuple)
                and ngrams
                and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in ngrams)
            )
        ):
            raise ValueError(
                f"{where}: `ngrams` must be None, a positive int or a tuple of positive ints; "
                f"received ngrams={ngrams!r}."
            )
        if output_sequence_length is not None:
            if output_mode != "int":
                raise ValueError(
                    f"{where}: `output_sequence_length` only applies to output_mode='int'; "
                    f"received output_mode={output_mode!r}."
                )
            if (
                isinstance(output_sequence_length, bool)
                or not isinstance(output_sequence_length, int)
                or output_sequence_length < 1
            ):
                raise ValueError(
                    f"{where}: `output_sequence_length` must be a positive int or None; received "
                    f"output_sequence_length={output_sequence_length!r}."
                )
        if sparse or ragged:
            raise ValueError(f"{where}: `sparse` and `ragged` outputs are not supported.")
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._ngram_sizes = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.encoding = encoding
        self.sparse = False
        self.ragged = False
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens,
            mask_token="",
            vocabulary=vocabulary,
            idf_weights=idf_weights,
            output_mode=output_mode,
            pad_to_max_tokens=pad_to_max_tokens,
            encoding=encoding,
            name=f"{self.name}_lookup",
        )

    # ---- vocabulary ---------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary from strings: an array or list of strings (one document each),
        or an iterable of such batches (`steps` of them at most)."""
        if self._lookup_layer._has_input_vocabulary:
            raise ValueError(
                f"TextVectorization '{self.name}': cannot adapt a layer whose vocabulary was set "
                "with `vocabulary=` or `set_vocabulary()`."
            )
        self._lookup_layer.learn_from_rows(
            row for batch in _batches(data, steps) for row in self._tokenize(to_numpy(batch))
        )

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Use `vocabulary` (a list of tokens) and, in ``"tf_idf"`` mode, its IDF weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The vocabulary in index order (``""`` and ``"[UNK]"`` first in ``"int"`` mode)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        """The vocabulary size, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    # ---- the text pipeline --------------------------------------------------------------------
    def _strings(self, inputs: np.ndarray) -> np.ndarray:
        if inputs.dtype.kind not in "USO":
            raise TypeError(
                f"Layer '{self.name}' (TextVectorization) expects strings; received an array of "
                f"dtype {inputs.dtype}."
            )
        return decode_text(inputs, self.encoding)

    def _standardized(self, strings: np.ndarray) -> np.ndarray:
        mode = self.standardize
        if callable(mode):
            return np.asarray(mode(strings.astype(str)), dtype=object)
        if mode is None:
            return strings
        out = np.empty(strings.shape, dtype=object)
        flat = out.reshape(-1)
        for i, text in enumerate(strings.reshape(-1)):
            if mode in ("lower", "lower_and_strip_punctuation"):
                text = text.translate(_ASCII_LOWER)
            if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
                text = _PUNCTUATION.sub("", text)
            flat[i] = text
        return out

    def _tokenize(self, inputs: np.ndarray) -> list[list[str]]:
        """One list of tokens (n-grams included) per input string."""
        strings = self._standardized(self._strings(inputs))
        if strings.ndim == 0:
            strings = strings.reshape(1)
        if self.split is None:
            rows = [list(row) for row in strings.reshape(strings.shape[0], -1)]
        else:
            if strings.ndim > 1:
                if strings.ndim > 2 or strings.shape[-1] != 1:
                    raise ValueError(
                        f"Layer '{self.name}' (TextVectorization) splits strings, so its input "
                        "must have rank 1, or rank 2 with a last axis of size 1; received shape "
                        f"{strings.shape}."
                    )
                strings = strings[:, 0]
            if callable(self.split):
                rows = [list(tokens) for tokens in self.split(strings.astype(str))]
            elif self.split == "whitespace":
                rows = [[t for t in _WHITESPACE.split(text) if t] for text in strings]
            else:
                rows = [list(text) for text in strings]
        if self._ngram_sizes is not None:
            rows = [_ngrams(row, self._ngram_sizes) for row in rows]
        return rows

    def call(self, inputs):
        rows = self._tokenize(inputs)
        length = max((len(r) for r in rows), default=0)
        if self.output_sequence_length is not None:
            length = self.output_sequence_length
        # Padding with the mask token "" gives id 0 in "int" mode and nothing in the others.
        padded = np.full((len(rows), length), "", dtype=object)
        for i, row in enumerate(rows):
            row = row[:length]
            padded[i, : len(row)] = row
        return self._lookup_layer(padded)

    # ---- config -------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_function

        lookup = self._lookup_layer.get_config()

        def spec(value):
            return serialize_function(value) if callable(value) else value

        return {
            **super().get_config(),
            "max_tokens": lookup["max_tokens"],
            "standardize": spec(self.standardize),
            "split": spec(self.split),
            "ngrams": list(self.ngrams) if isinstance(self.ngrams, tuple) else self.ngrams,
            "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": lookup["pad_to_max_tokens"],
            "sparse": False,
            "ragged": False,
            "vocabulary": lookup["vocabulary"],
            "idf_weights": lookup["idf_weights"],
            "encoding": self.encoding,
            "vocabulary_size": lookup["vocabulary_size"],
        }


def _ngrams(tokens: list[str], sizes) -> list[str]:
    """All n-grams of each size in `sizes`, in order of size, joined by spaces."""
    out = []
    for n in sizes:
        out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return out
