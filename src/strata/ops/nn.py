"""`strata.ops.nn`: activations and neural-network ops (Keras's ``keras.ops.nn``).

Example:
    >>> import numpy as np
    >>> from strata.ops import nn
    >>> nn.relu(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.ops._common import FLOATX, as_axis, float_input
from strata.ops._dispatch import keras_op

NN = "keras.src.ops.nn"


@keras_op(NN)
def relu(x):
    """``max(x, 0)``."""
    return jax.nn.relu(x)


@keras_op(NN)
def relu6(x):
    """``min(max(x, 0), 6)``."""
    return jax.nn.relu6(x)


@keras_op(NN)
def sigmoid(x):
    """``1 / (1 + exp(-x))``."""
    return jax.nn.sigmoid(x)


@keras_op(NN)
def hard_sigmoid(x):
    """``relu6(x + 3) / 6``."""
    return jax.nn.hard_sigmoid(x)


@keras_op(NN)
def log_sigmoid(x):
    """``log(sigmoid(x))``, computed stably."""
    return jax.nn.log_sigmoid(x)


@keras_op(NN)
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along `axis`."""
    return jax.nn.softmax(x, axis=as_axis(axis))


@keras_op(NN)
def log_softmax(x, axis=-1):
    """``log(softmax(x))`` along `axis`, computed stably."""
    return jax.nn.log_softmax(x, axis=as_axis(axis))


@keras_op(NN)
def gelu(x, approximate=True):
    """Gaussian error linear unit (the tanh approximation by default, as in Keras)."""
    return jax.nn.gelu(x, approximate=approximate)


@keras_op(NN)
def silu(x):
    """``x * sigmoid(x)``."""
    return jax.nn.silu(x)


swish = silu


@keras_op(NN)
def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    return jax.nn.elu(x, alpha=alpha)


@keras_op(NN)
def selu(x):
    """Scaled ELU."""
    return jax.nn.selu(x)


@keras_op(NN)
def softplus(x):
    """``log(1 + exp(x))``."""
    return jax.nn.softplus(x)


@keras_op(NN)
def softsign(x):
    """``x / (1 + |x|)``."""
    return jax.nn.soft_sign(x)


@keras_op(NN)
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x >= 0``, else ``negative_slope * x``."""
    return jax.nn.leaky_relu(x, negative_slope=negative_slope)


@keras_op(NN)
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot vectors of length `num_classes` for integer `x` (negative ids give zeros)."""
    if sparse:
        raise ValueError("one_hot: `sparse=True` is not supported.")
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtype or FLOATX)


@keras_op(NN)
def moments(x, axes, keepdims=False, synchronized=False):
    """Mean and variance of `x` over `axes`: ``(mean, variance)``.

    As Keras does, 16-bit inputs are reduced in float32 and the results cast back.
    """
    dtype = jnp.asarray(x).dtype
    x = float_input(x)
    if x.dtype in (jnp.float16, jnp.bfloat16):
        x = x.astype(jnp.float32)
    axes = as_axis(axes)
    mean = jnp.mean(x, axis=axes, keepdims=True)
    # Keras's formula: E[x^2] - E[x]^2, with no gradient through the subtracted mean.
    variance = jnp.mean(jnp.square(x), axis=axes, keepdims=True) - jnp.square(
        jax.lax.stop_gradient(mean)
    )
    if not keepdims:
        mean = jnp.squeeze(mean, axes)
        variance = jnp.squeeze(variance, axes)
    out_dtype = dtype if jnp.issubdtype(dtype, jnp.floating) else jnp.float32
    return mean.astype(out_dtype), variance.astype(out_dtype)


@keras_op(NN)
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x` divided by its `order`-norm along `axis`."""
    x = float_input(x)
    if order == 2:
        eps = 1e-12 if epsilon is None else epsilon
        squares = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
        return x * jax.lax.rsqrt(jnp.maximum(squares, eps))
    norms = jnp.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    eps = 1e-7 if epsilon is None else epsilon
    return x / jnp.maximum(norms, eps)


__all__ = [
    "elu",
    "gelu",
    "hard_sigmoid",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "moments",
    "normalize",
    "one_hot",
    "relu",
    "relu6",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "swish",
]
