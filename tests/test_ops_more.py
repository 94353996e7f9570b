"""The `strata.ops` functions test_ops.py does not reach, against `keras.ops`, on NumPy inputs
(as a Keras user passes them)."""

import numpy as np
import pytest

from strata import ops

RNG = np.random.default_rng(1)
A = RNG.normal(size=(3, 4)).astype("float32")
C = RNG.normal(size=(3, 4)).astype("float32")
T = RNG.normal(size=(2, 3, 4)).astype("float32")
UNIT = np.clip(A / 3, -0.9, 0.9).astype("float32")  # inside (-1, 1)
POS = (np.abs(A) + 0.1).astype("float32")
INTS = np.array([[7, -3, 0, 5], [2, 9, -8, 1], [0, 0, 4, -6]], "int32")
BOOLS, OTHER_BOOLS = A > 0, C > 0
SPECIAL = np.array([1.0, np.inf, -np.inf, np.nan, 0.0], "float32")

# (op name, positional args, keyword args): each is called with the same arguments in both.
CASES = [
    ("absolute", (A,), {}),
    ("amax", (T,), {"axis": 1}),
    ("amin", (T,), {"axis": (0, 2), "keepdims": True}),
    ("arccos", (UNIT,), {}),
    ("arcsin", (UNIT,), {}),
    ("arctan", (A,), {}),
    ("arctan2", (A, C), {}),
    ("average", (T,), {"axis": 1}),
    ("average", (A,), {"axis": 1, "weights": np.array([1.0, 2.0, 3.0, 4.0], "float32")}),
    ("ceil", (A,), {}),
    ("cos", (A,), {}),
    ("cosh", (A,), {}),
    ("count_nonzero", (INTS,), {}),
    ("count_nonzero", (INTS,), {"axis": 1}),
    ("cumprod", (A,), {"axis": 1}),
    ("diag", (A,), {}),
    ("diag", (A[0],), {"k": 1}),
    ("divide_no_nan", (A, np.where(BOOLS, C, 0).astype("float32")), {}),
    ("erfinv", (UNIT,), {}),
    ("expm1", (A,), {}),
    ("flip", (T,), {"axis": 1}),
    ("floor", (A,), {}),
    ("floor_divide", (INTS, np.full((3, 4), 3, "int32")), {}),
    ("floor_divide", (A, POS), {}),
    ("greater_equal", (A, C), {}),
    ("hard_sigmoid", (A * 4,), {}),
    ("hstack", ([A, C],), {}),
    ("identity", (3,), {}),
    ("isfinite", (SPECIAL,), {}),
    ("isinf", (SPECIAL,), {}),
    ("isnan", (SPECIAL,), {}),
    ("log10", (POS,), {}),
    ("log1p", (POS,), {}),
    ("log2", (POS,), {}),
    ("log_sigmoid", (A,), {}),
    ("logical_xor", (BOOLS, OTHER_BOOLS), {}),
    ("mod", (INTS, np.full((3, 4), 4, "int32")), {}),
    ("mod", (A, POS), {}),
    ("moveaxis", (T, 0, -1), {}),
    ("multiply", (A, C), {}),
    ("negative", (A,), {}),
    ("not_equal", (INTS, np.zeros((3, 4), "int32")), {}),
    ("prod", (A,), {"axis": 0}),
    ("prod", (INTS,), {}),
    ("ravel", (T,), {}),
    ("reciprocal", (POS,), {}),
    ("relu6", (A * 5,), {}),
    ("roll", (T,), {"shift": 2, "axis": 2}),
    ("roll", (A,), {"shift": -1}),
    ("rsqrt", (POS,), {}),
    ("selu", (A,), {}),
    ("sin", (A,), {}),
    ("sinh", (A,), {}),
    ("softsign", (A,), {}),
    ("subtract", (A, C), {}),
    ("swapaxes", (T, 0, 2), {}),
    ("swish", (A,), {}),
    ("tan", (UNIT,), {}),
    ("tril", (A,), {}),
    ("tril", (A,), {"k": -1}),
    ("triu", (A,), {"k": 1}),
    ("true_divide", (A, POS), {}),
    ("vstack", ([A, C],), {}),
    ("slice", (T, (0, 1, 1), (2, 2, 3)), {}),
    ("slice_update", (T, (1, 0, 2), np.ones((1, 3, 2), "float32")), {}),
    ("scatter", (np.array([[0], [2], [0]], "int32"), A[:3], (4, 4)), {}),
    ("scatter_update", (np.zeros((4, 3), "float32"), [[1], [3]], np.ones((2, 3), "float32")), {}),
    ("scatter_update", (INTS, np.array([[0, 1], [2, 3]]), np.array([10, 20], "int32")), {}),
]


@pytest.mark.parametrize(
    "name, args, kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_op_matches_keras_on_numpy_inputs(kops, name, args, kwargs):
    ours = np.asarray(getattr(ops, name)(*args, **kwargs))
    theirs = np.asarray(getattr(kops, name)(*args, **kwargs))
    assert ours.shape == theirs.shape
    assert ours.dtype == theirs.dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours, theirs, atol=1e-6, rtol=1e-6)


def test_scatter_update_leaves_its_numpy_input_unchanged(kops):
    inputs = np.zeros((4, 3), "float32")
    updated = ops.scatter_update(inputs, [[1], [3]], np.ones((2, 3), "float32"))
    np.testing.assert_array_equal(np.asarray(updated).sum(axis=1), [0, 3, 0, 3])
    assert not inputs.any()


def test_shape_queries_match_keras(kops):
    for x in (A, T, np.float32(2.0)):
        assert ops.ndim(x) == kops.ndim(x)
        assert int(ops.size(x)) == int(kops.size(x))


def test_nonzero_matches_keras(kops):
    for ours, theirs in zip(ops.nonzero(INTS), kops.nonzero(INTS)):
        np.testing.assert_array_equal(ours, theirs)
