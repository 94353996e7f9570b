"""`CSVLogger`: write each epoch's logs as a row of a CSV file."""

from __future__ import annotations

import collections.abc
import csv
import os

import numpy as np

from strata.callbacks.callback import Callback


class CSVLogger(Callback):
    """Stream epoch results to a CSV file, in the format Keras writes.

    The header is ``epoch`` then the log names sorted; when the first epoch has no validation
    logs, ``val_`` columns are added for every name (filled with ``NA``) so that later epochs with
    validation fit the same columns. Rows end with ``\\r\\n`` (the CSV "excel" dialect), as Keras's.

    Args:
        filename: the CSV file path (str or path-like).
        separator: the field separator.
        append: if True, append to an existing file (no second header if it already has lines);
            if False, overwrite it.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> logger = CSVLogger(path)
        >>> logger.on_train_begin()
        >>> logger.on_epoch_end(0, {"loss": 0.5, "val_loss": 0.75})
        >>> logger.on_train_end()
        >>> with open(path, newline="") as f:
        ...     f.read()
        'epoch,loss,val_loss\\r\\n0,0.5,0.75\\r\\n'
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        try:
            self.filename = os.fspath(filename)
        except TypeError:
            raise ValueError(
                f"CSVLogger: `filename` must be a path (str or os.PathLike); received {filename!r}."
            ) from None
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                "CSVLogger: `separator` must be a one-character string; received "
                f"separator={separator!r}."
            )
        self.sep = separator
        self.append = bool(append)
        self.keys = None
        self.writer = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as existing:
                    self.append_header = not existing.readline()
            mode = "a"
        else:
            mode = "w"
        self._close()
        self.csv_file = open(self.filename, mode)  # closed in on_train_end
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            dialect = type("StrataCSVDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(
                self.csv_file, fieldnames=["epoch", *self.keys], dialect=dialect
            )
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _format(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        self._close()
        self.writer = None

    def _close(self) -> None:
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()


def _format(value):
    """A cell: strings and scalars as they are, a 1-D sequence as ``"[a, b, ...]"`` (as Keras)."""
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and not (
        isinstance(value, np.ndarray) and value.ndim == 0
    ):
        return f'"[{", ".join(map(str, value))}]"'
    return value
