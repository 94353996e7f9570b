"""`pad_sequences`: variable-length sequences to one rectangular array."""

from __future__ import annotations

import numbers

import numpy as np


def pad_sequences(
    sequences,
    maxlen: int | None = None,
    dtype="int32",
    padding: str = "pre",
    truncating: str = "pre",
    value=0.0,
) -> np.ndarray:
    """Pad (or cut) each sequence to the same length `maxlen`.

    Args:
        sequences: A list of sequences (lists or arrays). Their items may themselves be arrays,
            as long as every item has the same shape.
        maxlen: Length of the output rows. Defaults to the longest sequence.
        dtype: dtype of the output. Use ``object`` (or a NumPy string dtype) for strings.
        padding: ``"pre"`` puts the padding before each sequence, ``"post"`` after it.
        truncating: ``"pre"`` drops the start of sequences longer than `maxlen`, ``"post"`` the end.
        value: The padding value.

    Returns:
        An array of shape ``(len(sequences), maxlen) + item_shape``.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]]).tolist()
        [[1, 2, 3], [0, 0, 4]]
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post").tolist()
        [[1, 2], [4, 0]]
    """
    if padding not in ("pre", "post"):
        raise ValueError(
            f'pad_sequences: `padding` must be "pre" or "post"; received padding={padding!r}.'
        )
    if truncating not in ("pre", "post"):
        raise ValueError(
            'pad_sequences: `truncating` must be "pre" or "post"; received '
            f"truncating={truncating!r}."
        )
    if maxlen is not None and (
        isinstance(maxlen, bool) or not isinstance(maxlen, numbers.Integral) or maxlen < 0
    ):
        raise ValueError(
            f"pad_sequences: `maxlen` must be a non-negative int or None; received maxlen={maxlen!r}."
        )
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise ValueError(
            "pad_sequences: `sequences` must be a list of sequences; received "
            f"{type(sequences).__name__}."
        )
    lengths = []
    item_shape = None
    for index, sequence in enumerate(sequences):
        if isinstance(sequence, (str, bytes)) or not hasattr(sequence, "__len__"):
            raise ValueError(
                "pad_sequences: `sequences` must be a list of sequences; the item at index "
                f"{index} is {sequence!r}, which is not a sequence. Wrap single values in a list."
            )
        lengths.append(len(sequence))
        # Like Keras, the first non-empty sequence fixes the shape of the items.
        if item_shape is None and len(sequence):
            item_shape = np.asarray(sequence).shape[1:]
    item_shape = item_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)

    is_text_dtype = dtype is object or np.issubdtype(np.dtype(dtype), np.character)
    if isinstance(value, str) and not is_text_dtype:
        raise ValueError(
            f"pad_sequences: a string `value` ({value!r}) needs a text dtype, but dtype={dtype!r}. "
            "Pass dtype=object for strings of any length."
        )

    out = np.full((len(lengths), maxlen) + item_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for index, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != item_shape:
            raise ValueError(
                f"pad_sequences: the items of sequence {index} have shape {kept.shape[1:]}, but "
                f"earlier items have shape {item_shape}; every item must have the same shape."
            )
        if padding == "pre":
            out[index, maxlen - len(kept) :] = kept
        else:
            out[index, : len(kept)] = kept
    return out
