"""What the normalization layers share: axis checks and the affine normalization formula.

Example:
    >>> import numpy as np
    >>> x = np.array([[1.0, 3.0]])
    >>> normalize(x, mean=2.0, variance=1.0, epsilon=0.0).tolist()
    [[-1.0, 1.0]]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def owner(layer) -> str:
    """``"BatchNormalization 'bn'"``: how errors name a layer."""
    return f"{type(layer).__name__} '{layer.name}'"


def check_axis_argument(where: str, axis, *, allow_list: bool):
    """`axis` as given if it is an int (or, where allowed, a list/tuple of ints)."""
    if isinstance(axis, int) and not isinstance(axis, bool):
        return axis
    if allow_list and isinstance(axis, list | tuple) and axis:
        if all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            return list(axis)
    expected = "an int or a non-empty list of ints" if allow_list else "an int"
    raise TypeError(f"{where}: `axis` must be {expected}; received axis={axis!r}.")


def resolve_axes(where: str, axis, shape) -> tuple[int, ...]:
    """The axes in `axis` (int or list) as sorted non-negative ints for inputs of `shape`.

    Raises a ValueError naming the layer when an axis is out of range or repeated.
    """
    rank = len(shape)
    axes = [axis] if isinstance(axis, int) else list(axis)
    for a in axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"{where}: axis={axis!r} is out of range for inputs of shape {tuple(shape)}; "
                f"each axis must lie in [{-rank}, {rank}). Pass an axis of the input (-1 is the "
                "last one)."
            )
    resolved = sorted(a % rank for a in axes)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"{where}: axis={axis!r} names the same axis twice.")
    return tuple(resolved)


def check_float(where: str, arg: str, value, *, low: float = 0.0) -> float:
    """`value` as a float, required to be a real number >= `low`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= low:
        raise ValueError(f"{where}: `{arg}` must be a number >= {low}; received {arg}={value!r}.")
    return float(value)


def normalize(x, mean, variance, scale=None, offset=None, *, epsilon: float):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, with broadcastable statistics.

    Written as ``x * inv + (offset - mean * inv)`` with ``inv = rsqrt(variance + epsilon) *
    scale``, the arrangement Keras's JAX backend uses, so results agree to the last bits.
    """
    inv = jax.lax.rsqrt(jnp.asarray(variance + epsilon))
    if scale is not None:
        inv = inv * scale
    shift = -mean * inv
    if offset is not None:
        shift = shift + offset
    return x * inv + shift


def float32_or_wider(x):
    """`x` computed in at least float32: statistics of 16-bit values overflow or lose precision."""
    dtype = jnp.promote_types(x.dtype, jnp.float32)
    return x if x.dtype == dtype else x.astype(dtype)
