"""Random numbers with explicit seeds, drawn the way Keras 3 (JAX backend) draws them.

An integer seed `s` becomes the raw key ``[s, 0]`` (uint32), as in Keras, so an initializer
with the same seed gives the same numbers in both libraries. Unseeded calls draw their seed
from Python's `random` module, which `strata.utils.set_random_seed` seeds.

Example:
    >>> a = uniform((2,), seed=3)
    >>> b = uniform((2,), seed=3)
    >>> bool((a == b).all())
    True
"""

from __future__ import annotations

import random as _py_random

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "SeedGenerator",
    "make_default_seed",
    "key_from_seed",
    "next_key",
    "uniform",
    "normal",
    "truncated_normal",
    "randint",
    "dropout",
    "shuffle",
    "categorical",
    "gamma",
    "beta",
    "binomial",
]


def make_default_seed() -> int:
    """A fresh integer seed from Python's `random` (seeded by `set_random_seed`)."""
    return _py_random.randint(1, 10**9)


def key_from_seed(seed) -> jax.Array:
    """The raw JAX key for an int seed (``[seed, 0]``), a key passed through, or a generator's next."""
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if seed is None:
        seed = make_default_seed()
    if isinstance(seed, int):
        if seed < 0:
            raise ValueError(f"`seed` must be a non-negative int; received seed={seed}.")
        return _raw_key(seed, 0)
    return jnp.asarray(seed)


def _raw_key(seed: int, counter: int) -> jax.Array:
    # Built with NumPy and copied over: `jnp.array` would compile a conversion program.
    return jax.device_put(np.array([seed, counter], dtype=np.uint32))


class SeedGenerator:
    """A stream of keys: ``[seed, 0]``, ``[seed, 1]``, ... (Keras's `SeedGenerator` recipe).

    Args:
        seed: an int, or None for a fresh random seed.
        name: a readable name (default ``"seed_generator"``, as Keras).

    Example:
        >>> g = SeedGenerator(7)
        >>> [int(k[1]) for k in (g.next(), g.next())]
        [0, 1]
    """

    def __init__(self, seed: int | None = None, name: str | None = None):
        if name is not None and not isinstance(name, str):
            raise TypeError(f"SeedGenerator: `name` must be a string; received name={name!r}.")
        self.seed = make_default_seed() if seed is None else int(seed)
        self.name = name or "seed_generator"
        self._counter = 0

    def get_config(self) -> dict:
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def next(self) -> jax.Array:
        key = _raw_key(self.seed, self._counter)
        self._counter += 1
        return key


_global = {"generator": None}


def reset_global_generator(seed: int | None) -> None:
    _global["generator"] = SeedGenerator(seed)


def next_key() -> jax.Array:
    """A key for an unseeded random op outside compiled code."""
    if _global["generator"] is None:
        reset_global_generator(None)
    return _global["generator"].next()


def uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    dtype = dtype or "float32"
    return jax.random.uniform(
        key_from_seed(seed), tuple(shape), dtype=dtype, minval=minval, maxval=maxval
    )


def normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    dtype = dtype or "float32"
    return jax.random.normal(key_from_seed(seed), tuple(shape), dtype=dtype) * stddev + mean


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    """Normal values redrawn outside two standard deviations."""
    dtype = dtype or "float32"
    sample = jax.random.truncated_normal(key_from_seed(seed), -2.0, 2.0, tuple(shape), dtype=dtype)
    return sample * stddev + mean


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return jax.random.randint(key_from_seed(seed), tuple(shape), minval, maxval, dtype=dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each element with probability `rate`, scale the rest by ``1 / (1 - rate)``."""
    keep = 1.0 - rate
    shape = inputs.shape if noise_shape is None else noise_shape
    kept = jax.random.bernoulli(key_from_seed(seed), keep, shape)
    return jnp.where(kept, inputs / keep, jnp.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    return jax.random.permutation(key_from_seed(seed), x, axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """`num_samples` class ids per row of ``(batch, classes)`` unnormalized log-probabilities.

    Example:
        >>> categorical(jnp.array([[0.0, 50.0]]), 3, seed=1).tolist()
        [[1, 1, 1]]
    """
    logits = jnp.asarray(logits)
    shape = (logits.shape[0], int(num_samples))
    # Drawn with an extra trailing axis and sampled along the class axis, as Keras's JAX
    # backend does, so a seed gives Keras's samples.
    samples = jax.random.categorical(key_from_seed(seed), logits[..., None], axis=1, shape=shape)
    return samples.astype(dtype)


def gamma(shape, alpha, dtype="float32", seed=None):
    """Gamma-distributed values with concentration `alpha` (scale 1)."""
    dtype = dtype or "float32"
    return jax.random.gamma(key_from_seed(seed), alpha, shape=tuple(shape), dtype=dtype)


def beta(shape, alpha, beta, dtype="float32", seed=None):  # noqa: A002 - Keras's argument name
    """Beta(alpha, beta) values, as ``g1 / (g1 + g2)`` of two gamma draws on split keys."""
    dtype = dtype or "float32"
    first, second = jax.random.split(key_from_seed(seed))
    g1 = jax.random.gamma(first, alpha, shape=tuple(shape), dtype=dtype)
    g2 = jax.random.gamma(second, beta, shape=tuple(shape), dtype=dtype)
    return g1 / (g1 + g2)


def binomial(shape, counts, probabilities, dtype="float32", seed=None):
    """Number of successes in `counts` trials of probability `probabilities` (as floats)."""
    dtype = dtype or "float32"
    return jax.random.binomial(
        key_from_seed(seed), counts, probabilities, shape=tuple(shape), dtype=dtype
    )
