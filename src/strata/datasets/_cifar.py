"""Read CIFAR batches straight from the downloaded ``.tar.gz`` (nothing is extracted to disk).

Each batch is a pickled dict (written by Python 2, so its keys load as bytes) holding ``data``, a
uint8 array of shape ``(n, 3072)`` with the red, green and blue planes of each 32x32 image in turn,
and a list of labels. It is unpickled with `SafeUnpickler`, which only rebuilds NumPy arrays.
"""

from __future__ import annotations

import os
import tarfile

import numpy as np

from strata.datasets._safe_load import SafeUnpickler


def read_batches(
    archive: str | os.PathLike, members: list[str], label_key: str
) -> tuple[np.ndarray, np.ndarray]:
    """Images ``(n, 32, 32, 3)`` uint8 (channels last) and labels ``(n,)`` of the named batches."""
    images, labels = [], []
    with tarfile.open(archive, "r:gz") as tar:
        for member in members:
            try:
                stream = tar.extractfile(member)
            except KeyError:
                stream = None
            if stream is None:
                raise ValueError(
                    f"{archive} has no file {member!r}; it is not the expected CIFAR archive. "
                    "Delete it so that it is downloaded again."
                )
            with stream:
                batch = SafeUnpickler(stream, encoding="bytes").load()
            batch = {key.decode("utf-8") if isinstance(key, bytes) else key: value
                     for key, value in batch.items()}  # fmt: skip
            data = np.asarray(batch["data"], dtype=np.uint8)
            images.append(data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1))
            labels.append(np.asarray(batch[label_key]))
    return np.concatenate(images), np.concatenate(labels)
