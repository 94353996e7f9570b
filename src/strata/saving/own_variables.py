"""Calling a layer's `save_own_variables`/`load_own_variables` overrides from the weights file.

Keras hands each layer a store of its ``vars`` group; a custom layer may override the two
methods to write and read what it likes there. strata writes and reads built-in layers
directly and calls the methods only where a class overrides them.

Example:
    >>> import strata
    >>> overrides(strata.layers.Dense(2), "save_own_variables")
    False
"""

from __future__ import annotations

import numpy as np


def overrides(layer, method: str) -> bool:
    """Whether `layer`'s class defines its own `method` (not the base `Layer`'s)."""
    from strata.layers.extension_points import LayerExtensionPoints

    if layer is None:
        return False
    return getattr(type(layer), method) is not getattr(LayerExtensionPoints, method)


def saved(layer) -> list:
    """``(key, array)`` pairs that `layer.save_own_variables` puts in a fresh store."""
    store: dict = {}
    layer.save_own_variables(store)
    items = []
    for key, value in store.items():
        if not isinstance(key, str) or not key or "/" in key:
            raise ValueError(
                f"Layer '{layer.name}': `save_own_variables` stored the key {key!r}; keys must "
                "be non-empty strings without '/'."
            )
        items.append((key, np.asarray(value)))
    return items


class Store:
    """The read-only store `load_own_variables` receives: a layer's ``vars`` group, read on
    access (the file was scanned for safety before)."""

    def __init__(self, group, read):
        self._group = group
        self._read = read

    def keys(self) -> list:
        return [] if self._group is None else list(self._group.keys())

    def __len__(self) -> int:
        return len(self.keys())

    def __contains__(self, key) -> bool:
        return key in self.keys()

    def __iter__(self):
        return iter(self.keys())

    def items(self):
        return [(key, self[key]) for key in self.keys()]

    def __getitem__(self, key):
        if key not in self.keys():
            raise KeyError(f"No weight named {key!r} in the layer's stored variables.")
        return self._read(self._group[key])
