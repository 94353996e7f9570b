"""One-time `DeprecationWarning`s for tf.keras 2 idioms that strata accepts.

Each idiom warns the first time a process uses it, naming the modern spelling, and then stays
quiet: a training loop that calls ``fit_generator`` every epoch prints the advice once.

Example:
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     for _ in range(3):
    ...         warn_once("doctest-example", "use the new spelling")
    >>> len(caught)
    1
    >>> forget("doctest-example")
"""

from __future__ import annotations

import warnings

_warned: set[str] = set()


def warn_once(key: str, message: str, stacklevel: int = 3) -> None:
    """Warn `message` as a `DeprecationWarning` unless `key` has warned before."""
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel)


def forget(*keys: str) -> None:
    """Let `keys` (every key when none are given) warn again; for tests."""
    if keys:
        _warned.difference_update(keys)
    else:
        _warned.clear()
