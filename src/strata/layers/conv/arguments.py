"""Argument and shape checks shared by the spatial layers (convolution, pooling, reshaping).

Each check names the layer (``"Conv2D 'conv2d'"``), the argument, what it received and what it
expects, so a mistake surfaces on the line that built or called the layer.

Example:
    >>> normalize_tuple(3, 2, "kernel_size", "Conv2D 'c'")
    (3, 3)
    >>> output_length(7, 3, "valid", 2)
    3
"""

from __future__ import annotations

import math

DATA_FORMATS = ("channels_last", "channels_first")
_SPATIAL_NAMES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def owner_name(layer) -> str:
    """``"Conv2D 'conv2d'"``: how argument errors name a layer."""
    return f"{type(layer).__name__} '{layer.name}'"


def normalize_tuple(value, rank: int, arg: str, owner: str, *, allow_zero: bool = False) -> tuple:
    """`value` (an int or `rank` ints) as a tuple of `rank` positive (or non-negative) ints."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    smallest = 0 if allow_zero else 1
    if (
        values is None
        or len(values) != rank
        or any(isinstance(v, bool) or not isinstance(v, int) or v < smallest for v in values)
    ):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{owner}: `{arg}` must be a {kind} integer or a tuple of {rank} {kind} integers; "
            f"received {arg}={value!r}."
        )
    return values


def normalize_padding(value, owner: str, allowed=("valid", "same")) -> str:
    """The padding mode in lower case, checked against `allowed`."""
    mode = value.lower() if isinstance(value, str) else value
    if mode not in allowed:
        raise ValueError(
            f"{owner}: `padding` must be one of {list(allowed)}; received padding={value!r}."
        )
    return mode


def normalize_data_format(value, owner: str) -> str:
    """``"channels_last"`` (the default, for None) or ``"channels_first"``."""
    if value is None:
        return "channels_last"
    if value not in DATA_FORMATS:
        raise ValueError(
            f"{owner}: `data_format` must be 'channels_last' or 'channels_first'; received "
            f"data_format={value!r}."
        )
    return value


def pairs(value, rank: int, arg: str, owner: str) -> tuple:
    """Padding or cropping amounts as `rank` ``(before, after)`` pairs of non-negative ints.

    Accepts an int (same on every side), `rank` ints (symmetric per axis), or `rank` pairs.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * rank
    try:
        items = tuple(value)
        if len(items) != rank:
            raise ValueError
        result = tuple(
            normalize_tuple(item, 2, arg, owner, allow_zero=True)
            if not isinstance(item, int)
            else normalize_tuple((item, item), 2, arg, owner, allow_zero=True)
            for item in items
        )
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner}: `{arg}` must be a non-negative int, a tuple of {rank} non-negative ints, "
            f"or a tuple of {rank} (before, after) pairs; received {arg}={value!r}."
        ) from None
    return result


def layout(rank: int, data_format: str) -> str:
    """``"(batch, height, width, channels)"``: the expected input layout, for error messages."""
    names = _SPATIAL_NAMES[rank]
    axes = ("channels", *names) if data_format == "channels_first" else (*names, "channels")
    return "(batch, " + ", ".join(axes) + ")"


def spatial_axes(rank: int, data_format: str) -> tuple:
    """Positions of the spatial axes in an input of rank ``rank + 2``."""
    start = 2 if data_format == "channels_first" else 1
    return tuple(range(start, start + rank))


def channel_axis(data_format: str) -> int:
    return 1 if data_format == "channels_first" else -1


def check_rank(layer, shape: tuple, rank: int, data_format: str) -> None:
    """Raise unless `shape` has ``rank + 2`` axes."""
    if len(shape) != rank + 2:
        raise ValueError(
            f"Layer '{layer.name}' ({type(layer).__name__}) expects inputs of rank {rank + 2}, "
            f"{layout(rank, data_format)}; received shape {shape}."
        )


def output_length(
    length: int | None, window: int, padding: str, stride: int, dilation: int = 1
) -> int | None:
    """Length of a spatial axis after a strided window: ``ceil(n / s)`` for "same" and "causal",
    ``ceil((n - window_extent + 1) / s)`` for "valid". None stays None (unknown)."""
    if length is None:
        return None
    extent = (window - 1) * dilation + 1
    if padding == "valid":
        return max(math.ceil((length - extent + 1) / stride), 0)
    return math.ceil(length / stride)


def check_window_fits(
    layer, shape: tuple, axes: tuple, windows: tuple, padding, strides, dilations
):
    """Raise if a "valid" window is larger than the input along any known spatial axis."""
    for axis, window, pad, stride, dilation in zip(axes, windows, padding, strides, dilations):
        if output_length(shape[axis], window, pad, stride, dilation) == 0:
            extent = (window - 1) * dilation + 1
            raise ValueError(
                f"Layer '{layer.name}' ({type(layer).__name__}): the window (extent {extent} "
                f"along axis {axis}) is larger than the input, shape {shape}, with "
                "padding='valid', so the output would be empty. Use a smaller window, a larger "
                "input, or padding='same'."
            )
