"""tf.keras 2's ``keras.preprocessing.text``: `Tokenizer`, `text_to_word_sequence`,
`tokenizer_from_json`.

`Tokenizer` keeps tf.keras 2's semantics exactly (the same word indices, sequences, matrices and
JSON), so a saved tokenizer and the models trained on its sequences carry over. Keras 3 removed
it; its modern replacement is the `strata.layers.TextVectorization` layer.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     tokenizer = Tokenizer(num_words=3, oov_token="<unk>")
    >>> tokenizer.fit_on_texts(["the cat sat", "the dog"])
    >>> tokenizer.word_index["the"], tokenizer.texts_to_sequences(["the dog barked"])
    (2, [[2, 1, 1]])
"""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict

import numpy as np

from strata._deprecation import warn_once

__all__ = ["Tokenizer", "text_to_word_sequence", "tokenizer_from_json"]

_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(input_text, filters=_FILTERS, lower=True, split=" ") -> list[str]:
    """The words of `input_text`: lowercased, `filters` characters turned into `split`, split
    on `split`, empty pieces dropped.

    Example:
        >>> text_to_word_sequence("Hello, World!")
        ['hello', 'world']
    """
    if lower:
        input_text = input_text.lower()
    input_text = input_text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in input_text.split(split) if word]


class Tokenizer:
    """Maps words to integer indices by frequency (tf.keras 2's `Tokenizer`).

    Args:
        num_words: keep only indices below this (the ``num_words - 1`` most frequent words) when
            turning texts into sequences or matrices; None keeps all.
        filters: characters removed from texts.
        lower: lowercase texts first.
        split: the word separator.
        char_level: every character is a token.
        oov_token: if given, it gets index 1 and stands for words outside the vocabulary.
        analyzer: a function from a text to its tokens, replacing `text_to_word_sequence`.
        document_count: the count of texts already seen (used when rebuilding from JSON).
    """

    def __init__(
        self,
        num_words=None,
        filters=_FILTERS,
        lower=True,
        split=" ",
        char_level=False,
        oov_token=None,
        analyzer=None,
        document_count=0,
        **kwargs,
    ):
        warn_once(
            "preprocessing.text.Tokenizer",
            "`preprocessing.text.Tokenizer` is tf.keras 2's API (removed in Keras 3); the modern "
            "spelling is the `strata.layers.TextVectorization` layer.",
        )
        if kwargs:
            raise TypeError(f"Tokenizer: unrecognized keyword argument(s) {sorted(kwargs)}.")
        if num_words is not None and (
            isinstance(num_words, bool) or not isinstance(num_words, int) or num_words < 1
        ):
            raise ValueError(
                f"Tokenizer: `num_words` must be a positive int or None; received {num_words!r}."
            )
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = document_count
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    def _tokens(self, text) -> list:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        if self.analyzer is not None:
            return list(self.analyzer(text))
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts) -> None:
        """Count the words of `texts` (strings, or lists of tokens) and rebuild `word_index`:
        the most frequent word gets 1 (2 with an `oov_token`), ties in order of first sight."""
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for word in tokens:
                self.word_counts[word] = self.word_counts.get(word, 0) + 1
            for word in set(tokens):
                self.word_docs[word] += 1
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary += [word for word, _ in by_count]
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        self.index_docs = defaultdict(int)
        for word, count in self.word_docs.items():
            self.index_docs[self.word_index[word]] += count

    def fit_on_sequences(self, sequences) -> None:
        """Count document frequencies of indices (needed by ``mode="tfidf"``) from sequences."""
        for sequence in sequences:
            self.document_count += 1
            for index in set(sequence):
                self.index_docs[index] += 1

    def _oov_index(self):
        return self.word_index.get(self.oov_token)

    def texts_to_sequences(self, texts) -> list[list[int]]:
        """Each text as a list of word indices (unknown words dropped, or the `oov_token`'s)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """`texts_to_sequences`, one text at a time."""
        oov = self._oov_index()
        for text in texts:
            sequence = []
            for word in self._tokens(text):
                index = self.word_index.get(word)
                if index is not None and not (self.num_words and index >= self.num_words):
                    sequence.append(index)
                elif oov is not None:
                    sequence.append(oov)
            yield sequence

    def sequences_to_texts(self, sequences) -> list[str]:
        """Each sequence of indices as space-joined words."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """`sequences_to_texts`, one sequence at a time."""
        oov = self._oov_index()
        for sequence in sequences:
            words = []
            for index in sequence:
                word = self.index_word.get(index)
                if word is not None and not (self.num_words and index >= self.num_words):
                    words.append(word)
                elif oov is not None:
                    words.append(self.index_word[oov])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary") -> np.ndarray:
        """`texts` as a ``(len(texts), num_words)`` matrix (see `sequences_to_matrix`)."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary") -> np.ndarray:
        """One row per sequence, one column per index below `num_words` (or the vocabulary
        size + 1): ``"binary"`` (present or not), ``"count"``, ``"freq"`` (count / length) or
        ``"tfidf"`` (``(1 + log count) * log(1 + documents / (1 + documents with the word))``).
        """
        if mode not in _MODES:
            raise ValueError(
                f"Tokenizer: unknown vectorization mode {mode!r}; expected one of {list(_MODES)}."
            )
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError(
                "Tokenizer: specify a dimension (`num_words`), or fit on some text data first."
            )
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: fit on some data before using mode='tfidf'.")
        matrix = np.zeros((len(sequences), width))
        for row, sequence in enumerate(sequences):
            counts = defaultdict(int)
            for index in sequence:
                if index < width:
                    counts[index] += 1
            for index, count in counts.items():
                if mode == "count":
                    matrix[row, index] = count
                elif mode == "freq":
                    matrix[row, index] = count / len(sequence)
                elif mode == "binary":
                    matrix[row, index] = 1
                else:
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
                    matrix[row, index] = (1 + np.log(count)) * idf
        return matrix

    def get_config(self) -> dict:
        """Settings and counts, with the dictionaries as JSON strings (tf.keras 2's layout)."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs) -> str:
        """The tokenizer as JSON (`tokenizer_from_json` reads it); `kwargs` go to `json.dumps`."""
        return json.dumps({"class_name": "Tokenizer", "config": self.get_config()}, **kwargs)


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """The `Tokenizer` that `Tokenizer.to_json` (strata's or tf.keras 2's) wrote."""
    try:
        config = dict(json.loads(json_string)["config"])
        tables = {
            key: json.loads(config.pop(key))
            for key in ("word_counts", "word_docs", "index_docs", "index_word", "word_index")
        }
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(
            f"tokenizer_from_json: not a Tokenizer's JSON (as `Tokenizer.to_json` writes): {err}"
        ) from None
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(tables["word_counts"])
    tokenizer.word_docs = defaultdict(int, tables["word_docs"])
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in tables["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
