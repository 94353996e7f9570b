"""Resolving string identifiers with errors that list the valid names."""

from __future__ import annotations

import difflib


def lookup_identifier(name, table: dict, kind: str):
    """``table[name]``, or a ValueError naming the unknown `kind`, close matches and valid names.

    Example:
        >>> lookup_identifier("a", {"a": 1}, "thing")
        1
    """
    if name in table:
        return table[name]
    valid = sorted(table)
    close = difflib.get_close_matches(str(name), valid, n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"Unknown {kind}: {name!r}.{hint} Valid names: {', '.join(valid)}.")
