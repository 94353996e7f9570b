"""`LayerNormalization`: normalize each sample over its feature axes."""

from __future__ import annotations

import warnings

import jax.numpy as jnp

from strata import initializers, regularizers
from strata.layers.layer import Layer
from strata.layers.normalization import statistics


class LayerNormalization(Layer):
    """Normalize each sample to zero mean and unit variance over `axis`, then scale and shift.

    The statistics are those of the sample itself (Ba et al., 2016), so training and inference
    compute the same thing and the batch size plays no part.

    Args:
        axis: the axis or list of axes to normalize over (default the last one).
        epsilon: added to the variance before the square root.
        center / scale: whether to learn an offset `beta` / a factor `gamma` over `axis`.
        beta_initializer, gamma_initializer: initializers for the weights.
        beta_regularizer, gamma_regularizer: optional penalties added to the loss.
        beta_constraint, gamma_constraint: optional projections applied after each update.
        rms_scaling: deprecated Keras option, kept for compatibility: divide by
            ``sqrt(variance + epsilon)`` without centering and learn only `gamma`. (As in Keras
            it uses the variance, not the mean square; a warning says so.)

    Shapes: the output has the input's shape; ``gamma``/``beta`` have the shape of the input
    along `axis`.

    Example:
        >>> import numpy as np
        >>> layer = LayerNormalization(epsilon=0.0)
        >>> layer(np.array([[1.0, 3.0], [0.0, 10.0]])).tolist()
        [[-1.0, 1.0], [-1.0, 1.0]]
    """

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        rms_scaling=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = statistics.owner(self)
        self.axis = statistics.check_axis_argument(where, axis, allow_list=True)
        self.epsilon = statistics.check_float(where, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        if self.rms_scaling:
            warnings.warn(
                f"{where}: `rms_scaling=True` is deprecated (as in Keras): it divides by the "
                "standard deviation, not the root mean square. Keep it only to reproduce "
                "models trained with it.",
                UserWarning,
                stacklevel=2,
            )
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        where = statistics.owner(self)
        shape = tuple(inputs.shape)
        axes = statistics.resolve_axes(where, self.axis, shape)
        if any(shape[a] is None for a in axes):
            raise ValueError(
                f"{where}: the normalized axes {self.axis} must have known sizes; received "
                f"shape {shape}."
            )
        if self.built and self._param_shape(shape) != self._built_param_shape:
            raise ValueError(
                f"{where}: expected sizes {self._built_param_shape} along axis {self.axis} (it "
                f"was built for shape {self._build_shape}), but received shape {shape}."
            )

    def _param_shape(self, shape) -> tuple:
        axes = statistics.resolve_axes(statistics.owner(self), self.axis, shape)
        return tuple(shape[a] for a in axes)

    def build(self, input_shape) -> None:
        shape = self._param_shape(tuple(input_shape))
        self._built_param_shape = shape
        self.gamma = self.beta = None
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(
                shape,
                self.gamma_initializer,
                name="gamma",
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(
                shape,
                self.beta_initializer,
                name="beta",
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        for variable in self._own_variables:
            variable.autocast = False

    def call(self, inputs):
        x = statistics.float32_or_wider(inputs)
        axes = statistics.resolve_axes(statistics.owner(self), self.axis, x.shape)
        broadcast = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]

        def shaped(v):
            return None if v is None else jnp.reshape(v.value.astype(x.dtype), broadcast)

        variance = jnp.var(x, axes, keepdims=True)
        # rms_scaling (deprecated in Keras) rescales without centering.
        mean = 0.0 if self.rms_scaling else jnp.mean(x, axes, keepdims=True)
        outputs = statistics.normalize(
            x, mean, variance, shaped(self.gamma), shaped(self.beta), epsilon=self.epsilon
        )
        return outputs.astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        }
