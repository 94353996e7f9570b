"""Activation functions by name or callable, with Keras 3's formulas.

Example:
    >>> import jax.numpy as jnp
    >>> float(get("relu")(jnp.array(-1.0)))
    0.0
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.utils.registry import lookup_identifier

__all__ = [
    "deserialize",
    "linear",
    "relu",
    "relu6",
    "sigmoid",
    "softmax",
    "log_softmax",
    "tanh",
    "elu",
    "selu",
    "softplus",
    "softsign",
    "gelu",
    "silu",
    "swish",
    "leaky_relu",
    "exponential",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "mish",
    "celu",
    "glu",
    "hard_shrink",
    "hard_tanh",
    "log_sigmoid",
    "soft_shrink",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "tanh_shrink",
    "threshold",
    "get",
    "serialize",
]


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's parametrised relu; the defaults give ``max(x, 0)``.

    Matches Keras 3 exactly, including its quirks: with a non-zero `threshold`, values above it
    pass through unchanged (so with a negative threshold, values in ``(threshold, 0)`` stay
    negative unless `max_value` clips them to ``[0, max_value]``), and the leaky part is
    ``-negative_slope * max(threshold - x, 0)``.
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return jax.nn.relu(x)
    if threshold != 0.0:
        out = jnp.where(x > threshold, x, jnp.zeros_like(x))
    else:
        out = jax.nn.relu(x)
    if max_value is not None:
        out = jnp.clip(out, 0.0, max_value)
    if negative_slope != 0.0:
        out = out - negative_slope * jax.nn.relu(threshold - x)
    return out


def relu6(x):
    return jax.nn.relu6(x)


def sigmoid(x):
    return jax.nn.sigmoid(x)


def softmax(x, axis=-1):
    return jax.nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(x, axis=axis)


def tanh(x):
    return jnp.tanh(x)


def elu(x, alpha=1.0):
    return jax.nn.elu(x, alpha)


def selu(x):
    return jax.nn.selu(x)


def softplus(x):
    return jax.nn.softplus(x)


def softsign(x):
    return jax.nn.soft_sign(x)


def gelu(x, approximate=False):
    # Keras 3 defaults to the exact (erf) form; jax.nn.gelu defaults to the tanh approximation.
    return jax.nn.gelu(x, approximate=approximate)


def silu(x):
    return jax.nn.silu(x)


swish = silu


def leaky_relu(x, negative_slope=0.2):
    # Keras 3's default slope is 0.2, not jax.nn's 0.01.
    return jax.nn.leaky_relu(x, negative_slope)


def exponential(x):
    return jnp.exp(x)


def hard_sigmoid(x):
    # Keras 3: relu6(x + 3) / 6, i.e. clip(x/6 + 0.5, 0, 1).
    return jax.nn.hard_sigmoid(x)


def hard_silu(x):
    return x * hard_sigmoid(x)


hard_swish = hard_silu


def mish(x):
    return x * jnp.tanh(jax.nn.softplus(x))


def celu(x, alpha=1.0):
    return jax.nn.celu(x, alpha)


def glu(x, axis=-1):
    """Gated linear unit: split `axis` in halves ``a, b`` and return ``a * sigmoid(b)``."""
    if x.shape[axis] % 2:
        raise ValueError(
            f"glu: the size of axis {axis} must be even to split it in two halves; "
            f"received an input of shape {tuple(x.shape)}."
        )
    return jax.nn.glu(x, axis=axis)


def hard_shrink(x, threshold=0.5):
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros_like(x))


def hard_tanh(x):
    return jnp.clip(x, -1.0, 1.0)


def log_sigmoid(x):
    return jax.nn.log_sigmoid(x)


def soft_shrink(x, threshold=0.5):
    return jnp.sign(x) * jax.nn.relu(jnp.abs(x) - threshold)


def sparse_plus(x):
    """0 below -1, ``(x + 1)**2 / 4`` on [-1, 1], x above 1 (a smooth-cornered relu)."""
    return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4.0)).astype(x.dtype)


def sparse_sigmoid(x):
    return jnp.clip((x + 1.0) / 2.0, 0.0, 1.0)


def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the probability simplex along `axis` (sparse softmax)."""
    moved = jnp.moveaxis(x, axis, -1)
    ranked = -jnp.sort(-moved, axis=-1)
    ks = jnp.arange(1, moved.shape[-1] + 1, dtype=x.dtype)
    cumulative = jnp.cumsum(ranked, axis=-1)
    in_support = 1.0 + ks * ranked > cumulative
    k = jnp.sum(in_support, axis=-1, keepdims=True)
    tau = (jnp.take_along_axis(cumulative, k.astype("int32") - 1, axis=-1) - 1.0) / k
    return jnp.moveaxis(jax.nn.relu(moved - tau), -1, axis)


def squareplus(x, b=4):
    return (x + jnp.sqrt(x * x + b)) / 2.0


def tanh_shrink(x):
    return x - jnp.tanh(x)


def threshold(x, threshold, default_value):
    """`x` where ``x > threshold``, else `default_value`."""
    return jnp.where(x > threshold, x, jnp.asarray(default_value, dtype=x.dtype))


_BY_NAME = {
    fn.__name__: fn
    for fn in (
        linear,
        relu,
        relu6,
        sigmoid,
        softmax,
        log_softmax,
        tanh,
        elu,
        selu,
        softplus,
        softsign,
        gelu,
        silu,
        leaky_relu,
        exponential,
        hard_sigmoid,
        hard_silu,
        mish,
        celu,
        glu,
        hard_shrink,
        hard_tanh,
        log_sigmoid,
        soft_shrink,
        sparse_plus,
        sparse_sigmoid,
        sparsemax,
        squareplus,
        tanh_shrink,
        threshold,
    )
}
_BY_NAME["swish"] = silu
_BY_NAME["hard_swish"] = hard_silu


def get(identifier):
    """An activation function from a name, None (linear) or a callable."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return lookup_identifier(identifier, _BY_NAME, "activation")
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret activation identifier: {identifier!r}. Pass a name such as "
        "'relu' or a callable."
    )


def serialize(activation) -> str:
    """The registered name of an activation (its Keras config form)."""
    for name, known in _BY_NAME.items():
        if known is activation:
            return "silu" if known is silu else name
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME:
        return name
    raise ValueError(
        f"Cannot serialize activation {activation!r}: it is not a built-in activation. Register it with "
        "strata.saving.register_keras_serializable."
    )


def deserialize(config, custom_objects=None):
    """The object a Keras config dict (or a name) describes."""
    from strata.saving.namespaced import deserialize_activation

    return deserialize_activation(config, custom_objects)
