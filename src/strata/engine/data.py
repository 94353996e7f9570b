"""Turn what users pass to `fit`/`evaluate`/`predict` into checked NumPy arrays.

Accepted: NumPy arrays and anything `np.asarray` takes (JAX arrays, pandas), Python lists of
numbers (tf.keras 2 style), and lists/tuples/dicts of those for several inputs or outputs.
Every problem is reported here, before anything is compiled.
"""

from __future__ import annotations

import numbers

import jax
import numpy as np


def is_dataframe(x) -> bool:
    """A pandas DataFrame (recognised without importing pandas)."""
    return hasattr(x, "columns") and hasattr(x, "to_numpy") and hasattr(x, "iloc")


def _is_scalar_tree(x) -> bool:
    """True for a number or a (nested) list/tuple of numbers: data, not a structure of arrays."""
    if isinstance(x, numbers.Number | np.generic | str | bytes):
        return True
    if isinstance(x, list | tuple):
        return len(x) > 0 and all(_is_scalar_tree(item) for item in x)
    return False


def as_array(x, what: str) -> np.ndarray:
    """`x` as a numeric NumPy array, or a ValueError that says what is wrong with it.

    Example:
        >>> as_array([1, 2, 3], "x").shape
        (3,)
    """
    try:
        array = np.asarray(x)
    except ValueError as err:
        raise ValueError(
            f"`{what}` is ragged: its nested lists have different lengths ({err}). Every sample "
            "must have the same shape; pad the sequences (e.g. with "
            "strata.utils.pad_sequences) or pass a NumPy array."
        ) from None
    if array.dtype == object:
        raise ValueError(
            f"`{what}` could not be converted to a numeric array: it holds Python objects "
            "(ragged lists or mixed types). Pass numbers of the same shape for every sample."
        )
    if array.dtype.kind not in "biuf":
        raise ValueError(
            f"`{what}` must be numeric; received an array of dtype {array.dtype}. Convert text "
            "or categories to numbers first."
        )
    if array.ndim == 0:
        raise ValueError(f"`{what}` is a single number; expected an array with one row per sample.")
    # JAX computes in 32 bits unless x64 is enabled; narrowing here avoids a warning per array.
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    elif array.dtype == np.int64:
        array = array.astype(np.int32)
    elif array.dtype == np.uint64:
        array = array.astype(np.uint32)
    return array


def to_structure(data, what: str):
    """Arrays arranged as given: a single array, a list, or a dict (leaves converted).

    A list of plain numbers (or of lists of numbers) is one array of samples; a list of arrays
    is a structure (one array per model input or output).
    """
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: as_array(value, f"{what}['{key}']") for key, value in data.items()}
    if isinstance(data, list | tuple) and not _is_scalar_tree(data):
        return [as_array(value, f"{what}[{i}]") for i, value in enumerate(data)]
    return as_array(data, what)


def num_samples(structures: dict) -> int:
    """The common number of samples of all arrays; a ValueError listing sizes if they differ."""
    sizes = {}
    for what, structure in structures.items():
        if structure is None:
            continue
        leaves = jax.tree_util.tree_leaves(structure)
        if not leaves:
            continue
        sizes[what] = [int(leaf.shape[0]) for leaf in leaves]
    flat = {size for values in sizes.values() for size in values}
    if len(flat) > 1:
        detail = "\n".join(f"'{what}' sizes: {', '.join(map(str, s))}" for what, s in sizes.items())
        raise ValueError(
            "Data cardinality is ambiguous: all arrays must contain the same number of samples.\n"
            f"{detail}"
        )
    if not flat:
        raise ValueError("No data was given.")
    count = flat.pop()
    if count == 0:
        raise ValueError("The data is empty (0 samples).")
    return count


def split_validation(arrays: dict, validation_split: float, count: int):
    """Split off the last `validation_split` fraction (before any shuffling), as Keras does."""
    if not 0.0 <= validation_split < 1.0:
        raise ValueError(
            f"`validation_split` must be in [0, 1); received validation_split={validation_split}."
        )
    split_at = int(count * (1.0 - validation_split))
    if split_at in (0, count):
        raise ValueError(
            f"Training data contains {count} samples, which is not sufficient to split it into "
            f"a validation and training set as specified by validation_split={validation_split}. "
            "Use more data or a different validation_split."
        )

    def cut(structure, part):
        if structure is None:
            return None
        return jax.tree_util.tree_map(
            lambda a: a[:split_at] if part == 0 else a[split_at:], structure
        )

    train = {k: cut(v, 0) for k, v in arrays.items()}
    val = {k: cut(v, 1) for k, v in arrays.items()}
    return train, val


def class_weights_to_sample_weights(y, class_weight: dict) -> np.ndarray:
    """Per-sample weights from ``{class_index: weight}`` (argmax of one-hot y, else the label)."""
    if not isinstance(class_weight, dict):
        raise ValueError(
            f"`class_weight` must be a dict {{class: weight}}; received {class_weight!r}."
        )
    for key in class_weight:
        if isinstance(key, bool) or not isinstance(key, numbers.Integral):
            raise ValueError(
                f"`class_weight` keys must be integer class indices; received key {key!r}."
            )
    if isinstance(y, list | dict):
        raise ValueError("`class_weight` is only supported for models with a single output.")
    labels = (
        np.argmax(y, axis=-1)
        if y.ndim > 1 and y.shape[-1] > 1
        else np.round(y.reshape(y.shape[0], -1)[:, 0]).astype(int)
    )
    weights = np.ones(labels.shape[0], dtype=np.float32)
    for cls, weight in class_weight.items():
        weights[labels == cls] = weight
    return weights


def check_batch_args(batch_size, epochs=None) -> None:
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, numbers.Integral)
        or batch_size <= 0
    ):
        raise ValueError(
            f"`batch_size` must be a positive int; received batch_size={batch_size!r}."
        )
    if epochs is not None and (
        isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0
    ):
        raise ValueError(f"`epochs` must be a non-negative int; received epochs={epochs!r}.")


def epoch_batches(count: int, batch_size: int, shuffle) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices per step ``(steps, batch_size)`` and a 0/1 mask marking real samples.

    The last batch is padded (index 0, mask 0) so every step has the same shape and the step is
    compiled once. `shuffle=True` permutes with NumPy's global generator, as Keras 3.15 does, so a
    seeded script shuffles identically in both; ``"batch"`` shuffles within batches.

    Example:
        >>> idx, mask = epoch_batches(5, 2, shuffle=False)
        >>> idx.tolist(), mask.tolist()
        ([[0, 1], [2, 3], [4, 0]], [[1.0, 1.0], [1.0, 1.0], [1.0, 0.0]])
    """
    steps = -(-count // batch_size)
    order = np.random.permutation(count) if shuffle is True else np.arange(count)
    padded = np.zeros(steps * batch_size, dtype=np.int32)
    padded[:count] = order
    mask = np.zeros(steps * batch_size, dtype=np.float32)
    mask[:count] = 1.0
    indices = padded.reshape(steps, batch_size)
    if shuffle == "batch":
        for row in range(steps):
            real = int(mask[row * batch_size : (row + 1) * batch_size].sum())
            indices[row, :real] = np.random.permutation(indices[row, :real])
    return indices, mask.reshape(steps, batch_size)
