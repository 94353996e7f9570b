"""Weight initializers, by string or class, with Keras 3's formulas and seeding.

An unseeded random initializer draws its seed once, when it is constructed (as Keras does), so
`strata.utils.set_random_seed` followed by the same model code gives the same weights as Keras.

Example:
    >>> init = get("glorot_uniform")
    >>> init((4, 3)).shape
    (4, 3)
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from strata import random as strata_random
from strata.utils.naming import to_snake_case
from strata.utils.registry import lookup_identifier

__all__ = [
    "deserialize",
    "Initializer",
    "Zeros",
    "Ones",
    "Constant",
    "RandomUniform",
    "RandomNormal",
    "TruncatedNormal",
    "VarianceScaling",
    "GlorotUniform",
    "GlorotNormal",
    "HeUniform",
    "HeNormal",
    "LecunUniform",
    "LecunNormal",
    "Orthogonal",
    "Identity",
    "get",
    "serialize",
]


class Initializer:
    """Base class: `__call__(shape, dtype)` returns an array."""

    def __call__(self, shape, dtype="float32"):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Zeros(Initializer):
    """All zeros.

    Example:
        >>> Zeros()((2,)).tolist()
        [0.0, 0.0]
    """

    def __call__(self, shape, dtype="float32"):
        return jax.device_put(np.zeros(tuple(shape), jnp.dtype(dtype)))


class Ones(Initializer):
    """All ones.

    Example:
        >>> Ones()((2,)).tolist()
        [1.0, 1.0]
    """

    def __call__(self, shape, dtype="float32"):
        return jax.device_put(np.ones(tuple(shape), jnp.dtype(dtype)))


class Constant(Initializer):
    """Every element equal to `value`.

    Args:
        value: a scalar (or an array broadcastable to the shape).

    Example:
        >>> Constant(3.0)((2,)).tolist()
        [3.0, 3.0]
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype="float32"):
        return jnp.broadcast_to(jnp.asarray(self.value, dtype=dtype or "float32"), tuple(shape))

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; rectangular allowed).

    Args:
        gain: scale of the diagonal.

    Example:
        >>> Identity(2.0)((2, 2)).tolist()
        [[2.0, 0.0], [0.0, 2.0]]
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer needs a 2-D shape; received shape={tuple(shape)}."
            )
        return self.gain * jnp.eye(*shape, dtype=dtype)

    def get_config(self):
        return {"gain": self.gain}


class _Seeded(Initializer):
    """A random initializer. An int seed fixes the values; None draws a seed now (as Keras does),
    so `set_random_seed` makes it reproducible; a `SeedGenerator` gives new values per call."""

    def __init__(self, seed=None):
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int | strata_random.SeedGenerator)
        ):
            raise ValueError(
                f"{type(self).__name__}: `seed` must be an int, a strata.random.SeedGenerator or "
                f"None; received seed={seed!r}."
            )
        if isinstance(seed, int) and not 0 <= seed < 2**32:
            raise ValueError(
                f"{type(self).__name__}: `seed` must be in [0, 2**32); received seed={seed}."
            )
        self.seed = seed
        self._draw_seed = strata_random.make_default_seed() if seed is None else seed

    def get_config(self):
        return {"seed": self.seed}


class RandomUniform(_Seeded):
    """Uniform in ``[minval, maxval)``.

    Args:
        minval, maxval: bounds.
        seed: int, `SeedGenerator` or None.

    Example:
        >>> bool((RandomUniform(0.0, 1.0, seed=1)((3,)) < 1.0).all())
        True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype="float32"):
        return strata_random.uniform(shape, self.minval, self.maxval, dtype, self._draw_seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(_Seeded):
    """Normal with `mean` and `stddev`.

    Args:
        mean, stddev: parameters of the normal.
        seed: int, `SeedGenerator` or None.

    Example:
        >>> RandomNormal(seed=1)((2, 2)).shape
        (2, 2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype="float32"):
        return strata_random.normal(shape, self.mean, self.stddev, dtype, self._draw_seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(RandomNormal):
    """Normal with `mean` and `stddev`, redrawn beyond two standard deviations.

    Example:
        >>> bool((abs(TruncatedNormal(stddev=1.0, seed=1)((100,))) <= 2.0).all())
        True
    """

    def __call__(self, shape, dtype="float32"):
        return strata_random.truncated_normal(shape, self.mean, self.stddev, dtype, self._draw_seed)


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[float, float]:
    """(fan_in, fan_out) as Keras defines them, including convolution kernels.

    With both `input_axes` and `output_axes` given, the fans are the products of those axes.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (
            float(math.prod(shape[a] for a in input_axes)),
            float(math.prod(shape[a] for a in output_axes)),
        )
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    if len(shape) == 2:
        return float(shape[0]), float(shape[1])
    receptive = math.prod(shape[:-2])
    return float(shape[-2] * receptive), float(shape[-1] * receptive)


class VarianceScaling(_Seeded):
    """Scale / fan, drawn uniform, truncated normal or untruncated normal.

    Args:
        scale: positive float; the variance is ``scale / fan``.
        mode: ``"fan_in"``, ``"fan_out"`` or ``"fan_avg"``.
        distribution: ``"truncated_normal"`` (alias ``"normal"``), ``"untruncated_normal"`` or
            ``"uniform"``.
        seed: int, `SeedGenerator` or None.
        input_axes, output_axes: optional axes whose sizes multiply into fan_in / fan_out.

    Example:
        >>> VarianceScaling(2.0, "fan_in", "uniform", seed=1)((3, 2)).shape
        (3, 2)
    """

    _modes = ("fan_in", "fan_out", "fan_avg")
    _distributions = ("uniform", "truncated_normal", "untruncated_normal")

    def __init__(
        self,
        scale=1.0,
        mode="fan_in",
        distribution="truncated_normal",
        seed=None,
        input_axes=None,
        output_axes=None,
    ):
        name = type(self).__name__
        if isinstance(scale, bool) or not isinstance(scale, int | float) or scale <= 0.0:
            raise ValueError(f"{name}: `scale` must be a positive float; received scale={scale!r}.")
        if mode not in self._modes:
            raise ValueError(
                f"{name}: `mode` must be one of {self._modes}; received mode={mode!r}."
            )
        if isinstance(distribution, str):
            distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self._distributions:
            raise ValueError(
                f"{name}: `distribution` must be one of {self._distributions}; "
                f"received distribution={distribution!r}."
            )
        self.scale, self.mode, self.distribution = scale, mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes
        # Validate first, then draw the seed, as Keras does: a failed construction must not
        # consume a draw from Python's `random`.
        super().__init__(seed)

    def __call__(self, shape, dtype="float32"):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return strata_random.uniform(shape, -limit, limit, dtype, self._draw_seed)
        if self.distribution == "truncated_normal":
            # 0.8796... is the stddev of a unit normal truncated to [-2, 2].
            stddev = math.sqrt(variance) / 0.87962566103423978
            return strata_random.truncated_normal(shape, 0.0, stddev, dtype, self._draw_seed)
        return strata_random.normal(shape, 0.0, math.sqrt(variance), dtype, self._draw_seed)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
            "input_axes": self.input_axes,
            "output_axes": self.output_axes,
        }


def _variance_scaling_preset(name, scale, mode, distribution, summary):
    def __init__(self, seed=None, input_axes=None, output_axes=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    doc = f"{summary}\n\n    Args:\n        seed: int, `SeedGenerator` or None.\n"
    return type(
        name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc}
    )


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform", "Uniform in ±sqrt(6 / (fan_in + fan_out))."
)
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal", "Truncated normal, variance 2 / (in + out)."
)
HeUniform = _variance_scaling_preset(
    "HeUniform", 2.0, "fan_in", "uniform", "Uniform in ±sqrt(6 / fan_in)."
)
HeNormal = _variance_scaling_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal", "Truncated normal, variance 2 / fan_in."
)
LecunUniform = _variance_scaling_preset(
    "LecunUniform", 1.0, "fan_in", "uniform", "Uniform in ±sqrt(3 / fan_in)."
)
LecunNormal = _variance_scaling_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal", "Truncated normal, variance 1 / fan_in."
)


class Orthogonal(_Seeded):
    """An orthogonal matrix from the QR decomposition of a normal one.

    The columns of Q are multiplied by the signs of R's diagonal, so the result is uniformly
    distributed (Haar measure) rather than biased by the QR routine's sign convention. Shapes of
    rank > 2 are flattened to ``(prod(shape[:-1]), shape[-1])``; with fewer rows than columns
    the rows are orthonormal.

    Args:
        gain: multiplies the matrix.
        seed: int, `SeedGenerator` or None.

    Example:
        >>> import numpy as np
        >>> q = np.asarray(Orthogonal(seed=1)((3, 3)))
        >>> bool(np.allclose(q.T @ q, np.eye(3), atol=1e-5))
        True
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype="float32"):
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer needs at least a 2-D shape; received shape={tuple(shape)}."
            )
        shape = tuple(int(d) for d in shape)
        key = strata_random.key_from_seed(self._draw_seed)
        return _orthogonal(key, self.gain, shape=shape, dtype=str(np.dtype(dtype or "float32")))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


@functools.partial(jax.jit, static_argnames=("shape", "dtype"))
def _orthogonal(key, gain, *, shape, dtype):
    # One compiled function instead of a dozen eagerly dispatched ops. Every step is exact
    # (a unit normal, QR, sign flips, transposes, one multiply), so the values are bitwise those
    # of Keras's op-by-op computation.
    rows, cols = math.prod(shape[:-1]), shape[-1]
    a = jax.random.normal(key, (max(rows, cols), min(rows, cols)), dtype=dtype)
    q, r = jnp.linalg.qr(a)
    q = q * jnp.sign(jnp.diag(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(dtype)


_CLASSES = {
    cls.__name__: cls
    for cls in (
        Zeros,
        Ones,
        Constant,
        RandomUniform,
        RandomNormal,
        TruncatedNormal,
        VarianceScaling,
        GlorotUniform,
        GlorotNormal,
        HeUniform,
        HeNormal,
        LecunUniform,
        LecunNormal,
        Orthogonal,
        Identity,
    )
}
_ALIASES = {to_snake_case(name): cls for name, cls in _CLASSES.items()}
_ALIASES.update(
    {
        "zero": Zeros,
        "one": Ones,
        "uniform": RandomUniform,
        "normal": RandomNormal,
        # Keras's older class names, still accepted in configs.
        "IdentityInitializer": Identity,
        "OrthogonalInitializer": Orthogonal,
    }
)


def get(identifier) -> Initializer:
    """An initializer from a name (``"he_normal"``), a config dict, a class, an instance, a
    callable ``(shape, dtype) -> array``, or an array (whose values it returns, as in Keras).

    Example:
        >>> get("Ones")((2,)).tolist()
        [1.0, 1.0]
    """
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if isinstance(identifier, Initializer) or (
        callable(identifier) and not isinstance(identifier, type)
    ):
        return identifier
    if isinstance(identifier, dict):
        cls = lookup_identifier(
            identifier.get("class_name"), {**_CLASSES, **_ALIASES}, "initializer"
        )
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        return lookup_identifier(identifier, {**_CLASSES, **_ALIASES}, "initializer")()
    if isinstance(identifier, np.ndarray | np.generic | jax.Array):
        return _FromArray(identifier)
    raise ValueError(
        f"Could not interpret initializer identifier: {identifier!r}. Pass a name such as "
        "'glorot_uniform', an Initializer instance, or a callable (shape, dtype) -> array."
    )


class _FromArray(Initializer):
    """Returns a fixed array (cast to the requested dtype); the shape must match."""

    def __init__(self, value):
        self.value = value

    def __call__(self, shape, dtype="float32"):
        if tuple(shape) != tuple(self.value.shape):
            raise ValueError(
                f"An array used as initializer has shape {tuple(self.value.shape)}, but the weight "
                f"to initialize has shape {tuple(shape)}. Pass an array of that shape."
            )
        return jnp.asarray(self.value, dtype=dtype)


def serialize(initializer) -> dict:
    """Keras's config dict for an initializer (registered custom ones under their name)."""
    from strata.saving.namespaced import serialize

    return serialize(initializer)


def as_numpy(initializer, shape, dtype="float32") -> np.ndarray:
    return np.asarray(initializer(shape, dtype))


def deserialize(config, custom_objects=None):
    """The object a Keras config dict (or a name) describes."""
    from strata.saving.namespaced import deserialize_initializer

    return deserialize_initializer(config, custom_objects)


# Keras exports each class under a second, function-style name too (`glorot_uniform is
# GlorotUniform`), and Identity and Orthogonal under their older names.
constant = Constant
glorot_normal = GlorotNormal
glorot_uniform = GlorotUniform
he_normal = HeNormal
he_uniform = HeUniform
identity = Identity
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
ones = Ones
orthogonal = Orthogonal
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
zeros = Zeros
IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
__all__ += ["constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity"]
__all__ += ["lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal"]
__all__ += ["random_uniform", "truncated_normal", "variance_scaling", "zeros"]
__all__ += ["IdentityInitializer", "OrthogonalInitializer"]
