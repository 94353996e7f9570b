"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 classes (20 superclasses).

The original ``cifar-100-python.tar.gz`` (the file Keras uses), downloaded once and checked
against its SHA-256 digest; batches are read from the archive without extracting it.
"""

from __future__ import annotations

import os

from strata.datasets._cifar import read_batches
from strata.datasets._download import get_file

_ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
_SHA256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
_FOLDER = "cifar-100-python"


def load_data(label_mode: str = "fine", *, cache_dir: str | os.PathLike | None = None):
    """Load CIFAR-100.

    Args:
        label_mode: ``"fine"`` for the 100 classes or ``"coarse"`` for the 20 superclasses.
        cache_dir: Cache folder (keyword only; see `strata.datasets._download.cache_folder`).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(n, 32, 32, 3)``
        (channels last) and int64 labels of shape ``(n, 1)``.

    Example (needs the file, so not run here)::

        (x_train, y_train), _ = strata.datasets.cifar100.load_data(label_mode="coarse")
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            f'cifar100.load_data: `label_mode` must be "fine" or "coarse"; received '
            f"label_mode={label_mode!r}."
        )
    archive = get_file("cifar-100-python.tar.gz", _ORIGIN, _SHA256, cache_dir=cache_dir)
    key = f"{label_mode}_labels"
    x_train, y_train = read_batches(archive, [f"{_FOLDER}/train"], key)
    x_test, y_test = read_batches(archive, [f"{_FOLDER}/test"], key)
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))
