"""Module attribute hooks for namespaces whose names moved elsewhere after tf.keras 2."""

from __future__ import annotations

import importlib
import sys

from strata._deprecation import warn_once


def moved_names(package: str, moved: dict[str, str], submodules=()):
    """`__getattr__`/`__dir__` for `package`, whose name ``n`` is now ``moved[n]`` (``"module.Name"``
    in `strata`), returned with a one-time `DeprecationWarning`; `submodules` import normally."""
    namespace = sys.modules[package]
    public = package.replace("strata.", "keras.", 1)

    def __getattr__(name: str):  # noqa: N807 - the module-level hook of PEP 562
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        if name not in moved:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = moved[name].rpartition(".")
        warn_once(
            f"{package}.{name}",
            f"`{public}.{name}` is tf.keras 2's name; use `{moved[name]}` instead.",
        )
        return getattr(importlib.import_module(module), attribute)

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(namespace.__all__)

    return __getattr__, __dir__
