"""CIFAR-10: 50,000 training and 10,000 test 32x32 colour images in 10 classes.

The original ``cifar-10-python.tar.gz`` (the file Keras uses), downloaded once and checked
against its SHA-256 digest; batches are read from the archive without extracting it.
"""

from __future__ import annotations

import os

import numpy as np

from strata.datasets._cifar import read_batches
from strata.datasets._download import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
_FOLDER = "cifar-10-batches-py"


def load_data(*, cache_dir: str | os.PathLike | None = None):
    """Load CIFAR-10.

    Args:
        cache_dir: Cache folder (keyword only; see `strata.datasets._download.cache_folder`).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(n, 32, 32, 3)``
        (channels last) and uint8 labels of shape ``(n, 1)`` (0 airplane, 1 automobile, ...,
        9 truck).

    Example (needs the file, so not run here)::

        (x_train, y_train), (x_test, y_test) = strata.datasets.cifar10.load_data()
    """
    archive = get_file("cifar-10-python.tar.gz", _ORIGIN, _SHA256, cache_dir=cache_dir)
    train = [f"{_FOLDER}/data_batch_{i}" for i in range(1, 6)]
    x_train, y_train = read_batches(archive, train, "labels")
    x_test, y_test = read_batches(archive, [f"{_FOLDER}/test_batch"], "labels")
    # Keras stores the labels as uint8 columns.
    y_train = y_train.astype(np.uint8).reshape(-1, 1)
    y_test = y_test.astype(np.uint8).reshape(-1, 1)
    return (x_train, y_train), (x_test, y_test)
