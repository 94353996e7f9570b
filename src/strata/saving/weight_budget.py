"""A limit on the bytes of weights that layers may create while a file loads.

Loading builds the layers a config names before it reads their weights; a crafted config could
ask for far more memory than the file could fill. Inside `weight_budget`, every weight a layer
creates is charged against the size of the file, and going over raises a ValueError.

Example:
    >>> with weight_budget(64, "model.keras"):
    ...     charge_weight_budget("dense", "kernel", (4, 4), "float32")
"""

from __future__ import annotations

import threading

import numpy as np

_weight_budget = threading.local()


class weight_budget:  # noqa: N801 - a context manager, like `open`
    """Limit the bytes of weights layers may create inside the block (used while loading files,
    so a crafted config cannot make strata allocate more than the file could hold)."""

    def __init__(self, max_bytes: int, source: str):
        self.max_bytes = int(max_bytes)
        self.source = source

    def __enter__(self):
        self._previous = getattr(_weight_budget, "active", None)
        self.used = 0
        _weight_budget.active = self
        return self

    def __exit__(self, *exc):
        _weight_budget.active = self._previous


def charge_weight_budget(layer_name: str, weight_name: str, shape, dtype) -> None:
    budget = getattr(_weight_budget, "active", None)
    if budget is None:
        return
    size = (
        int(np.prod(shape, dtype=np.float64))
        * np.dtype("float32" if dtype == "bfloat16" else dtype).itemsize
    )
    budget.used += size
    if budget.used > budget.max_bytes:
        raise ValueError(
            f"{budget.source}: the model's config asks for more weights than the file holds "
            f"(layer '{layer_name}', weight '{weight_name}' of shape {tuple(shape)} brings the "
            f"total to {budget.used:,} bytes; the limit for this file is {budget.max_bytes:,}). "
            "Refusing to build it."
        )
