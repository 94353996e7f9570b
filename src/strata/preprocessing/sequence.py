"""``keras.preprocessing.sequence``: `pad_sequences` (the same function as in `strata.utils`).

Example:
    >>> pad_sequences([[1, 2], [3]]).tolist()
    [[1, 2], [0, 3]]
"""

from strata.utils.sequence_padding import pad_sequences

__all__ = ["pad_sequences"]
