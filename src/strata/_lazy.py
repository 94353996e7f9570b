"""Package namespaces whose public names are imported on first use.

``import strata.layers`` would otherwise import every layer family, and ``strata.utils`` every
plotting module, before a script has asked for any of them.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys


def lazy_names(package: str, where: dict[str, str]):
    """`__getattr__` and `__dir__` for `package`, whose public name ``n`` lives in the module
    ``where[n]`` (``"module:attribute"`` when the attribute is named differently).

    Subpackages and submodules not listed are imported on attribute access too.

    Example:
        >>> import strata.layers
        >>> strata.layers.Dense.__module__
        'strata.layers.core.dense'
    """
    namespace = sys.modules[package]

    def __getattr__(name: str):  # noqa: N807 - the module-level hook of PEP 562
        target = where.get(name)
        if target is not None:
            module_name, _, attribute = target.partition(":")
            value = getattr(importlib.import_module(module_name), attribute or name)
        elif not name.startswith("__") and importlib.util.find_spec(f"{package}.{name}"):
            value = importlib.import_module(f"{package}.{name}")
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(namespace, name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(getattr(namespace, "__all__", ())) | set(vars(namespace)))

    return __getattr__, __dir__
