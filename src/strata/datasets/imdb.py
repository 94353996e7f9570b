"""IMDB movie reviews for sentiment classification: 25,000 training and 25,000 test reviews.

Each review is a list of word indices, ranked by frequency (index 1 is the most common word
before the shift by `index_from`); labels are 0 (negative) and 1 (positive). Keras's file
``imdb.npz``, downloaded once and checked against its SHA-256 digest.
"""

from __future__ import annotations

import json
import os

import numpy as np

from strata.datasets import _sequences
from strata.datasets._download import get_file
from strata.datasets._safe_load import load_npz

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_SHA256 = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
_WORD_INDEX_MD5 = "bfafd718b763782e994055a2d397834f"


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    *,
    cache_dir: str | os.PathLike | None = None,
):
    """Load the IMDB reviews as Keras does.

    Args:
        path: File name in the cache folder.
        num_words: Keep the `num_words` - 1 most frequent word indices (after the shift); others
            become `oov_char`. None keeps all.
        skip_top: Also treat the indices below `skip_top` as out of vocabulary.
        maxlen: Drop reviews of `maxlen` words or more (counting `start_char`). None keeps all.
        seed: Seed of the shuffle applied to each split.
        start_char: Index prepended to every review, or None for none.
        oov_char: Index that replaces dropped words, or None to remove them.
        index_from: Added to every word index.
        cache_dir: Cache folder (keyword only; see `strata.datasets._download.cache_folder`).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` is a 1-D object array of lists of ints,
        ``y`` an integer array of 0/1 labels.

    Example (needs the file, so not run here)::

        (x_train, y_train), (x_test, y_test) = strata.datasets.imdb.load_data(num_words=10000)
    """
    _sequences.check_options(
        "imdb.load_data", num_words, skip_top, maxlen, seed, start_char, oov_char, index_from
    )
    arrays = load_npz(get_file(path, _ORIGIN + "imdb.npz", _SHA256, cache_dir=cache_dir))
    rng = np.random.RandomState(seed)
    x_train, y_train = _sequences.shuffle_together(rng, arrays["x_train"], arrays["y_train"])
    x_test, y_test = _sequences.shuffle_together(rng, arrays["x_test"], arrays["y_test"])

    x_train = _sequences.shift(x_train, start_char, index_from)
    x_test = _sequences.shift(x_test, start_char, index_from)
    x_train, y_train = _sequences.drop_long(maxlen, x_train, y_train)
    x_test, y_test = _sequences.drop_long(maxlen, x_test, y_test)
    if maxlen and (not x_train or not x_test):
        raise ValueError(
            f"imdb.load_data: no review is shorter than maxlen={maxlen} in one of the splits; "
            "increase maxlen."
        )
    # The vocabulary limit is computed over both splits together, as in Keras.
    sequences = _sequences.cap_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    split = len(x_train)
    return (
        (_sequences.object_array(sequences[:split]), y_train),
        (_sequences.object_array(sequences[split:]), y_test),
    )


def get_word_index(
    path: str = "imdb_word_index.json", *, cache_dir: str | os.PathLike | None = None
) -> dict[str, int]:
    """The word -> index dictionary (before the `index_from` shift).

    Example (needs the file, so not run here)::

        index = strata.datasets.imdb.get_word_index()
        words = {i + 3: w for w, i in index.items()}
    """
    file = get_file(path, _ORIGIN + "imdb_word_index.json", _WORD_INDEX_MD5, cache_dir=cache_dir)
    with open(file, encoding="utf-8") as stream:
        return json.load(stream)
