"""Word-index sequences for imdb and reuters: shuffle, shift, filter and cap the vocabulary.

The steps and their order are Keras's, so the same file and arguments give the same sequences:
word ``w`` becomes ``w + index_from`` (indices below `index_from` are reserved: 0 for padding,
`start_char` to mark the start, `oov_char` for dropped words); `start_char` is prepended;
sequences of `maxlen` words or more are dropped; words outside ``[skip_top, num_words)`` become
`oov_char` (or are removed when it is None). Without `num_words`, the largest index is the limit,
so, exactly as in Keras, that one word is treated as out of vocabulary too.
"""

from __future__ import annotations

import numbers

import numpy as np


def check_options(
    loader: str, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from
) -> None:
    """Raise a clear error for a bad option of `loader` (e.g. ``"imdb.load_data"``)."""

    def is_int(value) -> bool:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)

    checks = [
        (
            "num_words",
            num_words,
            num_words is None or (is_int(num_words) and num_words > 0),
            "a positive int or None",
        ),
        ("skip_top", skip_top, is_int(skip_top) and skip_top >= 0, "a non-negative int"),
        (
            "maxlen",
            maxlen,
            maxlen is None or (is_int(maxlen) and maxlen > 0),
            "a positive int or None",
        ),
        ("seed", seed, is_int(seed), "an int"),
        ("start_char", start_char, start_char is None or is_int(start_char), "an int or None"),
        ("oov_char", oov_char, oov_char is None or is_int(oov_char), "an int or None"),
        ("index_from", index_from, is_int(index_from) and index_from >= 0, "a non-negative int"),
    ]
    for name, value, ok, expected in checks:
        if not ok:
            raise ValueError(f"{loader}: `{name}` must be {expected}; received {name}={value!r}.")


def shuffle_together(rng: np.random.RandomState, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The arrays reordered by one permutation drawn from `rng` (Keras's shuffle)."""
    order = np.arange(len(arrays[0]))
    rng.shuffle(order)
    return tuple(array[order] for array in arrays)


def shift(sequences, start_char: int | None, index_from: int) -> list[list[int]]:
    """Add `index_from` to every word and prepend `start_char` when it is not None."""
    head = [] if start_char is None else [start_char]
    return [head + [word + index_from for word in sequence] for sequence in sequences]


def drop_long(maxlen: int | None, sequences: list, labels: np.ndarray):
    """Keep only the sequences shorter than `maxlen` (Keras keeps ``len < maxlen``)."""
    if not maxlen:
        return sequences, labels
    keep = [len(sequence) < maxlen for sequence in sequences]
    kept = [sequence for sequence, ok in zip(sequences, keep) if ok]
    return kept, labels[np.asarray(keep, dtype=bool)]


def cap_vocabulary(sequences: list, num_words, skip_top: int, oov_char) -> list[list[int]]:
    """Replace (or drop, when `oov_char` is None) words outside ``[skip_top, num_words)``."""
    if not num_words:
        num_words = max((max(sequence) for sequence in sequences if sequence), default=0)
    if oov_char is None:
        return [[w for w in sequence if skip_top <= w < num_words] for sequence in sequences]
    return [[w if skip_top <= w < num_words else oov_char for w in s] for s in sequences]


def object_array(sequences: list) -> np.ndarray:
    """A 1-D object array of lists (``np.array`` would make a 2-D array if all lengths agreed)."""
    out = np.empty(len(sequences), dtype=object)
    for index, sequence in enumerate(sequences):
        out[index] = sequence
    return out
