"""`PyDataset`: a dataset of batches that `fit`/`evaluate`/`predict` read by index, as Keras 3's."""

from __future__ import annotations


class PyDataset:
    """A dataset of batches, as Keras 3's `PyDataset`: subclass it and define `__len__` and
    `__getitem__(index) -> (x, y)` or `(x, y, sample_weight)`.

    Args:
        workers: how many batches to load in parallel ahead of training.
        use_multiprocessing: load in processes instead of threads (the dataset must pickle).
        max_queue_size: how many batches may wait, loaded, ahead of training.

    Example:
        >>> import numpy as np
        >>> class Squares(PyDataset):
        ...     def __len__(self):
        ...         return 2
        ...     def __getitem__(self, i):
        ...         x = np.arange(4, dtype="float32")[:, None] + 4 * i
        ...         return x, x**2
        >>> len(Squares()), Squares()[1][0].shape
        (2, (4, 1))
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"PyDataset: `workers` must be an int >= 1; received {workers!r}.")
        if (
            isinstance(max_queue_size, bool)
            or not isinstance(max_queue_size, int)
            or max_queue_size < 1
        ):
            raise ValueError(
                f"PyDataset: `max_queue_size` must be an int >= 1; received {max_queue_size!r}."
            )
        self.workers = workers
        self.use_multiprocessing = bool(use_multiprocessing)
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index):
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Called after every epoch (shuffle your data here if you want)."""
