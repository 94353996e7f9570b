"""`InputSpec`: what a layer accepts (rank, dtype, sizes of given axes), checked at each call.

A layer that sets ``self.input_spec`` has its inputs checked before `build` and `call`, with
Keras's messages, so a wrong input fails on the line that calls the layer.

Example:
    >>> import numpy as np
    >>> spec = InputSpec(ndim=2, axes={-1: 3})
    >>> assert_input_compatibility(spec, np.ones((4, 3)), "dense")
    >>> assert_input_compatibility(spec, np.ones((4, 2)), "dense")
    Traceback (most recent call last):
    ...
    ValueError: Input 0 with name 'None' of layer 'dense' is incompatible with the layer: expected axis -1 of input shape to have value 3, but received input with shape (4, 2)
"""

from __future__ import annotations

import numpy as np


class InputSpec:
    """The rank, dtype and axis sizes a layer's input must have (None: anything).

    Args:
        dtype: expected dtype name.
        shape: expected shape (None for any size of an axis); sets `ndim`.
        ndim / max_ndim / min_ndim: expected, largest and smallest rank.
        axes: ``{axis: size}`` for axes whose size is fixed (negative axes count from the end).
        allow_last_axis_squeeze: accept a last axis of size 1 too many or too few.
        name: the input's name (for dict inputs and messages).
        optional: whether the input may be None.
    """

    def __init__(
        self,
        dtype=None,
        shape=None,
        ndim=None,
        max_ndim=None,
        min_ndim=None,
        axes=None,
        allow_last_axis_squeeze=False,
        name=None,
        optional=False,
    ):
        self.dtype = None if dtype is None else str(np.dtype(dtype))
        if shape is not None:
            self.ndim = len(shape)
            self.shape = tuple(shape)
        else:
            self.ndim = ndim
            self.shape = None
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            self.axes = {int(k): v for k, v in (axes or {}).items()}
        except (ValueError, TypeError) as err:
            raise TypeError(
                f"InputSpec: `axes` must be a dict with int keys; received axes={axes!r}."
            ) from err
        top = self.ndim if self.ndim is not None else self.max_ndim
        if self.axes and top is not None:
            largest = max(self.axes)
            if largest > top - 1:
                raise ValueError(
                    f"Axis {largest} is greater than the maximum allowed value: {top - 1}"
                )

    def __repr__(self) -> str:
        parts = [
            f"{key}={value}"
            for key, value in (
                ("dtype", self.dtype),
                ("shape", self.shape),
                ("ndim", self.ndim),
                ("max_ndim", self.max_ndim),
                ("min_ndim", self.min_ndim),
                ("axes", self.axes or None),
            )
            if value is not None
        ]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        return {
            "dtype": self.dtype,
            "shape": self.shape,
            "ndim": self.ndim,
            "max_ndim": self.max_ndim,
            "min_ndim": self.min_ndim,
            "axes": self.axes,
            "optional": self.optional,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def assert_input_compatibility(input_spec, inputs, layer_name: str) -> None:
    """Raise Keras's ValueError if `inputs` (arrays or symbolic tensors) do not match
    `input_spec` (one `InputSpec`, a list of them, or None)."""
    if not input_spec:
        return
    specs = list(input_spec) if isinstance(input_spec, list | tuple) else [input_spec]
    if isinstance(inputs, dict):
        names = [spec.name for spec in specs]
        if all(names):
            for name in names:
                if name not in inputs:
                    raise ValueError(
                        f'Missing data for input "{name}". You passed a data dictionary with '
                        f"keys {list(inputs)}. Expected the following keys: {names}"
                    )
            inputs = [inputs[name] for name in names]
        else:
            inputs = list(inputs.values())
    flat = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    if len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(flat)} '
            f"input tensors. Inputs received: {inputs}"
        )
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or (x is None and spec.optional):
            continue
        _check_one(spec, x, index, layer_name)


def _check_one(spec: InputSpec, x, index: int, layer_name: str) -> None:
    if not hasattr(x, "shape"):
        raise ValueError(
            f"Inputs to a layer should be tensors. Got '{x!r}' (of type {type(x)}) as input for "
            f"layer '{layer_name}'."
        )
    shape = tuple(x.shape)
    ndim = len(shape)
    prefix = (
        f"Input {index} with name '{spec.name}' of layer '{layer_name}' is incompatible with the "
        "layer: "
    )
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
        raise ValueError(
            f"{prefix}expected ndim={spec.ndim}, found ndim={ndim}. Full shape received: {shape}"
        )
    if spec.max_ndim is not None and ndim > spec.max_ndim:
        raise ValueError(f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={ndim}")
    if spec.min_ndim is not None and ndim < spec.min_ndim:
        raise ValueError(
            f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
            f"Full shape received: {shape}"
        )
    if spec.dtype is not None:
        dtype = str(np.dtype(x.dtype)) if str(x.dtype) != "bfloat16" else "bfloat16"
        if dtype != spec.dtype:
            raise ValueError(f"{prefix}expected dtype={spec.dtype}, found dtype={dtype}")
    for axis, value in spec.axes.items():
        if value is not None and (axis >= ndim or axis < -ndim or shape[axis] not in (value, None)):
            raise ValueError(
                f"{prefix}expected axis {axis} of input shape to have value {value}, but "
                f"received input with shape {shape}"
            )
    if spec.shape is not None:
        expected, got = spec.shape, shape
        if spec.allow_last_axis_squeeze:
            expected = expected[:-1] if expected and expected[-1] == 1 else expected
            got = got[:-1] if got and got[-1] == 1 else got
        for want, have in zip(expected, got):
            if want is not None and have is not None and want != have:
                raise ValueError(f"{prefix}expected shape={spec.shape}, found shape={shape}")
