"""How the random image layers read a `factor`: a number ``f`` meaning ``(-f, f)`` or a pair."""

from __future__ import annotations


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def factor_range(owner: str, arg: str, factor, *, low: float, high: float, open_low: bool = False):
    """``(lower, upper)`` for a `factor`: a number ``f`` gives ``(max(-|f|, low), |f|)``, a pair
    is sorted. Every number must lie in ``[low, high]`` (``(low, high]`` when `open_low`).

    Example:
        >>> factor_range("RandomRotation", "factor", 0.2, low=-1, high=1)
        (-0.2, 0.2)
        >>> factor_range("RandomContrast", "factor", 0.2, low=0, high=1)
        (0, 0.2)
    """

    def inside(value) -> bool:
        return _is_number(value) and (low < value if open_low else low <= value) and value <= high

    pair = isinstance(factor, tuple | list)
    if pair:
        ok = len(factor) == 2 and all(inside(v) for v in factor)
    else:
        ok = inside(factor)
    if not ok:
        interval = f"{'(' if open_low else '['}{low}, {high}]"
        raise ValueError(
            f"{owner}: `{arg}` must be a number or a pair of numbers in {interval}; received "
            f"{arg}={factor!r}."
        )
    if pair:
        lower, upper = sorted(factor)
        return lower, upper
    # As in Keras, a single number is symmetric around 0, cut at the lower bound.
    return max(-abs(factor), low), abs(factor)
