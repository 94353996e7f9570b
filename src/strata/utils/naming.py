"""Names: snake_case conversion and unique auto-names (``dense``, ``dense_1``, ...)."""

from __future__ import annotations

import collections
import re

_counts: collections.Counter = collections.Counter()


def to_snake_case(name: str) -> str:
    """``"GlobalMaxPooling2D"`` -> ``"global_max_pooling2d"``.

    Example:
        >>> to_snake_case("InputLayer")
        'input_layer'
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2`` ... (reset by `clear_session`)."""
    count = _counts[prefix]
    _counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def reset_names() -> None:
    _counts.clear()
