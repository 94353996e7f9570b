"""`name_scope`: a prefix for the paths of the variables (and layers) created inside it.

As in Keras, nested scopes join with ``/``: a `Variable` named ``"w"`` created inside
``name_scope("outer")`` and ``name_scope("inner")`` has the path ``"outer/inner/w"``.

Example:
    >>> from strata.state.variable import Variable
    >>> with name_scope("outer"):
    ...     Variable(1.0, name="w").path
    'outer/w'
"""

from __future__ import annotations

import threading

_local = threading.local()


def current_path() -> str:
    """The joined names of the active scopes (``""`` outside any)."""
    return "/".join(scope.name for scope in getattr(_local, "stack", ()))


def prefixed(name: str) -> str:
    """`name` under the active scopes' path."""
    path = current_path()
    return f"{path}/{name}" if path else name


class name_scope:  # noqa: N801 - Keras's name; used as a context manager
    """Prefix the paths of variables created in the block with `name`.

    Args:
        name: a non-empty string without ``/``.
        **kwargs: Keras's backend options (``caller``, ``deduplicate``, ``override_parent``)
            are accepted only with their default values.
    """

    def __init__(self, name, **kwargs):
        if not isinstance(name, str) or not name or "/" in name:
            raise ValueError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name!r}"
            )
        unknown = {k: v for k, v in kwargs.items() if k not in ("caller", "deduplicate")}
        if unknown:
            raise ValueError(
                f"name_scope: unsupported argument(s) {sorted(unknown)}; strata's name_scope "
                "takes only `name` (and Keras's `caller`/`deduplicate`)."
            )
        self.name = name

    def __enter__(self):
        stack = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _local.stack.pop()
