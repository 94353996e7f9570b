"""`keras_op`: the one decorator every `strata.ops` function wears.

On arrays (and strata `Variable`s, unwrapped to their values) the op simply runs. When any
argument is a symbolic tensor, it records a node of the op's `Operation` class instead, named
and configured as Keras 3 names and configures it, so the functional graph, summaries and saved
files match Keras's.

Example:
    >>> @keras_op("keras.src.ops.numpy")
    ... def double(x):
    ...     return 2 * x
    >>> double(1.5)
    3.0
    >>> from strata.graph.symbolic import SymbolicTensor
    >>> double(SymbolicTensor((None, 2))).shape
    (None, 2)
"""

from __future__ import annotations

import functools
import inspect
import re

import jax

from strata.graph import operation
from strata.graph.symbolic import is_symbolic
from strata.state.variable import Variable, unwrap


def unwrap_all(tree):
    """Variables anywhere in `tree` (lists of tensors included) replaced by their arrays."""
    return jax.tree_util.tree_map(unwrap, tree, is_leaf=_is_variable)


def keras_op(module: str, *, tensors=("x",), class_name: str | None = None):
    """Decorate an op: Variables unwrapped, symbolic calls recorded as graph nodes.

    Args:
        module: the Keras module of the op's class (``"keras.src.ops.numpy"``), written in
            saved files.
        tensors: the parameters Keras's op class takes when called; every other parameter is
            part of its configuration (``axis``, ``keepdims``...).
        class_name: Keras's class name; by default the op's name in CamelCase.
    """

    def decorate(fn):
        signature = inspect.signature(fn)
        config_names = tuple(
            name
            for name, param in signature.parameters.items()
            if name not in tensors and param.kind not in (param.VAR_POSITIONAL, param.VAR_KEYWORD)
        )
        cls = operation.operation_class(class_name or _camel(fn.__name__), module, fn, config_names)

        @functools.wraps(fn)
        def op(*args, **kwargs):
            leaves = _leaves(args, kwargs)
            if any(is_symbolic(x) for x in leaves):
                return operation.record(cls, signature, args, kwargs)
            if any(isinstance(x, Variable) for x in leaves):
                args, kwargs = unwrap_all(args), unwrap_all(kwargs)
            return fn(*args, **kwargs)

        return op

    return decorate


def _leaves(args: tuple, kwargs: dict) -> list:
    """The arguments, with lists, tuples and dicts opened (cheaply: most ops get plain arrays,
    and this runs on every eager call)."""
    leaves = []
    for value in (*args, *kwargs.values()):
        if isinstance(value, list | tuple | dict):
            leaves.extend(jax.tree_util.tree_leaves(value, is_leaf=_is_variable))
        else:
            leaves.append(value)
    return leaves


def _is_variable(x) -> bool:
    return isinstance(x, Variable)


def _camel(name: str) -> str:
    """``"take_along_axis"`` -> ``"TakeAlongAxis"``, as Keras names its op classes."""
    return re.sub(r"(?:^|_)([a-z0-9])", lambda m: m.group(1).upper(), name)
