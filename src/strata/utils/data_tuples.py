"""`pack_x_y_sample_weight` / `unpack_x_y_sample_weight`: the ``(x, y, sample_weight)`` tuples a
custom `train_step` receives, in Keras's shapes.
"""

from __future__ import annotations


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``x``, ``(x, y)`` or ``(x, y, sample_weight)``, leaving out trailing Nones (a lone tuple
    `x` is wrapped as ``(x,)`` so it is not read as ``(x, y)``).

    Example:
        >>> pack_x_y_sample_weight(1), pack_x_y_sample_weight(1, 2), pack_x_y_sample_weight((1, 2))
        (1, (1, 2), ((1, 2),))
    """
    if y is None:
        return (x,) if isinstance(x, (tuple, list)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``,
    missing parts as None.

    Example:
        >>> unpack_x_y_sample_weight((1, 2)), unpack_x_y_sample_weight({"a": 1})
        ((1, 2, None), ({'a': 1}, None, None))
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if 1 <= len(data) <= 3:
        return (*data, *(None,) * (3 - len(data)))
    raise ValueError(
        "Data is expected to be in format `x`, `(x,)`, `(x, y)`, or `(x, y, sample_weight)`, "
        f"found: {data}"
    )
