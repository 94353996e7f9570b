"""`EinsumDense`: a dense layer whose contraction is written as an einsum equation."""

from __future__ import annotations

import copy
import re

import jax.numpy as jnp

from strata import activations, constraints, initializers, regularizers
from strata.layers.layer import Layer

# The three forms Keras accepts, with "..." replaced by "0": no ellipsis, an ellipsis leading
# the input and output, or one trailing them.
_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$"), None),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$"), "left"),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$"), "right"),
)


def parse_equation(owner: str, equation) -> tuple[str, str, str, str | None]:
    """Split an equation into (input, weight, output) specs and where its ellipsis is.

    Example:
        >>> parse_equation("EinsumDense", "...b,bc->...c")
        ('b', 'bc', 'c', 'left')
    """
    if isinstance(equation, str):
        text = equation.replace(" ", "").replace("...", "0")
        for pattern, elided in _FORMS:
            match = pattern.match(text)
            if match:
                return (*match.groups(), elided)
    raise ValueError(
        f"{owner}: invalid `equation` {equation!r}. Expected 'X,Y->Z', '...X,Y->...Z' or "
        "'X...,Y->Z...' where X, Y and Z are letters (e.g. 'ab,bc->ac')."
    )


def einsum_shapes(owner, equation, bias_axes, input_shape, partial_output_shape):
    """Kernel shape, bias shape (or None), full output shape and the kernel's input and
    output axes, following Keras's reading of the equation.

    Example:
        >>> einsum_shapes("EinsumDense", "ab,bc->ac", "c", (None, 3), (4,))[:3]
        ([3, 4], [4], [None, 4])
    """
    input_spec, weight_spec, output_spec, elided_side = parse_equation(owner, equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided_side is None and elided != 0 or elided < 0:
        raise ValueError(
            f"{owner}: the equation {equation!r} expects inputs of rank {len(input_spec)}"
            f"{' or more' if elided_side else ''}; received input shape {input_shape}."
        )
    output_shape = [input_shape[0], *partial_output_shape]
    if elided_side == "left":
        output_shape[1:1] = input_shape[1:elided]
        input_axis = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_axis = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        if elided_side == "right":
            output_shape.extend(input_shape[len(input_shape) - elided :])
        input_axis = {d: i for i, d in enumerate(input_spec)}
        output_axis = {d: i for i, d in enumerate(output_spec)}
    if max(output_axis.values(), default=-1) >= len(output_shape):
        raise ValueError(
            f"{owner}: `output_shape` {tuple(partial_output_shape)} has too few entries for "
            f"the output spec {output_spec!r} of equation {equation!r}; give one size per "
            "output letter after the batch axis."
        )
    for d in input_spec:
        if d in output_axis:
            size_in, size_out = input_shape[input_axis[d]], output_shape[output_axis[d]]
            if size_out is not None and size_out != size_in:
                raise ValueError(
                    f"{owner}: input and output sizes differ along shared axis {d!r}: the input "
                    f"has {size_in} and `output_shape` asks for {size_out}."
                )
    for d in output_spec:
        if d not in input_spec and d not in weight_spec:
            raise ValueError(
                f"{owner}: output axis {d!r} of equation {equation!r} appears in neither the "
                f"input spec {input_spec!r} nor the weight spec {weight_spec!r}."
            )
    kernel_shape, input_axes, output_axes = [], [], []
    for i, d in enumerate(weight_spec):
        if d in output_axis:
            kernel_shape.append(output_shape[output_axis[d]])
            output_axes.append(i)
        elif d in input_axis:
            kernel_shape.append(input_shape[input_axis[d]])
            input_axes.append(i)
        else:
            raise ValueError(
                f"{owner}: weight axis {d!r} of equation {equation!r} appears in neither the "
                f"input spec {input_spec!r} nor the output spec {output_spec!r}."
            )
    bias_shape = None
    if bias_axes is not None:
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(
                    f"{owner}: bias axis {d!r} is not in the output spec {output_spec!r}; "
                    "`bias_axes` must use letters of the equation's output."
                )
        offset = elided if elided_side == "left" else 0
        first = min(output_spec.find(d) for d in bias_axes)
        # As in Keras: the bias spans the output axes from the first biased one on (size 1 for
        # the unbiased ones), plus a 1 for each trailing elided axis, so it broadcasts.
        bias_shape = [
            output_shape[i + offset] if d in bias_axes else 1
            for i, d in enumerate(output_spec)
            if i >= first
        ]
        if elided_side != "left":
            bias_shape.extend([1] * elided)
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes


class EinsumDense(Layer):
    """A dense layer computed as ``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: ``'X,Y->Z'``, ``'...X,Y->...Z'`` or ``'X...,Y->Z...'``: X names the input's
            axes, Y the kernel's and Z the output's (letters only).
        output_shape: the output's sizes after the batch axis (and the elided axes); an int or
            a tuple, None where the size follows from the input.
        activation: name or callable; None means linear.
        bias_axes: output letters that get a bias (None: no bias).
        kernel_initializer, bias_initializer: initializers for the weights.
        kernel_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional projections applied after each update.
        lora_rank, lora_alpha: LoRA is not supported; leave them None.

    Shapes: inputs as the equation's input spec; output ``(batch, *output_shape)`` with the
    elided axes kept. Weights: ``kernel`` and, with `bias_axes`, ``bias``.

    Example:
        >>> import numpy as np
        >>> layer = EinsumDense("ab,bc->ac", 4, bias_axes="c")
        >>> layer(np.ones((2, 3))).shape
        (2, 4)
    """

    def __init__(
        self,
        equation,
        output_shape,
        activation=None,
        bias_axes=None,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        lora_rank=None,
        lora_alpha=None,
        activity_regularizer=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"EinsumDense '{self.name}'"
        if lora_rank is not None or lora_alpha is not None:
            raise NotImplementedError(
                f"{where}: LoRA (`lora_rank`, `lora_alpha`) is not supported by strata; received "
                f"lora_rank={lora_rank!r}, lora_alpha={lora_alpha!r}. Leave both None."
            )
        _, _, output_spec, _ = parse_equation(where, equation)
        self.equation = equation
        given = output_shape
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            output_shape = (output_shape,)
        if not isinstance(output_shape, list | tuple) or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
            for d in output_shape
        ):
            raise ValueError(
                f"{where}: `output_shape` must be a positive int or a tuple of positive ints "
                f"(or None); received output_shape={given!r}."
            )
        self.partial_output_shape = tuple(output_shape)
        if bias_axes is not None and (
            not isinstance(bias_axes, str) or any(d not in output_spec for d in bias_axes)
        ):
            raise ValueError(
                f"{where}: `bias_axes` must be letters of the output spec {output_spec!r}; "
                f"received bias_axes={bias_axes!r}."
            )
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _shapes(self, input_shape):
        return einsum_shapes(
            f"Layer '{self.name}' (EinsumDense)",
            self.equation,
            self.bias_axes,
            input_shape,
            self.partial_output_shape,
        )

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        kernel_shape = self._shapes(shape)[0]
        if self.built and tuple(kernel_shape) != self.kernel.shape:
            raise ValueError(
                f"Layer '{self.name}' (EinsumDense) was built for inputs of shape "
                f"{tuple(self._build_shape)} (kernel {self.kernel.shape}); received shape {shape}."
            )
        if any(d is None for d in kernel_shape):
            raise ValueError(
                f"Layer '{self.name}' (EinsumDense): the kernel's shape {tuple(kernel_shape)} "
                f"depends on unknown input sizes; received input shape {shape}. Give those "
                "axes a size in `Input(shape=...)` or in `output_shape`."
            )

    def build(self, input_shape) -> None:
        kernel_shape, bias_shape, _, input_axes, output_axes = self._shapes(input_shape)
        init = self.kernel_initializer
        # Keras hands variance-scaling initializers the kernel's input and output axes, so the
        # fans are those of the contraction, not of the kernel's first and last axes.
        if isinstance(init, initializers.VarianceScaling) and (
            init.input_axes is None or init.output_axes is None
        ):
            init = copy.copy(init)
            init.input_axes, init.output_axes = input_axes, output_axes
        self.kernel = self.add_weight(
            kernel_shape,
            init,
            name="kernel",
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(
                bias_shape,
                self.bias_initializer,
                name="bias",
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )

    def call(self, inputs):
        outputs = jnp.einsum(self.equation, inputs, self.kernel.value)
        if self.bias is not None:
            outputs = outputs + self.bias.value
        outputs = self.activation(outputs)
        if self.activity_regularizer is not None:
            self.add_loss(self.activity_regularizer(outputs) / outputs.shape[0])
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(self._shapes(input_shape)[2])

    def get_config(self) -> dict:
        from strata.saving.serialization import serialize_activation, serialize_keras_object

        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": serialize_activation(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "quantization_config": None,
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if config.pop("quantization_config", None) is not None:
            raise ValueError(
                f"EinsumDense '{config.get('name')}': quantized layers (`quantization_config`) "
                "are not supported."
            )
        if config.pop("gptq_unpacked_column_size", None) is not None:
            raise ValueError(
                f"EinsumDense '{config.get('name')}': GPTQ-quantized layers are not supported."
            )
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        return super().from_config(config)
