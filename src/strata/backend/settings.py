"""Keras 3's ``keras.backend`` settings: `floatx`, `epsilon`, `image_data_format`, their
setters, `clear_session`, `get_uid` and the dtype helpers.

Example:
    >>> floatx(), epsilon(), image_data_format()
    ('float32', 1e-07, 'channels_last')
"""

from __future__ import annotations

import itertools

from strata.graph.symbolic import is_keras_tensor  # noqa: F401 - Keras exports it here too
from strata.utils.dtypes import standardize_dtype

_FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
_settings = {"epsilon": 1e-7}
_uids: dict[str, itertools.count] = {}


def backend() -> str:
    """The name of the numerical backend: always ``"jax"``."""
    return "jax"


def floatx() -> str:
    """The default float type of new weights (``"float32"`` unless `set_floatx` changed it)."""
    from strata.mixed_precision.policy import global_policy

    return global_policy().variable_dtype


def set_floatx(value: str) -> None:
    """Set the default float type: new layers compute and keep weights in `value`.

    It sets the global dtype policy (`strata.mixed_precision.set_global_policy`), which is how
    strata layers pick their dtype. float64 is refused: JAX computes in 32 bits unless x64 is
    enabled for the whole process, so it would silently stay float32.

    Example:
        >>> set_floatx("bfloat16"); floatx()
        'bfloat16'
        >>> set_floatx("float32")
    """
    from strata.mixed_precision.policy import set_global_policy

    if value not in _FLOAT_TYPES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of {list(_FLOAT_TYPES)}")
    if value == "float64":
        raise ValueError(
            "set_floatx('float64'): strata computes in 32 bits or fewer (JAX's default); "
            "float64 would silently stay float32. Use 'float32', 'bfloat16' or 'float16'."
        )
    set_global_policy(None if value == "float32" else value)


def epsilon() -> float:
    """The fuzz factor losses clip probabilities with (default ``1e-7``)."""
    return _settings["epsilon"]


def set_epsilon(value: float) -> None:
    """Set the fuzz factor of `epsilon`; losses and norm constraints compiled afterwards use it.

    Example:
        >>> set_epsilon(1e-5); epsilon()
        1e-05
        >>> set_epsilon(1e-7)
    """
    from strata import constraints
    from strata.losses import functions

    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError(f"set_epsilon: expected a float in [0, 1); received {value!r}.")
    _settings["epsilon"] = functions.EPSILON = constraints._EPSILON = float(value)


def image_data_format() -> str:
    """The default image layout of convolution and pooling layers: ``"channels_last"``."""
    return "channels_last"


def set_image_data_format(data_format: str) -> None:
    """Accepts ``"channels_last"`` (the default); strata has no global channels-first switch."""
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format}"
        )
    if data_format != "channels_last":
        raise ValueError(
            "set_image_data_format('channels_first'): strata layers default to 'channels_last' "
            "and have no global switch. Pass data_format='channels_first' to the layers that "
            "read images in that layout."
        )


def clear_session(free_memory: bool = True) -> None:
    """Reset the automatic layer names and `get_uid` counters, as Keras does; `free_memory`
    also runs Python's garbage collector, so arrays of dropped models are released."""
    import gc

    from strata.utils import naming

    _uids.clear()
    naming.reset_names()
    if free_memory:
        gc.collect()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... per `prefix`, counting calls since the last `clear_session`.

    Example:
        >>> clear_session(); get_uid("dense"), get_uid("dense")
        (1, 2)
    """
    return next(_uids.setdefault(prefix, itertools.count(1)))


def result_type(*dtypes) -> str:
    """The dtype the arguments promote to, by JAX's promotion rules (none given: `floatx()`)."""
    import jax.numpy as jnp

    if not dtypes:
        return floatx()
    return standardize_dtype(jnp.result_type(*[standardize_dtype(d) for d in dtypes]))


def is_float_dtype(dtype) -> bool:
    """True for floating dtypes."""
    return standardize_dtype(dtype) in _FLOAT_TYPES


def is_int_dtype(dtype) -> bool:
    """True for signed and unsigned integer dtypes."""
    return standardize_dtype(dtype).startswith(("int", "uint"))
