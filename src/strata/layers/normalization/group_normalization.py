"""`GroupNormalization`: normalize each sample over groups of channels."""

from __future__ import annotations

import jax.numpy as jnp

from strata import initializers, regularizers
from strata.layers.layer import Layer
from strata.layers.normalization import statistics


class GroupNormalization(Layer):
    """Split the channels (along `axis`) into `groups` and normalize each sample within each
    group, over the group's channels and all other non-batch axes (Wu & He, 2018).

    ``groups=1`` normalizes over all channels (like `LayerNormalization` over every non-batch
    axis); ``groups=-1`` uses one group per channel (instance normalization).

    Args:
        groups: number of groups; must divide the number of channels (or -1).
        axis: the channel axis.
        epsilon: added to the variance before the square root.
        center / scale: whether to learn a per-channel offset `beta` / factor `gamma`.
        beta_initializer, gamma_initializer: initializers for the weights.
        beta_regularizer, gamma_regularizer: optional penalties added to the loss.
        beta_constraint, gamma_constraint: optional projections applied after each update.

    Shapes: ``(batch, ..., channels)`` (for ``axis=-1``) to the same shape; ``gamma``/``beta``
    have shape ``(channels,)``.

    Example:
        >>> import numpy as np
        >>> layer = GroupNormalization(groups=2, epsilon=0.0)
        >>> layer(np.array([[1.0, 3.0, 5.0, 9.0]])).tolist()
        [[-1.0, 1.0, -1.0, 1.0]]
    """

    def __init__(
        self,
        groups=32,
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
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = statistics.owner(self)
        if (
            isinstance(groups, bool)
            or not isinstance(groups, int)
            or not (groups > 0 or groups == -1)
        ):
            raise ValueError(
                f"{where}: `groups` must be a positive int, or -1 for one group per channel "
                f"(instance normalization); received groups={groups!r}."
            )
        self.groups = groups
        self.axis = statistics.check_axis_argument(where, axis, allow_list=False)
        self.epsilon = statistics.check_float(where, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
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
        (axis,) = statistics.resolve_axes(where, self.axis, shape)
        if axis == 0:
            raise ValueError(
                f"{where}: axis={self.axis} is the batch axis of inputs of shape {shape}; pass "
                "the channel axis."
            )
        channels = shape[axis]
        if channels is None:
            raise ValueError(
                f"{where}: the channel axis {self.axis} must have a known size; received shape "
                f"{shape}."
            )
        groups = channels if self.groups == -1 else self.groups
        if channels % groups:
            raise ValueError(
                f"{where}: groups={self.groups} does not divide the {channels} channels of inputs "
                f"of shape {shape}. Choose a number of groups that divides {channels}."
            )
        if self.built and channels != self._channels:
            raise ValueError(
                f"{where}: expected {self._channels} channels along axis {self.axis} (it was "
                f"built for shape {self._build_shape}), but received shape {shape}."
            )

    def build(self, input_shape) -> None:
        self._channels = input_shape[self.axis]
        shape = (self._channels,)
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                shape,
                self.gamma_initializer,
                name="gamma",
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
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
        (axis,) = statistics.resolve_axes(statistics.owner(self), self.axis, x.shape)
        channels = x.shape[axis]
        groups = channels if self.groups == -1 else self.groups
        # (..., channels, ...) -> (..., groups, channels // groups, ...): statistics over every
        # axis but the batch and the group axis.
        grouped_shape = (*x.shape[:axis], groups, channels // groups, *x.shape[axis + 1 :])
        grouped = jnp.reshape(x, grouped_shape)
        reduction = tuple(i for i in range(1, grouped.ndim) if i != axis)
        mean = jnp.mean(grouped, reduction, keepdims=True)
        variance = jnp.var(grouped, reduction, keepdims=True)
        broadcast = [1] * grouped.ndim
        broadcast[axis], broadcast[axis + 1] = groups, channels // groups

        def shaped(v):
            return None if v is None else jnp.reshape(v.value.astype(x.dtype), broadcast)

        outputs = statistics.normalize(
            grouped, mean, variance, shaped(self.gamma), shaped(self.beta), epsilon=self.epsilon
        )
        return jnp.reshape(outputs, x.shape).astype(self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        }
