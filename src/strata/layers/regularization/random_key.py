"""Where a noise layer's random key comes from: the compiled step, else the layer, else global."""

from __future__ import annotations

from strata import random as strata_random
from strata.state import scope as state_scope


def check_rate(owner: str, rate, *, upper_open: bool = True) -> float:
    """`rate` as a float in [0, 1) (or [0, 1] when ``upper_open`` is False), else ValueError."""
    ok = isinstance(rate, int | float) and not isinstance(rate, bool)
    if ok:
        ok = 0 <= rate < 1 if upper_open else 0 <= rate <= 1
    if not ok:
        interval = "[0, 1)" if upper_open else "[0, 1]"
        raise ValueError(f"{owner}: `rate` must be a float in {interval}; received rate={rate!r}.")
    return float(rate)


def seed_generator(seed):
    """A `SeedGenerator` for a fixed seed (reproducible eager calls), or None."""
    return strata_random.SeedGenerator(seed) if seed is not None else None


def draw_key(generator):
    """A fresh key: the active step's (deterministic per step), the layer's seed stream, or the
    global stream seeded by `strata.utils.set_random_seed`."""
    active = state_scope.current()
    if active is not None:
        return active.next_key()
    if generator is not None:
        return generator.next()
    return strata_random.next_key()
