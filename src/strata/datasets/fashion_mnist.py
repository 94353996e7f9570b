"""Fashion-MNIST: 60,000 training and 10,000 test images of clothing, 28x28 grayscale, 10 classes.

Keras's four gzipped IDX files, downloaded once into the ``fashion-mnist`` sub-folder and checked
against their SHA-256 digests. Keras lists none for these files; the digests are the published ones
of the Fashion-MNIST release Keras mirrors (the same files: 26,421,880 bytes for the training
images), as pinned by TensorFlow Datasets and torchvision. The IDX headers are checked too.
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from strata.datasets._download import get_file

_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_SHA256 = {
    "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
    "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
    "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
    "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
}
# IDX magic numbers: unsigned bytes (0x08) with 1 dimension (labels) or 3 (images).
_LABELS_MAGIC, _IMAGES_MAGIC = 2049, 2051


def _read_idx(path, magic: int) -> np.ndarray:
    with gzip.open(path, "rb") as stream:
        raw = bytearray(stream.read())  # a bytearray, so that the arrays are writable
    header = 8 if magic == _LABELS_MAGIC else 16
    found = int.from_bytes(raw[:4], "big") if len(raw) >= header else None
    if found != magic:
        raise ValueError(
            f"fashion_mnist.load_data: {path} is not an IDX file of the expected kind (magic "
            f"number {found}, expected {magic}); delete it so that it is downloaded again."
        )
    count = int.from_bytes(raw[4:8], "big")
    values = np.frombuffer(raw, np.uint8, offset=header)
    if magic == _LABELS_MAGIC:
        return values
    rows, cols = int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")
    return values.reshape(count, rows, cols)


def load_data(*, cache_dir: str | os.PathLike | None = None):
    """Load Fashion-MNIST.

    Args:
        cache_dir: Cache folder (keyword only; see `strata.datasets._download.cache_folder`).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: uint8 images of shape ``(n, 28, 28)`` and uint8
        labels of shape ``(n,)`` (0 T-shirt/top, 1 Trouser, ..., 9 Ankle boot).

    Example (needs the files, so not run here)::

        (x_train, y_train), (x_test, y_test) = strata.datasets.fashion_mnist.load_data()
    """

    def read(name: str, magic: int) -> np.ndarray:
        path = get_file(
            name, _ORIGIN + name, _SHA256[name], cache_dir=cache_dir, cache_subdir="fashion-mnist"
        )
        return _read_idx(path, magic)

    y_train = read("train-labels-idx1-ubyte.gz", _LABELS_MAGIC)
    x_train = read("train-images-idx3-ubyte.gz", _IMAGES_MAGIC)
    y_test = read("t10k-labels-idx1-ubyte.gz", _LABELS_MAGIC)
    x_test = read("t10k-images-idx3-ubyte.gz", _IMAGES_MAGIC)
    return (x_train, y_train), (x_test, y_test)
