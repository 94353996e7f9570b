"""`PReLU`: a leaky rectifier whose negative slopes are learned."""

from __future__ import annotations

import jax

from strata import constraints, initializers, regularizers
from strata.layers.layer import Layer


class PReLU(Layer):
    """``x`` for positive inputs, ``alpha * x`` otherwise, with a trainable `alpha`.

    Args:
        alpha_initializer / alpha_regularizer / alpha_constraint: for the `alpha` weight
            (one slope per input element by default).
        shared_axes: axes (1-based, batch excluded) along which one slope is shared, e.g.
            ``[1, 2]`` for one slope per channel of an image.

    Example:
        >>> import numpy as np
        >>> layer = PReLU(alpha_initializer="ones")
        >>> layer(np.array([[-2.0, 3.0]])).tolist()
        [[-2.0, 3.0]]
    """

    def __init__(
        self,
        alpha_initializer="Zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is not None and not isinstance(shared_axes, list | tuple):
            shared_axes = [shared_axes]
        self.shared_axes = None if shared_axes is None else [int(a) for a in shared_axes]
        self.supports_masking = True

    def build(self, input_shape) -> None:
        shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis <= len(shape):
                raise ValueError(
                    f"Layer '{self.name}' (PReLU): `shared_axes` entries must be between 1 and "
                    f"{len(shape)} for inputs of shape {tuple(input_shape)}; received "
                    f"shared_axes={self.shared_axes}."
                )
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError(
                f"Layer '{self.name}' (PReLU) needs known sizes for the axes it learns a slope "
                f"along; received inputs of shape {tuple(input_shape)}. Share the unknown axes "
                "with `shared_axes`."
            )
        self.alpha = self.add_weight(
            shape,
            self.alpha_initializer,
            name="alpha",
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )

    def call(self, inputs):
        return jax.nn.relu(inputs) - self.alpha.value * jax.nn.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "alpha_initializer": serialize_keras_object(self.alpha_initializer),
            "alpha_regularizer": serialize_keras_object(self.alpha_regularizer),
            "alpha_constraint": serialize_keras_object(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
