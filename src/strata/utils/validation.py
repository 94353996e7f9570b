"""Argument checks shared by every module, so that the same mistake gets the same message.

Each check names the object and the argument, shows what was received and says what was
expected, then returns the value in its canonical type.

Example:
    >>> check_rate("Dropout 'drop'", "rate", 0.5)
    0.5
    >>> check_int("EarlyStopping", "patience", -1, minimum=0)
    Traceback (most recent call last):
        ...
    ValueError: EarlyStopping: `patience` must be an int >= 0; received patience=-1.
"""

from __future__ import annotations

import numbers


def check_number(owner: str, arg: str, value, *, optional: bool = False, non_negative=False):
    """`value` if it is a real number (not a bool); None too when `optional`."""
    if value is None and optional:
        return None
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if ok and non_negative:
        ok = value >= 0
    if not ok:
        kind = "a non-negative number" if non_negative else "a number"
        kind += " or None" if optional else ""
        raise ValueError(f"{owner}: `{arg}` must be {kind}; received {arg}={value!r}.")
    return value


def check_rate(owner: str, arg: str, value, *, include_one: bool = False) -> float:
    """`value` as a float in [0, 1) (a dropout rate), or in [0, 1] when `include_one`."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    ok = ok and 0 <= value and (value <= 1 if include_one else value < 1)
    if not ok:
        interval = "[0, 1]" if include_one else "[0, 1)"
        raise ValueError(
            f"{owner}: `{arg}` must be a float in {interval}; received {arg}={value!r}."
        )
    return float(value)


def check_int(owner: str, arg: str, value, *, minimum: int) -> int:
    """`value` as an int >= `minimum` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        kind = "a positive int" if minimum == 1 else f"an int >= {minimum}"
        raise ValueError(f"{owner}: `{arg}` must be {kind}; received {arg}={value!r}.")
    return int(value)


def check_choice(owner: str, arg: str, value, choices) -> str:
    """`value` if it is one of the strings `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"{owner}: `{arg}` must be one of {list(choices)}; received {arg}={value!r}."
        )
    return value
