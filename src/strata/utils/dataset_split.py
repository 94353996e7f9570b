"""`split_dataset`: cut arrays into a left part and a right part (e.g. train and validation)."""

from __future__ import annotations

import numbers
import random

import numpy as np


def _check_size(name: str, size, total: int) -> None:
    if size is None:
        return
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise TypeError(
            f"split_dataset: `{name}` must be an int, a float or None; received {name}={size!r} "
            f"of type {type(size).__name__}."
        )
    if isinstance(size, numbers.Integral):
        if not 0 < size < total:
            raise ValueError(
                f"split_dataset: an int `{name}` counts samples and must lie in (0, {total}) for "
                f"a dataset of {total} samples; received {name}={size}."
            )
    elif not 0 < size < 1:
        raise ValueError(
            f"split_dataset: a float `{name}` is a fraction and must lie in (0, 1); received "
            f"{name}={size}."
        )


def _resolve_size(size, total: int) -> int | None:
    if size is None or isinstance(size, numbers.Integral):
        return None if size is None else int(size)
    # Python's round (half to even), as Keras rounds fractions.
    return round(float(size) * total)


def split_dataset(dataset, left_size=None, right_size=None, shuffle: bool = False, seed=None):
    """Split a dataset into a left part and a right part.

    Keras returns two ``tf.data.Dataset`` objects; strata has no tf.data and returns arrays
    holding the same samples in the same order.

    Args:
        dataset: An array whose first axis indexes samples, or a tuple (or list) of such arrays
            with the same number of samples (e.g. ``(x, y)``).
        left_size: Samples in the left part: an int count or a float fraction in (0, 1).
            Defaults to the samples not in the right part.
        right_size: Samples in the right part, in the same forms. Defaults to the rest. When
            both are given and leave samples over, those in the middle are dropped.
        shuffle: Whether to shuffle the samples before splitting.
        seed: Seed for the shuffle. As in Keras, the order is Python's ``random.shuffle`` after
            ``random.seed(seed)`` (strata uses a private ``random.Random(seed)`` and leaves the
            global generator alone); a seed of None draws one from Python's ``random``.

    Returns:
        ``(left, right)``: two arrays for an array input, or two tuples of arrays for a tuple or
        list input.

    Example:
        >>> x, y = np.arange(10).reshape(5, 2), np.arange(5)
        >>> (x_left, y_left), (x_right, y_right) = split_dataset((x, y), left_size=0.6)
        >>> x_left.shape, y_left.tolist(), y_right.tolist()
        ((3, 2), [0, 1, 2], [3, 4])
    """
    if isinstance(dataset, (tuple, list)):
        if not dataset:
            raise ValueError(
                "split_dataset: `dataset` is an empty tuple; pass an array or a tuple of arrays."
            )
        arrays = tuple(np.asarray(part) for part in dataset)
        for index, array in enumerate(arrays):
            if array.ndim == 0:
                raise ValueError(
                    f"split_dataset: element {index} of `dataset` is a scalar; every element must "
                    "be an array whose first axis indexes samples. To split a list of numbers, "
                    "pass np.asarray(...) of it."
                )
        lengths = [len(array) for array in arrays]
        if len(set(lengths)) > 1:
            shapes = [array.shape for array in arrays]
            raise ValueError(
                "split_dataset: the arrays in `dataset` must have the same number of samples; "
                f"received arrays of shapes {shapes}."
            )
    elif hasattr(dataset, "__len__") or hasattr(dataset, "__array__"):
        arrays = (np.asarray(dataset),)
        if arrays[0].ndim == 0:
            raise ValueError(
                "split_dataset: `dataset` must be an array of samples; received a scalar."
            )
    else:
        raise TypeError(
            "split_dataset: `dataset` must be a NumPy array or a tuple of arrays; received "
            f"{type(dataset).__name__}. (tf.data and torch datasets are not supported.)"
        )
    total = len(arrays[0])
    if total == 0:
        raise ValueError("split_dataset: `dataset` holds no samples.")

    if left_size is None and right_size is None:
        raise ValueError(
            "split_dataset: pass `left_size`, `right_size` or both; received neither. For an "
            "80/20 split use left_size=0.8."
        )
    _check_size("left_size", left_size, total)
    _check_size("right_size", right_size, total)
    left = _resolve_size(left_size, total)
    right = _resolve_size(right_size, total)
    if left is None:
        left = total - right
    if right is None:
        right = total - left
    if left + right > total:
        raise ValueError(
            f"split_dataset: left_size={left_size!r} and right_size={right_size!r} ask for "
            f"{left} + {right} samples, more than the {total} in `dataset`."
        )
    for name, size in (("left", left), ("right", right)):
        if size == 0:
            raise ValueError(
                f"split_dataset: with {total} samples, left_size={left_size!r} and "
                f"right_size={right_size!r} leave the {name} part empty; make it larger."
            )

    order = list(range(total))
    if shuffle:
        if seed is None:
            seed = random.randint(0, int(1e6))
        random.Random(seed).shuffle(order)
    order = np.asarray(order, dtype=np.int64)
    left_parts = tuple(array[order[:left]] for array in arrays)
    right_parts = tuple(array[order[total - right :]] for array in arrays)
    if isinstance(dataset, (tuple, list)):
        return left_parts, right_parts
    return left_parts[0], right_parts[0]
