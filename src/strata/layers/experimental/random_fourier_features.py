"""`RandomFourierFeatures`: tf.keras 2's random-feature map approximating a shift-invariant
kernel (Rahimi and Recht, 2007). Keras 3 dropped it; strata keeps tf.keras 2's layer.
"""

from __future__ import annotations

import math

import jax.numpy as jnp

from strata import initializers
from strata import random as strata_random
from strata.constraints import NonNeg
from strata.layers.layer import Layer
from strata.saving.registry import register_keras_serializable

_KERNELS = ("gaussian", "laplacian")


def _cauchy(shape, dtype=None):
    """Standard Cauchy samples: the Fourier transform of the Laplacian kernel."""
    uniform = strata_random.uniform(shape, dtype=dtype or "float32")
    return jnp.tan(math.pi * (uniform - 0.5))


# Keras 3 has no such layer, so saved files name it in strata's own package.
@register_keras_serializable(package="strata")
class RandomFourierFeatures(Layer):
    """``cos(x @ (kernel / scale) + bias)`` with a fixed random kernel and bias.

    Args:
        output_dim: the number of random features.
        kernel_initializer: ``"gaussian"`` (normal samples; the RBF kernel), ``"laplacian"``
            (Cauchy samples; the Laplacian kernel), or an initializer.
        scale: the kernel width; None gives ``sqrt(input_dim / 2)`` for ``"gaussian"``, else 1.
        trainable: whether `kernel_scale` is learned (the kernel and bias never are).

    Input ``(batch, input_dim)``; output ``(batch, output_dim)``.

    Example:
        >>> import numpy as np
        >>> layer = RandomFourierFeatures(output_dim=4)
        >>> layer(np.ones((2, 3))).shape
        (2, 4)
    """

    def __init__(
        self, output_dim, kernel_initializer="gaussian", scale=None, trainable=False, **kwargs
    ):
        if isinstance(output_dim, bool) or not isinstance(output_dim, int) or output_dim < 1:
            raise ValueError(
                "RandomFourierFeatures: `output_dim` must be a positive int; received "
                f"output_dim={output_dim!r}."
            )
        if isinstance(kernel_initializer, str) and kernel_initializer.lower() not in _KERNELS:
            raise ValueError(
                f"RandomFourierFeatures: unsupported kernel_initializer={kernel_initializer!r}; "
                f"expected one of {list(_KERNELS)} or an initializer."
            )
        if scale is not None and not scale > 0:
            raise ValueError(
                f"RandomFourierFeatures: `scale` must be a positive float; received scale={scale!r}."
            )
        super().__init__(trainable=trainable, **kwargs)
        self.output_dim = output_dim
        self.kernel_initializer = kernel_initializer
        self.scale = scale

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                f"RandomFourierFeatures '{self.name}': expected inputs of shape (batch, "
                f"input_dim) with a known input_dim; received shape {tuple(input_shape)}."
            )
        input_dim = input_shape[-1]
        kind = self.kernel_initializer
        if isinstance(kind, str):
            kind = kind.lower()
            initializer = initializers.RandomNormal(stddev=1.0) if kind == "gaussian" else _cauchy
        else:
            initializer = kind
        self.unscaled_kernel = self.add_weight(
            (input_dim, self.output_dim), initializer, trainable=False, name="unscaled_kernel"
        )
        self.bias = self.add_weight(
            (self.output_dim,),
            initializers.RandomUniform(0.0, 2 * math.pi),
            trainable=False,
            name="bias",
        )
        scale = self.scale
        if scale is None:
            scale = math.sqrt(input_dim / 2.0) if kind == "gaussian" else 1.0
        self.kernel_scale = self.add_weight(
            (1,), initializers.Constant(scale), name="kernel_scale", constraint=NonNeg()
        )

    def call(self, inputs):
        kernel = self.unscaled_kernel.value / self.kernel_scale.value
        return jnp.cos(jnp.asarray(inputs, jnp.float32) @ kernel + self.bias.value)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        initializer = self.kernel_initializer
        if not isinstance(initializer, str):
            initializer = serialize_keras_object(initializer)
        return {
            **super().get_config(),
            "output_dim": self.output_dim,
            "kernel_initializer": initializer,
            "scale": self.scale,
        }
