"""`strata.tree` against ``keras.tree`` on generated nested structures: the same leaves, paths,
rebuilt containers and errors.
"""

import collections

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strata

Point = collections.namedtuple("Point", ["y", "x"])
LEAVES = st.one_of(st.integers(-5, 5), st.none(), st.text("ab", max_size=2))
KEYS = st.sampled_from(["b", "a", "c", "aa"])


def _structures():
    return st.recursive(
        LEAVES,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.lists(children, max_size=3).map(tuple),
            st.tuples(children, children).map(lambda t: Point(*t)),
            st.dictionaries(KEYS, children, max_size=3),
            st.dictionaries(KEYS, children, max_size=3).map(collections.OrderedDict),
        ),
        max_leaves=8,
    )


@pytest.fixture(scope="module")
def ktree():
    import keras

    return keras.tree


@settings(max_examples=60, deadline=None)
@given(structure=_structures())
def test_flatten_pack_and_map_match_keras(ktree, structure):
    flat = strata.tree.flatten(structure)
    assert flat == ktree.flatten(structure)
    assert strata.tree.flatten_with_path(structure) == ktree.flatten_with_path(structure)
    assert strata.tree.is_nested(structure) == ktree.is_nested(structure)
    numbered = list(range(len(flat)))
    ours = strata.tree.pack_sequence_as(structure, numbered)
    theirs = ktree.pack_sequence_as(structure, numbered)
    assert ours == theirs and type(ours) is type(theirs)
    assert repr(ours) == repr(theirs)  # dict key order too
    mapped = strata.tree.map_structure(repr, structure)
    assert repr(mapped) == repr(ktree.map_structure(repr, structure))
    assert repr(strata.tree.lists_to_tuples(structure)) == repr(ktree.lists_to_tuples(structure))


@settings(max_examples=60, deadline=None)
@given(a=_structures(), b=_structures())
def test_assert_same_structure_agrees_with_keras(ktree, a, b):
    def outcome(tree, fn):
        try:
            fn(a, b)
        except ValueError:
            return "differ"
        return "same"

    assert outcome(strata.tree, strata.tree.assert_same_structure) == outcome(
        ktree, ktree.assert_same_structure
    )
    assert outcome(strata.tree, strata.tree.assert_same_paths) == outcome(
        ktree, ktree.assert_same_paths
    )


def test_map_structure_options_and_up_to_match_keras(ktree):
    structure = [1, None, {"b": 2, "a": (3, 4)}]
    for module in (strata.tree, ktree):
        assert module.map_structure(lambda x: x, structure, none_is_leaf=False) == [
            1,
            None,
            {"b": 2, "a": (3, 4)},
        ]
    args = ([0, 0], lambda a, b: (a, b), [1, [2, 3]], [4, [5, 6]])
    assert strata.tree.map_structure_up_to(*args) == ktree.map_structure_up_to(*args)
    shapes = {"a": (1, 2), "b": [(3,), (None, 4)], "c": [3]}
    assert strata.tree.map_shape_structure(len, shapes) == ktree.map_shape_structure(len, shapes)


def test_traverse_matches_keras(ktree):
    def top(x):
        if x == 2:
            return ours_marker
        return x * 10 if isinstance(x, int) else None

    ours_marker = strata.tree.MAP_TO_NONE
    ours = strata.tree.traverse(top, [1, [2, 3]])
    ours_marker = ktree.MAP_TO_NONE
    assert ours == ktree.traverse(top, [1, [2, 3]]) == [10, [None, 30]]

    def bottom(x):
        return "X" if x == [2, 3] else None

    for module in (strata.tree, ktree):
        assert module.traverse(bottom, [1, [2, 3]], top_down=False) == [1, "X"]


@pytest.mark.parametrize(
    "a, b, match",
    [
        ([1, 2], [1, 2, 3], r"list arity mismatch; expected: 2, got: 3; list: \[1, 2, 3\]\."),
        ({"a": 1}, {"b": 1}, r"dictionary key mismatch; expected key\(s\): \['a'\]"),
        (1, [1], "Structures don't have the same nested structure."),
        ([1, 2], (1, 2), r"Expected an instance of list, got \(1, 2\)\."),
    ],
)
def test_structure_errors_match_keras(ktree, a, b, match):
    for module in (strata.tree, ktree):
        with pytest.raises(ValueError, match=match):
            module.assert_same_structure(a, b)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="Must provide at least one structure"):
        strata.tree.map_structure(lambda x: x)
    with pytest.raises(ValueError, match="Too many leaves for the structure; expected: 2, got: 3"):
        strata.tree.pack_sequence_as([0, [0]], [1, 2, 3])
    with pytest.raises(ValueError, match="list arity mismatch; expected: 2, got: 1"):
        strata.tree.map_structure_up_to([0, 0], lambda a: a, [1])
