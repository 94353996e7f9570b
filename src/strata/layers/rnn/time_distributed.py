"""`TimeDistributed`: apply a layer to every step of a sequence, with the same weights."""

from __future__ import annotations

import jax

from strata.layers.layer import Layer
from strata.layers.rnn.base_rnn import serialize_sublayer


class TimeDistributed(Layer):
    """Applies `layer` to each slice ``inputs[:, t]`` along the time axis (axis 1).

    The batch and time axes are merged into one, the layer runs once on ``(batch * time, ...)``,
    and the result is split back, which is the same computation step by step with the same
    weights. A time mask ``(batch, time)`` is passed on (as ``(batch * time,)``) to a layer that
    takes one, and is also the output's mask.

    Args:
        layer: the layer to apply (e.g. `Dense`).

    Shapes: ``(batch, time, *step)`` -> ``(batch, time, *layer_output)``.

    Example:
        >>> import numpy as np
        >>> from strata.layers.core.dense import Dense
        >>> TimeDistributed(Dense(2))(np.ones((4, 3, 5))).shape
        (4, 3, 2)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(
                f"TimeDistributed '{self.name}': `layer` must be a strata layer (e.g. "
                f"`Dense(8)`); received {type(layer).__name__}."
            )
        self.layer = layer
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        if len(shape) < 3:
            raise ValueError(
                f"Layer '{self.name}' (TimeDistributed) expects inputs of rank >= 3, "
                f"(batch, time, ...); received shape {shape}."
            )
        self.layer._check_input(_merged_spec(inputs))

    def build(self, input_shape) -> None:
        self.layer._maybe_build(_step_shape(input_shape))

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(_step_shape(input_shape))
        return (inner[0], input_shape[1], *inner[1:])

    def call(self, inputs, mask=None, training=False):
        batch, time = inputs.shape[0], inputs.shape[1]
        kwargs = {}
        if mask is not None:
            if tuple(mask.shape[:2]) != (batch, time):
                raise ValueError(
                    f"Layer '{self.name}' (TimeDistributed) expects a mask whose first two axes "
                    f"are (batch, time) = {(batch, time)}; received a mask of shape "
                    f"{tuple(mask.shape)}."
                )
            if "mask" in self.layer._call_parameters:
                kwargs["mask"] = mask.reshape(batch * time, *mask.shape[2:])
        if "training" in self.layer._call_parameters:
            kwargs["training"] = training
        merged = inputs.reshape(batch * time, *inputs.shape[2:])
        outputs = self.layer(merged, **kwargs)
        return jax.tree_util.tree_map(lambda y: y.reshape(batch, time, *y.shape[1:]), outputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize_sublayer(self.layer)}


def _step_shape(shape) -> tuple:
    return (shape[0], *shape[2:])


class _Spec:
    """A shape-only stand-in for one step of the inputs (for the wrapped layer's checks)."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def _merged_spec(inputs):
    return _Spec(_step_shape(tuple(inputs.shape)), getattr(inputs, "dtype", None))
