"""`set_random_seed`: one call makes a script's results repeat exactly."""

from __future__ import annotations

import random

import numpy as np


def set_random_seed(seed: int) -> None:
    """Seed Python's `random`, NumPy's global generator and strata's key stream.

    Weight initializers draw their seeds from Python's `random` when constructed (as Keras does)
    and `fit` shuffles with NumPy's global generator, so after the same seed the same script gives
    the same weights and the same batches, run after run.

    Example:
        >>> set_random_seed(1)
        >>> a = random.random()
        >>> set_random_seed(1)
        >>> a == random.random()
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"set_random_seed: `seed` must be a non-negative int; received {seed!r}.")
    from strata import random as strata_random

    random.seed(seed)
    np.random.seed(seed)
    strata_random.reset_global_generator(seed)
