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
    "mish",
    "get",
    "serialize",
]


def linear(x):
    return x


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's parametrised relu; the defaults give ``max(x, 0)``."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return jax.nn.relu(x)
    below = negative_slope * (x - threshold)
    out = jnp.where(x >= threshold, x, below if negative_slope else jnp.zeros_like(x))
    if max_value is not None:
        out = jnp.minimum(out, max_value)
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


def mish(x):
    return x * jnp.tanh(jax.nn.softplus(x))


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


def serialize(fn) -> str:
    """The registered name of an activation (its Keras config form)."""
    for name, known in _BY_NAME.items():
        if known is fn:
            return "silu" if known is silu else name
    name = getattr(fn, "__name__", None)
    if name in _BY_NAME:
        return name
    raise ValueError(
        f"Cannot serialize activation {fn!r}: it is not a built-in activation. Register it with "
        "strata.saving.register_keras_serializable."
    )
