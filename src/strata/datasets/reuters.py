"""Reuters newswire topics: 11,228 newswires labelled with one of 46 topics.

Each newswire is a list of word indices, ranked by frequency like `strata.datasets.imdb`. Keras's
file ``reuters.npz``, downloaded once and checked against its SHA-256 digest; the train/test split
is made after shuffling, by `test_split`.
"""

from __future__ import annotations

import json
import numbers
import os

import numpy as np

from strata.datasets import _sequences
from strata.datasets._download import get_file
from strata.datasets._safe_load import load_npz

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_SHA256 = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
_WORD_INDEX_MD5 = "4d44cc38712099c9e383dc6e5f11a921"
_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    *,
    cache_dir: str | os.PathLike | None = None,
):
    """Load the Reuters newswires as Keras does.

    Args:
        path: File name in the cache folder.
        num_words: Keep the `num_words` - 1 most frequent word indices (after the shift); others
            become `oov_char`. None keeps all.
        skip_top: Also treat the indices below `skip_top` as out of vocabulary.
        maxlen: Drop newswires of `maxlen` words or more (counting `start_char`). None keeps all.
        test_split: Fraction of the (shuffled) newswires kept for the test split, in [0, 1).
        seed: Seed of the shuffle.
        start_char: Index prepended to every newswire, or None for none.
        oov_char: Index that replaces dropped words, or None to remove them.
        index_from: Added to every word index.
        cache_dir: Cache folder (keyword only; see `strata.datasets._download.cache_folder`).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` is a 1-D object array of lists of ints,
        ``y`` an integer array of topic indices (see `get_label_names`).

    Example (needs the file, so not run here)::

        (x_train, y_train), _ = strata.datasets.reuters.load_data(num_words=10000)
    """
    _sequences.check_options(
        "reuters.load_data", num_words, skip_top, maxlen, seed, start_char, oov_char, index_from
    )
    if (
        isinstance(test_split, bool)
        or not isinstance(test_split, numbers.Real)
        or not (0 <= test_split < 1)
    ):
        raise ValueError(
            "reuters.load_data: `test_split` must be a fraction in [0, 1); received "
            f"test_split={test_split!r}."
        )
    arrays = load_npz(get_file(path, _ORIGIN + "reuters.npz", _SHA256, cache_dir=cache_dir))
    rng = np.random.RandomState(seed)
    xs, labels = _sequences.shuffle_together(rng, arrays["x"], arrays["y"])
    xs = _sequences.shift(xs, start_char, index_from)
    xs, labels = _sequences.drop_long(maxlen, xs, labels)
    xs = _sequences.cap_vocabulary(xs, num_words, skip_top, oov_char)
    split = int(len(xs) * (1 - test_split))
    return (
        (_sequences.object_array(xs[:split]), np.array(labels[:split])),
        (_sequences.object_array(xs[split:]), np.array(labels[split:])),
    )


def get_word_index(
    path: str = "reuters_word_index.json", *, cache_dir: str | os.PathLike | None = None
) -> dict[str, int]:
    """The word -> index dictionary (before the `index_from` shift).

    Example (needs the file, so not run here)::

        index = strata.datasets.reuters.get_word_index()
    """
    origin = _ORIGIN + "reuters_word_index.json"
    file = get_file(path, origin, _WORD_INDEX_MD5, cache_dir=cache_dir)
    with open(file, encoding="utf-8") as stream:
        return json.load(stream)


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, indexed by label.

    Example:
        >>> get_label_names()[:3]
        ('cocoa', 'grain', 'veg-oil')
    """
    return _LABEL_NAMES
