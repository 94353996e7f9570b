"""`Lambda`: wrap a Python function as a layer."""

from __future__ import annotations

import inspect

from strata.graph.symbolic import SymbolicTensor
from strata.layers.layer import Layer


class Lambda(Layer):
    """Apply ``function(inputs, **arguments)`` as a layer without weights.

    The function is saved by name only: `get_config` writes a reference to it (its registered
    name, see `strata.saving.register_keras_serializable`), never its bytecode, so a Python
    ``lambda`` can be used in a model but not saved. To save a model with a `Lambda`, define a
    named function, register it, and load with it registered (or in `custom_objects`).

    Args:
        function: a Python callable taking the inputs (and, if it accepts them, ``mask=`` and
            ``training=``).
        output_shape: optional output shape without the batch axis (a tuple), or a callable
            ``input_shape -> output_shape``; inferred by tracing `function` when omitted.
        mask: optional mask for the outputs: a callable ``(inputs, mask) -> mask`` or a fixed
            value.
        arguments: optional dict of extra keyword arguments for `function`.

    Shapes: whatever `function` returns.

    Example:
        >>> import numpy as np
        >>> def double(x):
        ...     return 2 * x
        >>> Lambda(double)(np.ones((1, 2))).tolist()
        [[2.0, 2.0]]
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"Lambda '{self.name}': `function` must be a Python callable; received "
                f"{function!r} (of type {type(function).__name__})."
            )
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(
                f"Lambda '{self.name}': `arguments` must be a dict of keyword arguments for the "
                f"function; received {type(arguments).__name__}."
            )
        if output_shape is not None and not callable(output_shape):
            if not isinstance(output_shape, list | tuple) or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in output_shape
            ):
                raise TypeError(
                    f"Lambda '{self.name}': `output_shape` must be a tuple of ints (without the "
                    f"batch axis) or a callable; received output_shape={output_shape!r}."
                )
            output_shape = tuple(output_shape)
        self.function = function
        self.output_shape = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})
        self.supports_masking = True
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        self._passes_mask = "mask" in params or takes_any
        self._passes_training = "training" in params or takes_any

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._passes_mask:
            kwargs["mask"] = mask
        if self._passes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_spec(self, inputs, *args, **kwargs):
        traced = super().compute_output_spec(inputs, *args, **kwargs)
        if self.output_shape is None:
            return traced
        if not isinstance(traced, SymbolicTensor):
            raise ValueError(
                f"Lambda '{self.name}': `output_shape` describes one output, but the function "
                "returns several; omit `output_shape` to infer them."
            )
        input_shape = _shape_of(inputs)
        if callable(self.output_shape):
            shape = tuple(self.output_shape(input_shape))
        else:
            # As in Keras, a tuple gives the shape after the batch axis.
            batch = input_shape[0] if isinstance(input_shape, tuple) else input_shape[0][0]
            shape = (batch, *self.output_shape)
        return SymbolicTensor(shape, traced.dtype)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_function, serialize_keras_object

        config = {**super().get_config(), "function": serialize_function(self.function)}
        config["arguments"] = serialize_keras_object(self.arguments)
        if self.output_shape is not None:
            config["output_shape"] = (
                serialize_function(self.output_shape)
                if callable(self.output_shape)
                else list(self.output_shape)
            )
        if self.mask is not None:
            config["mask"] = (
                serialize_function(self.mask)
                if callable(self.mask)
                else serialize_keras_object(self.mask)
            )
        return config


def _shape_of(inputs):
    if isinstance(inputs, list | tuple):
        return [tuple(x.shape) for x in inputs]
    return tuple(inputs.shape)
