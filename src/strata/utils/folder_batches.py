"""`FolderBatches`: the batches of a folder of files, read from disk only when a batch is asked for.

Keras's folder loaders return a ``tf.data.Dataset``; strata has no tf.data, so they return this
`PyDataset`, which ``fit``, ``evaluate`` and ``predict`` take as it is (the engine prefetches its
batches on a background thread) and which can be iterated. Only one batch of decoded files is in
memory at a time, so a folder larger than memory trains.
"""

from __future__ import annotations

import numpy as np

from strata.utils import _directory_index
from strata.utils.py_dataset import PyDataset


class FolderBatches(PyDataset):
    """Batches of ``(samples, labels)`` (or samples alone without labels) read from `file_paths`.

    Args:
        file_paths: the files, in order (attribute ``file_paths``).
        labels: their encoded labels (one row per file), or None.
        load: ``path -> sample``: reads and decodes one file.
        collate: ``list of samples -> batch array``.
        batch_size: files per batch, or None for single samples without a batch axis.
        shuffle: reorder the files at every epoch.
        seed: the seed of those orders.
        class_names: the class names (attribute ``class_names``).

    Example:
        >>> import numpy as np
        >>> batches = FolderBatches(
        ...     ["a", "b", "c"], np.array([0, 1, 0], "int32"), load=len, collate=np.array,
        ...     batch_size=2, shuffle=False, seed=0, class_names=["x", "y"])
        >>> len(batches), batches[1]
        (2, (array([1]), array([0], dtype=int32)))
    """

    # Keras gives a dataset here (tf.data or grain), whose order `fit` leaves alone: the folder's
    # own `shuffle` decides it, so `fit(shuffle=True)` does not reorder these batches.
    shuffled_by_fit = False

    def __init__(self, file_paths, labels, load, collate, batch_size, shuffle, seed, class_names):
        super().__init__()
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self._labels = labels
        self._load = load
        self._collate = collate
        self._batch_size = batch_size
        self._shuffle = shuffle
        self._seed = seed
        self._epoch = 0
        self._order = self._epoch_order()

    def _epoch_order(self):
        count = len(self.file_paths)
        if not self._shuffle:
            return np.arange(count)
        # A different seeded order at every epoch, as tf.data reshuffles each iteration.
        return np.random.default_rng([self._seed, self._epoch]).permutation(count)

    def __len__(self) -> int:
        if self._batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self._batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"Batch index {index} is out of range for {len(self)} batches.")
        index %= len(self)
        if self._batch_size is None:
            rows = self._order[index]
            samples = self._load(self.file_paths[rows])
        else:
            rows = self._order[index * self._batch_size : (index + 1) * self._batch_size]
            samples = self._collate([self._load(self.file_paths[row]) for row in rows])
        if self._labels is None:
            return samples
        return samples, self._labels[rows]

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def on_epoch_end(self) -> None:
        self._epoch += 1
        self._order = self._epoch_order()

    def __repr__(self) -> str:
        return (
            f"FolderBatches(files={len(self.file_paths)}, batch_size={self._batch_size}, "
            f"batches={len(self)}, class_names={self.class_names!r})"
        )


def check_batch_size(owner: str, batch_size) -> None:
    """Reject a batch size that is not a positive int or None."""
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(
            f"{owner}: `batch_size` must be a positive int or None; received "
            f"batch_size={batch_size!r}."
        )


def folder_subsets(owner, directory, files, label_mode, **split_args):
    """The `FolderBatches` for the requested subset (a list of two for ``subset="both"``).

    `files` is ``(file_paths, labels, class_names)`` from the directory index; `split_args` are
    validation_split, subset, batch_size, shuffle, seed, load, collate and what the formats are
    (for the error message).
    """
    paths, labels, class_names = files
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(
            f"{owner}: label_mode='binary' needs exactly 2 classes; received "
            f"class_names={class_names!r}."
        )
    encoded = None
    if labels is not None:
        encoded = _directory_index.encode_labels(labels, label_mode, len(class_names))
    subset = split_args["subset"]
    subsets = ("training", "validation") if subset == "both" else (subset,)
    made = []
    for name in subsets:
        part_paths, part_labels = _directory_index.split(
            paths, encoded, split_args["validation_split"], name
        )
        if not part_paths:
            what = f"{name} files" if subset == "both" else "files"
            raise ValueError(
                f"{owner}: found no {what} in {directory!r} (allowed extensions: "
                f"{', '.join(split_args['formats'])})."
            )
        made.append(
            FolderBatches(
                part_paths,
                part_labels,
                load=split_args["load"],
                collate=split_args["collate"],
                batch_size=split_args["batch_size"],
                # Keras never shuffles the validation subset of "both".
                shuffle=split_args["shuffle"] and name != "validation",
                seed=split_args["seed"],
                class_names=class_names,
            )
        )
    return made if subset == "both" else made[0]
