"""Where a noise layer's random key comes from: the compiled step, else the layer, else global."""

from __future__ import annotations

from strata import random as strata_random
from strata.state import scope as state_scope
from strata.utils.validation import check_rate  # noqa: F401 - its layers import it here


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
