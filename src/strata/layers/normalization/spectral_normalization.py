"""`SpectralNormalization`: divide a wrapped layer's kernel by its largest singular value."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata import initializers
from strata.layers.layer import Layer
from strata.layers.rnn.base_rnn import serialize_sublayer
from strata.state.variable import Variable

# Keras's `backend.epsilon()`: the L2 normalization never divides by less than this.
_EPSILON = 1e-7


def l2_normalize(x):
    """`x` over its L2 norm (all entries), as Keras's ``ops.normalize(x, axis=None)``."""
    inv_norm = jax.lax.rsqrt(jnp.sum(jnp.square(x), keepdims=True))
    return x * jnp.minimum(inv_norm, 1.0 / _EPSILON)


def spectral_normalize(kernel, vector_u, power_iterations: int):
    """``(new_u, kernel / sigma)``: sigma, the kernel's spectral norm (the kernel seen as a
    matrix ``(-1, kernel.shape[-1])``), estimated by power iteration from `vector_u`.

    Example:
        >>> import numpy as np
        >>> u, k = spectral_normalize(jnp.diag(jnp.array([3.0, 1.0])), jnp.ones((1, 2)), 20)
        >>> np.asarray(k, np.float64).round(3).tolist()
        [[1.0, 0.0], [0.0, 0.333]]
    """
    matrix = jnp.reshape(kernel, (-1, kernel.shape[-1]))
    u = vector_u
    for _ in range(power_iterations):
        v = l2_normalize(u @ matrix.T)
        u = l2_normalize(v @ matrix)
    # As in Keras, the singular vectors are constants for the gradient; sigma still depends on
    # the kernel through ``v W u^T``.
    u, v = jax.lax.stop_gradient(u), jax.lax.stop_gradient(v)
    sigma = (v @ matrix) @ u.T
    return u.astype(vector_u.dtype), jnp.reshape(kernel / sigma, kernel.shape).astype(kernel.dtype)


class SpectralNormalization(Layer):
    """Wrap a layer with a ``kernel`` (or ``embeddings``) and keep it spectrally normalized.

    In training (``training=True``) each call runs `power_iterations` steps of power iteration
    from the stored vector ``vector_u``, divides the kernel by the estimated spectral norm,
    stores both back and then runs the wrapped layer. As in Keras, an all-zero kernel is left
    unchanged, and in a compiled training step only ``vector_u`` is kept (the kernel's new value
    is used for that step's forward pass, and the optimizer updates the stored kernel).
    Inference runs the wrapped layer as it is.

    Args:
        layer: the layer to wrap (e.g. `Dense`, `Conv2D`, `Embedding`).
        power_iterations: power iteration steps per training call (a positive int).

    Shapes: those of the wrapped layer. Weights: the wrapped layer's kernel, then
    ``vector_u`` ``(1, kernel.shape[-1])`` (non-trainable), then the wrapped layer's others.

    Example:
        >>> import numpy as np
        >>> from strata.layers.core.dense import Dense
        >>> layer = SpectralNormalization(Dense(2))
        >>> layer(np.ones((3, 4)), training=True).shape
        (3, 2)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(**kwargs)
        where = f"SpectralNormalization '{self.name}'"
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{where}: `layer` must be a strata layer with a kernel (e.g. `Dense(8)`); "
                f"received {type(layer).__name__}."
            )
        if (
            isinstance(power_iterations, bool)
            or not isinstance(power_iterations, int)
            or power_iterations <= 0
        ):
            raise ValueError(
                f"{where}: `power_iterations` must be a positive int; received "
                f"power_iterations={power_iterations!r}."
            )
        self.layer = layer
        self.power_iterations = power_iterations

    def build(self, input_shape) -> None:
        self.layer._maybe_build(input_shape)
        kernel = getattr(self.layer, "kernel", None)
        if not isinstance(kernel, Variable):
            kernel = getattr(self.layer, "embeddings", None)
        if not isinstance(kernel, Variable):
            raise ValueError(
                f"SpectralNormalization '{self.name}': the wrapped layer "
                f"'{self.layer.name}' ({type(self.layer).__name__}) has neither a `kernel` nor "
                "an `embeddings` weight to normalize. Wrap a layer such as Dense or Conv2D."
            )
        self.kernel = kernel
        # Keras tracks the wrapped kernel as this wrapper's own weight too (it is assigned as
        # an attribute), which puts it first in `weights` and in the `.keras` file's entry.
        self._own_variables.append(kernel)
        self.vector_u = self.add_weight(
            (1, kernel.shape[-1]),
            initializers.TruncatedNormal(stddev=0.02),
            dtype=kernel.dtype,
            trainable=False,
            name="vector_u",
        )

    def call(self, inputs, training=False):
        if training:
            kernel, vector_u = self.kernel.value, self.vector_u.value
            new_u, new_kernel = jax.lax.cond(
                jnp.all(kernel == 0),
                lambda: (vector_u, kernel),
                lambda: spectral_normalize(kernel, vector_u, self.power_iterations),
            )
            self.vector_u.assign(new_u)
            self.kernel.assign(new_kernel)
        outputs = self.layer(inputs)
        # Keras casts the output to the inputs' dtype; integer ids (Embedding) are left out, so
        # that the embeddings are not truncated to integers.
        if jnp.issubdtype(inputs.dtype, jnp.floating):
            outputs = outputs.astype(inputs.dtype)
        return outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def _output_dtype(self, inputs) -> str:
        return self.layer._output_dtype(inputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "layer": serialize_sublayer(self.layer),
            "power_iterations": self.power_iterations,
        }
