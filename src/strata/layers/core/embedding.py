"""`Embedding`: look up a trainable vector for each integer index."""

from __future__ import annotations

import warnings

import jax.numpy as jnp

from strata import initializers, regularizers
from strata.graph.symbolic import is_symbolic
from strata.layers.layer import Layer


class Embedding(Layer):
    """Maps each integer in ``[0, input_dim)`` to a row of an ``(input_dim, output_dim)`` table.

    Args:
        input_dim: vocabulary size (a positive int): indices run from 0 to ``input_dim - 1``.
        output_dim: size of each vector (a positive int).
        embeddings_initializer: initializer of the table (default ``"uniform"``, i.e. uniform
            in [-0.05, 0.05]).
        embeddings_regularizer, activity_regularizer: optional penalties added to the loss.
        embeddings_constraint: optional projection applied after each update.
        mask_zero: treat index 0 as padding: the layer then produces a mask ``inputs != 0``
            that the following layers (LSTM, GRU, ...) honour, so 0 cannot be a real token.
        weights: optional initial table (an array, or a list holding one).
        input_length: tf.keras 2's argument; accepted with a deprecation warning and ignored.

    Shapes: integer ``(batch, ...)`` -> ``(batch, ..., output_dim)``; weight
    ``embeddings (input_dim, output_dim)``. Out-of-range indices are clamped by the gather.

    Example:
        >>> import numpy as np
        >>> layer = Embedding(10, 3, mask_zero=True)
        >>> layer(np.array([[1, 2, 0]])).shape
        (1, 3, 3)
        >>> layer.compute_mask(np.array([[1, 2, 0]])).tolist()
        [[True, True, False]]
    """

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        weights=None,
        lora_rank=None,
        lora_alpha=None,
        quantization_config=None,
        **kwargs,
    ):
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            warnings.warn(
                "Argument `input_length` is deprecated and ignored: the sequence length comes "
                "from the inputs. Just remove it.",
                DeprecationWarning,
                stacklevel=2,
            )
        activity_regularizer = kwargs.pop("activity_regularizer", None)
        super().__init__(**kwargs)
        where = f"Embedding '{self.name}'"
        for arg, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"{where}: `{arg}` must be a positive integer; received {arg}={value!r} (of "
                    f"type {type(value).__name__})."
                )
        if lora_rank is not None or quantization_config is not None:
            raise NotImplementedError(
                f"{where}: LoRA (`lora_rank`) and quantization (`quantization_config`) are not "
                "supported."
            )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.produces_mask = self.mask_zero
        if weights is not None:
            self._maybe_build(None)
            self.set_weights(
                weights if isinstance(weights, list) and len(weights) == 1 else [weights]
            )

    def build(self, input_shape=None) -> None:
        self.embeddings = self.add_weight(
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            name="embeddings",
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs):
        indices = jnp.asarray(inputs)
        if not jnp.issubdtype(indices.dtype, jnp.integer):
            indices = indices.astype("int32")
        outputs = jnp.take(self.embeddings.value, indices, axis=0)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs) / outputs.shape[0])
        return outputs.astype(self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        from strata.ops import numpy as numpy_ops

        # An op, so a symbolic call records Keras's `NotEqual` node for the mask.
        return numpy_ops.not_equal(inputs if is_symbolic(inputs) else jnp.asarray(inputs), 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_keras_object

        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": serialize_keras_object(self.embeddings_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "embeddings_constraint": serialize_keras_object(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }
