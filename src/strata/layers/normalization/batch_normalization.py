"""`BatchNormalization`: normalize with the batch's statistics while training, with moving
averages of them at inference."""

from __future__ import annotations

import jax.numpy as jnp

from strata import initializers, regularizers
from strata.layers.layer import Layer
from strata.layers.normalization import statistics
from strata.state import scope as state_scope

# Added to the count of unmasked entries when an input `mask` is given, as Keras does there.
_MASKED_COUNT_EPSILON = 1e-7


class BatchNormalization(Layer):
    """Normalize each feature (along `axis`) to zero mean and unit variance, then scale and shift.

    With ``training=True`` (as in `fit`) the layer uses the mean and variance of the current batch
    and updates its moving statistics as Keras does::

        moving_mean = moving_mean * momentum + batch_mean * (1 - momentum)

    (likewise the variance); otherwise it uses the moving statistics. A layer with
    ``trainable=False`` always runs in inference mode, even with ``training=True`` (Keras's rule,
    which makes fine-tuning a frozen network behave).

    Batch statistics skip the rows `fit` pads the last batch of an epoch with, so they equal
    those of the unpadded batch. An input `mask` (one dimension less than the inputs, e.g. the
    ``(batch, time)`` mask of a sequence) excludes masked positions from the statistics.

    Args:
        axis: the feature axis (an int), normalized separately per index along it.
        momentum: weight of the old value in the moving averages.
        epsilon: added to the variance before the square root.
        center / scale: whether to learn an offset `beta` / a factor `gamma`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: initializers for the weights.
        beta_regularizer, gamma_regularizer: optional penalties added to the loss.
        beta_constraint, gamma_constraint: optional projections applied after each update.
        synchronized: accepted for compatibility; statistics are always computed over the
            whole batch, also when the batch is split across devices.
        renorm, renorm_clipping, renorm_momentum: batch renormalization; only ``renorm=False``
            is supported.

    Shapes: any input with a known `axis` dimension; the output has the input's shape. Weights
    ``gamma``, ``beta`` (trainable), ``moving_mean``, ``moving_variance`` (not trainable), each
    of shape ``(features,)``.

    Example:
        >>> import numpy as np
        >>> layer = BatchNormalization()
        >>> x = np.array([[0.0, 2.0], [2.0, 6.0]], dtype="float32")
        >>> np.round(layer(x, training=True), 3).tolist()
        [[-1.0, -1.0], [1.0, 1.0]]
        >>> [round(float(m), 3) for m in layer.moving_mean.numpy()]
        [0.01, 0.04]
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        synchronized=False,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = statistics.owner(self)
        self.axis = statistics.check_axis_argument(where, axis, allow_list=False)
        self.momentum = statistics.check_float(where, "momentum", momentum)
        self.epsilon = statistics.check_float(where, "epsilon", epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint
        self.synchronized = bool(synchronized)
        if renorm:
            raise NotImplementedError(
                f"{where}: batch renormalization (`renorm=True`) is not supported. Use "
                "renorm=False (the default)."
            )
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        where = statistics.owner(self)
        shape = tuple(inputs.shape)
        (axis,) = statistics.resolve_axes(where, self.axis, shape)
        if shape[axis] is None:
            raise ValueError(
                f"{where}: the feature axis {self.axis} of the inputs must have a known size; "
                f"received shape {shape}."
            )
        if self.built and shape[axis] != self.moving_mean.shape[0]:
            raise ValueError(
                f"{where}: expected {self.moving_mean.shape[0]} features along axis {self.axis} "
                f"(it was built for shape {self._build_shape}), but received shape {shape}."
            )

    def build(self, input_shape) -> None:
        shape = (input_shape[self.axis],)
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
        self.moving_mean = self.add_weight(
            shape, self.moving_mean_initializer, name="moving_mean", trainable=False
        )
        self.moving_variance = self.add_weight(
            shape, self.moving_variance_initializer, name="moving_variance", trainable=False
        )
        # As in Keras, the statistics stay float32 under mixed precision.
        for variable in self._own_variables:
            variable.autocast = False

    def call(self, inputs, training=None, mask=None):
        where = statistics.owner(self)
        if mask is not None and jnp.ndim(mask) != inputs.ndim - 1:
            raise ValueError(
                f"{where}: the mask must have one dimension less than the inputs; received "
                f"mask of shape {tuple(jnp.shape(mask))} for inputs of shape "
                f"{tuple(inputs.shape)}."
            )
        x = statistics.float32_or_wider(inputs)
        (axis,) = statistics.resolve_axes(where, self.axis, x.shape)
        reduction = tuple(i for i in range(x.ndim) if i != axis)
        moving_mean = self.moving_mean.value.astype(x.dtype)
        moving_variance = self.moving_variance.value.astype(x.dtype)
        if training and self.trainable:
            weights, count_epsilon, padded = self._statistics_weights(x, axis, mask)
            mean, variance, count = _moments(x, reduction, weights, count_epsilon)
            new_mean = moving_mean * self.momentum + mean * (1.0 - self.momentum)
            new_variance = moving_variance * self.momentum + variance * (1.0 - self.momentum)
            if padded:
                # A batch made only of padding (possible on a device's share of an uneven
                # batch) has no statistics; the moving averages stay as they are.
                new_mean = jnp.where(count > 0, new_mean, moving_mean)
                new_variance = jnp.where(count > 0, new_variance, moving_variance)
            self.moving_mean.assign(new_mean)
            self.moving_variance.assign(new_variance)
        else:
            mean, variance = moving_mean, moving_variance
        broadcast = [1] * x.ndim
        broadcast[axis] = x.shape[axis]

        def shaped(v):
            return None if v is None else jnp.reshape(v.value.astype(x.dtype), broadcast)

        outputs = statistics.normalize(
            x,
            jnp.reshape(mean, broadcast),
            jnp.reshape(variance, broadcast),
            shaped(self.gamma),
            shaped(self.beta),
            epsilon=self.epsilon,
        )
        return outputs.astype(self.compute_dtype)

    def _statistics_weights(self, x, axis, mask):
        """Boolean weights (broadcastable to `x`) of the entries the batch statistics cover, the
        count's epsilon, and whether the step's sample mask took part.

        Combines the input `mask` (Keras's masked moments) with the sample mask of the training
        step, which is 0 for the rows that pad the last batch of an epoch.
        """
        weights, count_epsilon, padded = None, 0.0, False
        if mask is not None:
            # Keras expands the mask on the last axis (the features of a channels-last input).
            weights = jnp.broadcast_to(jnp.expand_dims(mask, -1), x.shape).astype(bool)
            count_epsilon = _MASKED_COUNT_EPSILON
        active = state_scope.current()
        rows = None if active is None else active.sample_mask
        # The sample mask marks rows of the batch axis; it applies when the batch axis is one
        # the statistics are reduced over and this tensor still has the step's batch size.
        if rows is not None and axis != 0 and x.shape[0] == jnp.shape(rows)[0]:
            rows = jnp.reshape(jnp.asarray(rows) > 0, (x.shape[0],) + (1,) * (x.ndim - 1))
            weights = rows if weights is None else jnp.logical_and(weights, rows)
            padded = True
        return weights, count_epsilon, padded

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "moving_mean_initializer": serialize_keras_object(self.moving_mean_initializer),
            "moving_variance_initializer": serialize_keras_object(self.moving_variance_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }


def _moments(x, axes, weights, count_epsilon):
    """Mean and variance of `x` over `axes`, counting only entries where `weights` is true.

    Without weights this is ``jnp.mean``/``jnp.var`` (Keras's unmasked moments). Returns the
    number of counted entries per feature too (None without weights).
    """
    if weights is None:
        return jnp.mean(x, axes), jnp.var(x, axes), None
    weights = jnp.broadcast_to(weights, x.shape)
    count = jnp.sum(weights.astype(x.dtype), axes, keepdims=True)
    denominator = count + count_epsilon if count_epsilon else jnp.maximum(count, 1.0)
    mean = jnp.sum(jnp.where(weights, x, 0.0), axes, keepdims=True) / denominator
    squares = jnp.where(weights, jnp.square(x - mean), 0.0)
    variance = jnp.sum(squares, axes, keepdims=True) / denominator
    return jnp.squeeze(mean, axes), jnp.squeeze(variance, axes), jnp.squeeze(count, axes)
