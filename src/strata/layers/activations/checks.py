"""Argument checks the activation layers share."""

from __future__ import annotations


def non_negative(layer: str, name: str, value, allow_none: bool = False):
    """`value` as a float if it is a number >= 0 (or None when allowed), else a ValueError.

    Example:
        >>> non_negative("ReLU", "threshold", 0.5)
        0.5
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        expected = "a float >= 0" + (" or None" if allow_none else "")
        raise ValueError(f"{layer}: `{name}` must be {expected}; received {name}={value!r}.")
    return float(value)
