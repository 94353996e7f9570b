"""MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28 grayscale.

Keras's file ``mnist.npz``, downloaded once and checked against its SHA-256 digest.
"""

from __future__ import annotations

import os

import numpy as np

from strata.datasets._download import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path: str = "mnist.npz", *, cache_dir: str | os.PathLike | None = None):
    """Load MNIST.

    Args:
        path: File name in the cache folder.
        cache_dir: Cache folder (keyword only; see `strata.datasets._download.cache_folder`).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(n, 28, 28)`` with
        values 0-255 and uint8 digit labels of shape ``(n,)``.

    Example (needs the file, so not run here)::

        (x_train, y_train), (x_test, y_test) = strata.datasets.mnist.load_data()
    """
    with np.load(get_file(path, _ORIGIN, _SHA256, cache_dir=cache_dir), allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
