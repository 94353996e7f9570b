"""A layer called with its first `call` argument by keyword: ``layer(inputs=x)``.

tf.keras 2 and Keras 3 both accept it (``self.endpoint(logits=x, targets=y)`` in tf.keras 2's
guides); strata moves that argument to the front so the rest of `__call__` sees it positionally.
"""

from __future__ import annotations

import inspect


def first_argument_by_keyword(layer, kwargs: dict):
    """``(args, kwargs)`` with `call`'s first parameter moved from `kwargs` into `args`.

    Example:
        >>> import strata
        >>> layer = strata.layers.Dense(2)
        >>> args, kwargs = first_argument_by_keyword(layer, {"inputs": 1, "training": True})
        >>> args, kwargs
        ((1,), {'training': True})
    """
    for name, parameter in inspect.signature(layer.call).parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            break
        if name in kwargs:
            rest = dict(kwargs)
            return (rest.pop(name),), rest
        break
    raise TypeError(
        f"Layer '{layer.name}' was called without inputs; pass them as the first argument "
        "(or by the name of the first argument of its `call`)."
    )
