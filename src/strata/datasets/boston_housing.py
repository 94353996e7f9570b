"""Boston housing prices: 506 suburbs, 13 features each, median value in $1000s as the target.

Keras's file ``boston_housing.npz``, downloaded once and checked against its SHA-256 digest; the
train/test split is made after shuffling, by `test_split`.
"""

from __future__ import annotations

import numbers
import os

import numpy as np

from strata.datasets._download import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/boston_housing.npz"
_SHA256 = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(
    path: str = "boston_housing.npz",
    test_split: float = 0.2,
    seed: int = 113,
    *,
    cache_dir: str | os.PathLike | None = None,
):
    """Load the Boston housing data as Keras does.

    Args:
        path: File name in the cache folder.
        test_split: Fraction of the (shuffled) samples kept for the test split, in [0, 1).
        seed: Seed of the shuffle.
        cache_dir: Cache folder (keyword only; see `strata.datasets._download.cache_folder`).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: float64 features of shape ``(n, 13)`` and
        float64 targets of shape ``(n,)``.

    Example (needs the file, so not run here)::

        (x_train, y_train), (x_test, y_test) = strata.datasets.boston_housing.load_data()
    """
    if (
        isinstance(test_split, bool)
        or not isinstance(test_split, numbers.Real)
        or not (0 <= test_split < 1)
    ):
        raise ValueError(
            "boston_housing.load_data: `test_split` must be a fraction in [0, 1); received "
            f"test_split={test_split!r}."
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(
            f"boston_housing.load_data: `seed` must be an int; received seed={seed!r}."
        )
    with np.load(get_file(path, _ORIGIN, _SHA256, cache_dir=cache_dir), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
