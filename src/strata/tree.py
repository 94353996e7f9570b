"""Nested structures (lists, tuples, namedtuples, dicts, deques) as Keras's ``keras.tree`` sees
them: leaves in a fixed order, ``None`` a leaf, plain dicts walked in sorted key order (an
`OrderedDict` in its own order), and rebuilt dicts keeping their original key order.

Example:
    >>> flatten({"b": [1, 2], "a": 3})
    [3, 1, 2]
    >>> map_structure(lambda x: x * 10, {"b": [1, 2], "a": 3})
    {'b': [10, 20], 'a': 30}
"""

from __future__ import annotations

import collections

__all__ = [
    "MAP_TO_NONE",
    "assert_same_paths",
    "assert_same_structure",
    "flatten",
    "flatten_with_path",
    "is_nested",
    "lists_to_tuples",
    "map_shape_structure",
    "map_structure",
    "map_structure_up_to",
    "pack_sequence_as",
    "traverse",
]


class MAP_TO_NONE:  # noqa: N801 - Keras's name for the marker
    """Returned by a `traverse` function to put ``None`` in place of a substructure."""


def is_nested(structure) -> bool:
    """Whether `structure` is a list, tuple, namedtuple, dict or deque (not a leaf).

    Example:
        >>> is_nested([]), is_nested(None), is_nested(3)
        (True, False, False)
    """
    return isinstance(structure, (list, tuple, dict, collections.deque))


def _keys(structure) -> list:
    if isinstance(structure, dict):
        if isinstance(structure, collections.OrderedDict):
            return list(structure)
        try:
            return sorted(structure)
        except TypeError:
            return sorted(structure, key=lambda k: (type(k).__name__, repr(k)))
    return list(range(len(structure)))


def _children(structure) -> list:
    return (
        [structure[k] for k in _keys(structure)] if isinstance(structure, dict) else list(structure)
    )


def _rebuild(structure, values):
    """`structure`'s container holding `values` (given in flatten order)."""
    if isinstance(structure, dict):
        by_key = dict(zip(_keys(structure), values, strict=True))
        items = [(k, by_key[k]) for k in structure]
        if isinstance(structure, collections.defaultdict):
            return collections.defaultdict(structure.default_factory, items)
        return type(structure)(items)
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*values)
    return type(structure)(values)


def flatten(structure) -> list:
    """The leaves of `structure`, in Keras's order.

    Example:
        >>> flatten([1, (2, None), {"y": 3, "x": 4}])
        [1, 2, None, 4, 3]
    """
    if not is_nested(structure):
        return [structure]
    return [leaf for child in _children(structure) for leaf in flatten(child)]


def flatten_with_path(structure) -> list:
    """``(path, leaf)`` pairs, each path a tuple of keys and indices from the top.

    Example:
        >>> flatten_with_path({"a": [5, 6]})
        [(('a', 0), 5), (('a', 1), 6)]
    """
    if not is_nested(structure):
        return [((), structure)]
    return [
        ((key, *path), leaf)
        for key, child in zip(_keys(structure), _children(structure), strict=True)
        for path, leaf in flatten_with_path(child)
    ]


def _mismatch(a, b) -> str | None:
    """Why `a` and `b` differ in structure (Keras's wording), or None."""
    if not is_nested(a) or not is_nested(b):
        return (
            None
            if is_nested(a) == is_nested(b)
            else "Structures don't have the same nested structure."
        )
    # As Keras, every dict type (dict, OrderedDict, defaultdict) is the same kind of node.
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return f"Expected an instance of {type(a).__name__}, got {b!r}."
    if isinstance(a, dict) and set(a) != set(b):
        missing, extra = sorted(set(a) - set(b), key=repr), sorted(set(b) - set(a), key=repr)
        return (
            f"dictionary key mismatch; expected key(s): {_keys(a)}, got key(s): {_keys(b)}, "
            f"missing key(s): {missing}, extra key(s): {extra}; dict: {b!r}."
        )
    if len(a) != len(b):
        kind = type(a).__name__
        return f"{kind} arity mismatch; expected: {len(a)}, got: {len(b)}; {kind}: {b!r}."
    for x, y in zip(_children(a), _children(b), strict=True):
        reason = _mismatch(x, y)
        if reason:
            return reason
    return None


def assert_same_structure(a, b, check_types=None) -> None:
    """Raise a ValueError when `a` and `b` differ in nesting, container types, lengths or keys.

    Args:
        check_types: accepted for Keras compatibility; container types are always compared, as
            in Keras 3.

    Example:
        >>> assert_same_structure([1, (2, 3)], [4, (5, 6)])
    """
    reason = _mismatch(a, b)
    if reason:
        raise ValueError(reason)


def assert_same_paths(a, b) -> None:
    """Raise a ValueError when `a` and `b` do not have the same leaf paths (containers may differ).

    Example:
        >>> assert_same_paths({"a": [1]}, {"a": (2,)})
    """
    paths_a = {path for path, _ in flatten_with_path(a)}
    paths_b = {path for path, _ in flatten_with_path(b)}
    if paths_a != paths_b:
        raise ValueError(
            "`a` and `b` don't have the same paths.\n"
            f"Paths in `a` missing in `b`:\n{paths_a - paths_b}\n"
            f"Paths in `b` missing in `a`:\n{paths_b - paths_a}"
        )


def pack_sequence_as(structure, flat_sequence):
    """`flat_sequence`'s items arranged like `structure` (the inverse of `flatten`).

    Example:
        >>> pack_sequence_as({"b": [0, 0], "a": 0}, [1, 2, 3])
        {'b': [2, 3], 'a': 1}
    """
    flat_sequence = list(flat_sequence)
    expected = len(flatten(structure))
    if len(flat_sequence) != expected:
        many = "many" if len(flat_sequence) > expected else "few"
        raise ValueError(
            f"Too {many} leaves for the structure; expected: {expected}, got: "
            f"{len(flat_sequence)}. Pass one value per leaf of `structure`."
        )
    leaves = iter(flat_sequence)

    def build(node):
        if not is_nested(node):
            return next(leaves)
        return _rebuild(node, [build(child) for child in _children(node)])

    return build(structure)


def map_structure(func, *structures, none_is_leaf=True):
    """``func`` applied to the corresponding leaves of `structures` (all of the same structure).

    Args:
        func: called with one leaf from each structure.
        none_is_leaf: with False, ``None`` is an empty container: `func` is not called on it and
            it stays ``None``.

    Example:
        >>> map_structure(lambda a, b: a + b, [1, (2,)], [10, (20,)])
        [11, (22,)]
    """
    if not structures:
        raise ValueError("Must provide at least one structure")
    for other in structures[1:]:
        assert_same_structure(structures[0], other)

    def apply(*nodes):
        if nodes[0] is None and not none_is_leaf:
            return None
        if not is_nested(nodes[0]):
            return func(*nodes)
        columns = zip(*(_children(node) for node in nodes), strict=True)
        return _rebuild(nodes[0], [apply(*column) for column in columns])

    return apply(*structures)


def map_structure_up_to(shallow_structure, func, *structures):
    """Like `map_structure`, descending only as deep as `shallow_structure`: `func` gets the
    substructures found where `shallow_structure` has leaves.

    Example:
        >>> map_structure_up_to([0, 0], lambda a: a, [1, [2, 3]])
        [1, [2, 3]]
    """

    def apply(shallow, *nodes):
        if not is_nested(shallow):
            return func(*nodes)
        for node in nodes:
            _check_up_to(shallow, node)
        columns = [[node[k] for node in nodes] for k in _keys(shallow)]
        children = [apply(child, *column) for child, column in zip(_children(shallow), columns)]
        return _rebuild(shallow, children)

    return apply(shallow_structure, *structures)


def _check_up_to(shallow, node) -> None:
    if not is_nested(node):
        raise ValueError("Structures don't have the same nested structure.")
    if isinstance(shallow, dict):
        missing = [k for k in _keys(shallow) if k not in node]
        if missing:
            raise ValueError(f"dictionary key mismatch; missing key(s): {missing}; dict: {node!r}.")
    elif len(node) != len(shallow):
        kind = type(shallow).__name__
        raise ValueError(
            f"{kind} arity mismatch; expected: {len(shallow)}, got: {len(node)}; {kind}: {node!r}."
        )


def lists_to_tuples(structure):
    """`structure` with every list turned into a tuple.

    Example:
        >>> lists_to_tuples([1, [2, {"a": [3]}]])
        (1, (2, {'a': (3,)}))
    """
    if not is_nested(structure):
        return structure
    children = [lists_to_tuples(child) for child in _children(structure)]
    if isinstance(structure, list):
        return tuple(children)
    return _rebuild(structure, children)


def _is_shape(value) -> bool:
    return isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value)


def map_shape_structure(func, structure):
    """`func` applied to each shape (a tuple or list of ints and Nones) in `structure`.

    Example:
        >>> map_shape_structure(len, {"a": (1, 2), "b": [(3,), (None, 4)]})
        {'a': 2, 'b': [1, 2]}
    """
    if _is_shape(structure) or not is_nested(structure):
        return func(structure)
    return _rebuild(structure, [map_shape_structure(func, c) for c in _children(structure)])


def traverse(func, structure, top_down=True):
    """Walk `structure` calling `func` on every node; a result other than None replaces the node
    (`MAP_TO_NONE` replaces it with None).

    Top down, a replaced node is not descended into; bottom up, `func` sees the node rebuilt
    from its already-traversed children.

    Example:
        >>> traverse(lambda x: x * 10 if isinstance(x, int) else None, [1, [2, 3]])
        [10, [20, 30]]
    """

    def resolve(result, node):
        if result is MAP_TO_NONE:
            return None
        return node if result is None else result

    def walk(node):
        if top_down:
            result = func(node)
            if result is not None:
                return resolve(result, node)
            if not is_nested(node):
                return node
            return _rebuild(node, [walk(child) for child in _children(node)])
        if is_nested(node):
            node = _rebuild(node, [walk(child) for child in _children(node)])
        return resolve(func(node), node)

    return walk(structure)
