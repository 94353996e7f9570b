"""Keras's global numeric settings, as strata fixes them: the backend (JAX), the default float
type (float32), the fuzz factor (1e-7) and the image layout (channels last).

strata's layers, losses and metrics are written for these values, so the setters accept the
current value (a no-op) and reject any other with an error, rather than change some code paths
and not others.
"""

from __future__ import annotations

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"


def backend() -> str:
    """The backend strata computes with: always ``"jax"``.

    Example:
        >>> backend()
        'jax'
    """
    return "jax"


def floatx() -> str:
    """The default float type: ``"float32"``.

    Example:
        >>> floatx()
        'float32'
    """
    return _FLOATX


def epsilon() -> float:
    """The fuzz factor added to denominators and used to clip probabilities: ``1e-7``.

    Example:
        >>> epsilon()
        1e-07
    """
    return _EPSILON


def image_data_format() -> str:
    """The default image layout: ``"channels_last"`` (``(batch, height, width, channels)``).

    Example:
        >>> image_data_format()
        'channels_last'
    """
    return _IMAGE_DATA_FORMAT


def set_floatx(value) -> None:
    """Accepts only ``"float32"``; use a mixed precision policy to compute in 16 bits."""
    accepted = {"float32", "float16", "float64", "bfloat16"}
    if value not in accepted:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {sorted(accepted)}")
    if value != _FLOATX:
        raise ValueError(
            f"set_floatx({value!r}): strata's default float type is fixed at 'float32'. To "
            "compute in 16 bits, use strata.mixed_precision.set_global_policy('mixed_bfloat16') "
            "(or 'mixed_float16'), or pass dtype= to the layers that need another type."
        )


def set_epsilon(value) -> None:
    """Accepts only ``1e-7``, the fuzz factor strata's formulas are written with."""
    if value != _EPSILON:
        raise ValueError(
            f"set_epsilon({value!r}): strata's fuzz factor is fixed at 1e-07; losses and metrics "
            "that take an `epsilon` argument accept another value there."
        )


def set_image_data_format(data_format) -> None:
    """Accepts only ``"channels_last"``; layers take ``data_format="channels_first"`` one by one."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    if data_format != _IMAGE_DATA_FORMAT:
        raise ValueError(
            "set_image_data_format('channels_first'): strata's default image layout is fixed at "
            "'channels_last'. Pass data_format='channels_first' to the layers that read images "
            "in that layout."
        )
