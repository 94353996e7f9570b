"""`timeseries_dataset_from_array`: sliding windows over a series, in batches of NumPy arrays.

Keras returns a ``tf.data.Dataset``; strata has no tf.data, so it returns `TimeseriesBatches`, a
plain Python iterable that yields ``(x, y)`` NumPy batches (or ``x`` alone without targets), can
be iterated again for every epoch, and can be passed to ``fit``, ``evaluate`` and ``predict`` as it
is. The windows and target values are the ones Keras yields.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator

import numpy as np


class TimeseriesBatches:
    """Re-iterable batches of windows; built by `timeseries_dataset_from_array`.

    ``len()`` is the number of batches (of windows when ``batch_size`` is None). Windows are cut
    from the data when a batch is requested, so the whole set is never held in memory at once.
    """

    def __init__(self, data, targets, starts, offsets, batch_size):
        self._data = data
        self._targets = targets
        self._starts = starts
        self._offsets = offsets
        self._batch_size = batch_size

    @property
    def num_windows(self) -> int:
        return len(self._starts)

    def __len__(self) -> int:
        if self._batch_size is None:
            return self.num_windows
        return -(-self.num_windows // self._batch_size)

    def _cut(self, starts):
        x = self._data[starts[..., None] + self._offsets]
        if self._targets is None:
            return x
        return x, self._targets[starts]

    def __iter__(self) -> Iterator:
        if self._batch_size is None:
            for start in self._starts:
                yield self._cut(np.asarray(start))
            return
        for begin in range(0, self.num_windows, self._batch_size):
            yield self._cut(self._starts[begin : begin + self._batch_size])

    def __repr__(self) -> str:
        return (
            f"TimeseriesBatches(num_windows={self.num_windows}, batch_size={self._batch_size}, "
            f"batches={len(self)})"
        )


def _check_int(name: str, value, *, low: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        expected = f"an int >= {low}" + (" or None" if allow_none else "")
        raise ValueError(
            f"timeseries_dataset_from_array: `{name}` must be {expected}; received "
            f"{name}={value!r}."
        )


def timeseries_dataset_from_array(
    data,
    targets,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
) -> TimeseriesBatches:
    """Sliding windows over `data`, batched, each paired with a target.

    Window ``i`` starts at ``s_i = start_index + i * sequence_stride`` and holds the steps
    ``data[s_i], data[s_i + sampling_rate], ...`` (`sequence_length` of them); its target is
    ``targets[s_i]``. Only steps in ``[start_index, end_index)`` are used, and the number of
    windows is also capped by the number of targets in that range. A series too short for a
    single window gives no batches, as in Keras.

    Unlike Keras, which returns a ``tf.data.Dataset``, the result is a Python iterable of NumPy
    batches (see `TimeseriesBatches`), which ``fit``, ``evaluate`` and ``predict`` accept. With
    ``shuffle=True`` the window order is the permutation Keras draws
    (``np.random.RandomState(seed)``; a seed of None draws one from NumPy's global generator);
    Keras then also shuffles within a buffer with TensorFlow's generator, which strata leaves out,
    so batches hold the same windows as Keras's before that step. The order is fixed across
    iterations.

    Args:
        data: Array-like of shape ``(steps, ...)``.
        targets: Array-like with one target per step, or None to yield inputs only.
        sequence_length: Number of steps in each window.
        sequence_stride: Steps between the starts of consecutive windows.
        sampling_rate: Steps between consecutive entries of one window.
        batch_size: Windows per batch (the last may be smaller), or None for single windows.
        shuffle: Whether to shuffle the order of windows.
        seed: Seed for the shuffle.
        start_index: First step used (inclusive). Defaults to 0.
        end_index: Last step used (exclusive). Defaults to ``len(data)``.

    Returns:
        A `TimeseriesBatches` yielding ``x`` of shape
        ``(batch, sequence_length) + data.shape[1:]`` and ``y`` of shape
        ``(batch,) + targets.shape[1:]``.

    Example:
        >>> batches = timeseries_dataset_from_array(
        ...     np.arange(10), np.arange(10) * 10, sequence_length=3, sequence_stride=2,
        ...     batch_size=2)
        >>> for x, y in batches:
        ...     print(x.tolist(), y.tolist())
        [[0, 1, 2], [2, 3, 4]] [0, 20]
        [[4, 5, 6], [6, 7, 8]] [40, 60]
    """
    values = np.asarray(data)
    if values.ndim == 0:
        raise ValueError(
            "timeseries_dataset_from_array: `data` must be an array of shape (steps, ...); "
            "received a scalar."
        )
    steps = len(values)
    _check_int("sequence_length", sequence_length, low=1)
    _check_int("sequence_stride", sequence_stride, low=1)
    _check_int("sampling_rate", sampling_rate, low=1)
    _check_int("batch_size", batch_size, low=1, allow_none=True)
    _check_int("seed", seed, low=0, allow_none=True)
    _check_int("start_index", start_index, low=0, allow_none=True)
    _check_int("end_index", end_index, low=1, allow_none=True)
    # Keras refuses strides and sampling rates of at least the data length; so does strata.
    for name, value in (("sequence_stride", sequence_stride), ("sampling_rate", sampling_rate)):
        if value >= steps:
            raise ValueError(
                f"timeseries_dataset_from_array: `{name}` must be lower than the length of "
                f"`data` ({steps}); received {name}={value}."
            )
    start = 0 if start_index is None else int(start_index)
    end = steps if end_index is None else int(end_index)
    if start >= steps:
        raise ValueError(
            f"timeseries_dataset_from_array: `start_index` must be lower than the length of "
            f"`data` ({steps}); received start_index={start_index}."
        )
    # Keras also rejects end_index == len(data); strata accepts it, since it is the default.
    if end > steps or end <= start:
        raise ValueError(
            f"timeseries_dataset_from_array: `end_index` must lie in ({start}, {steps}] (after "
            f"start_index and at most the length of `data`); received end_index={end_index}."
        )

    count = end - start - (sequence_length - 1) * sampling_rate
    target_values = None
    if targets is not None:
        target_values = np.asarray(targets)
        if target_values.ndim == 0:
            raise ValueError(
                "timeseries_dataset_from_array: `targets` must be an array with one target per "
                "step, or None; received a scalar."
            )
        target_values = target_values[start:end]
        count = min(count, len(target_values))
    starts = np.arange(0, max(count, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(starts)
    offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    return TimeseriesBatches(values[start:end], target_values, starts, offsets, batch_size)
