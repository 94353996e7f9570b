"""Process-wide settings: XLA's persistent compilation cache.

strata turns on JAX's persistent compilation cache in a per-user folder, so a script run a second
time loads its compiled steps instead of compiling them again. It is left alone when the user has
already configured a cache folder for JAX, and it is off when the environment variable
``STRATA_COMPILATION_CACHE`` is ``0`` (or set it to a folder to choose where the cache lives).

Example:
    >>> isinstance(compilation_cache_dir(), (str, type(None)))
    True
"""

from __future__ import annotations

import os
from pathlib import Path

import jax

from strata.backend.settings import (
    backend,
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)
from strata.mixed_precision.policy import global_policy as dtype_policy
from strata.mixed_precision.policy import set_global_policy as set_dtype_policy

__all__ = [
    "compilation_cache_dir",
    "enable_compilation_cache",
    "enable_deterministic",
    "max_device_data_bytes",
    "set_max_device_data_bytes",
]
# Keras 3's keras.config names.
__all__ += ["backend", "epsilon", "floatx", "image_data_format"]
__all__ += ["set_epsilon", "set_floatx", "set_image_data_format"]
__all__ += ["dtype_policy", "set_dtype_policy"]

_ENV = "STRATA_COMPILATION_CACHE"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "strata" / "xla"


def enable_compilation_cache(path: str | os.PathLike | None = None) -> str:
    """Cache compiled XLA programs on disk under `path` (default: ``~/.cache/strata/xla``)."""
    folder = Path(path) if path is not None else _default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    # Small models compile in well under JAX's default 1 s threshold; cache them too.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    return str(folder)


def compilation_cache_dir() -> str | None:
    """The folder JAX caches compiled programs in, or None when caching is off."""
    return jax.config.jax_compilation_cache_dir


def _configure_from_environment() -> None:
    setting = os.environ.get(_ENV, "1")
    if setting == "0" or jax.config.jax_compilation_cache_dir:
        return
    try:
        enable_compilation_cache(None if setting == "1" else setting)
    except OSError:
        # A read-only home folder must not stop strata from working; it only compiles each time.
        pass


_configure_from_environment()


_DEVICE_DATA_ENV = "STRATA_MAX_DEVICE_DATA_BYTES"
_device_data = {"limit": None}


def max_device_data_bytes() -> int:
    """Above this many bytes, `fit` streams in-memory arrays to the device instead of copying
    them there whole (default 2 GiB; env ``STRATA_MAX_DEVICE_DATA_BYTES``)."""
    if _device_data["limit"] is not None:
        return _device_data["limit"]
    return int(os.environ.get(_DEVICE_DATA_ENV, 2 * 1024**3))


def set_max_device_data_bytes(limit: int | None) -> None:
    """Set the streaming threshold of `max_device_data_bytes` (None: back to the default).

    Example:
        >>> set_max_device_data_bytes(1024)
        >>> max_device_data_bytes()
        1024
        >>> set_max_device_data_bytes(None)
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise ValueError(f"`limit` must be a non-negative int or None; received {limit!r}.")
    _device_data["limit"] = limit


def enable_deterministic(seed: int = 0) -> None:
    """Make runs bit-for-bit repeatable on the same hardware, on one device or several.

    Seeds every generator strata uses (`strata.utils.set_random_seed`) and asks XLA for
    deterministic GPU kernels (``--xla_gpu_deterministic_ops=true``; slower scatter and
    reductions). XLA reads its flags when JAX starts its backend, so call this at the top of the
    script, before any array is created; called later it still seeds, and warns that the flag
    could not take effect. CPU runs are deterministic already.

    Example:
        >>> enable_deterministic(seed=3)
    """
    import warnings

    from strata.utils.seed import set_random_seed

    flag = "--xla_gpu_deterministic_ops=true"
    flags = os.environ.get("XLA_FLAGS", "")
    if flag not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {flag}".strip()
        if _backend_started() and any(d.platform == "gpu" for d in jax.devices()):
            warnings.warn(
                "enable_deterministic() was called after JAX started its GPU backend, so "
                "deterministic kernels are not in effect; call it before creating any array.",
                RuntimeWarning,
                stacklevel=2,
            )
    set_random_seed(seed)


def _backend_started() -> bool:
    # JAX has no public "has a backend started?" query. Its private one is looked up defensively:
    # a JAX release that moves it costs only the warning above, never the call.
    try:
        from jax._src.xla_bridge import backends_are_initialized
    except ImportError:
        return False
    return bool(backends_are_initialized())
