"""Data utilities, checked against Keras 3 on the same inputs.

`to_categorical`, `normalize` and `pad_sequences` are compared with ``keras.utils`` directly.
Keras's `split_dataset` and `timeseries_dataset_from_array` wrap their results in tf.data (or
Grain) datasets, and neither library is installed here; the tests swap a small stand-in for that
final wrapping step into Keras, so everything Keras computes itself (sizes, shuffles, windows,
targets) is still the oracle.
"""

import random
import types

import numpy as np
import pytest

import strata
from strata.utils import (
    normalize,
    pad_sequences,
    split_dataset,
    timeseries_dataset_from_array,
    to_categorical,
)


@pytest.fixture(scope="module")
def keras():
    """Keras imported once: these utilities keep no session state, so no `clear_session` per test."""
    import keras as keras_module

    assert keras_module.backend.backend() == "jax"
    return keras_module


def test_exported_from_strata_utils():
    for name in [
        "normalize",
        "pad_sequences",
        "split_dataset",
        "timeseries_dataset_from_array",
        "to_categorical",
    ]:
        assert name in strata.utils.__all__
        assert callable(getattr(strata.utils, name))


# ---------------------------------------------------------------------------------------------
# to_categorical


@pytest.mark.parametrize(
    "labels, num_classes",
    [
        ([0, 2, 1], None),
        ([0, 2, 1], 5),
        (np.array([[1], [2], [0]]), None),  # a label column loses its trailing axis
        (np.array([[1, 2], [0, 3]]), None),
        (np.array([[[1]]]), 4),
        (np.array([3]), None),
        (2, None),
        (np.array([0.0, 1.0, 3.0]), None),
        (np.array([True, False]), None),
        (np.array([1, 0], dtype=np.uint8), 3),
    ],
)
def test_to_categorical_matches_keras(keras, labels, num_classes):
    expected = keras.utils.to_categorical(labels, num_classes)
    got = to_categorical(labels, num_classes)
    assert got.dtype == expected.dtype == np.float64
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "labels, num_classes, error, pattern",
    [
        ([0, 3], 2, ValueError, r"label 3 is out of range for num_classes=2.*\[0, 2\)"),
        ([-1, 1], None, ValueError, r"class labels must be >= 0; received -1"),
        ([0.5, 1], None, ValueError, r"whole-number class labels.*0\.5"),
        (["a"], None, TypeError, r"integer class labels.*dtype <U1"),
        ([0, 1], 0, ValueError, r"`num_classes` must be a positive int or None.*num_classes=0"),
        ([0, 1], 2.5, ValueError, r"num_classes=2\.5"),
        ([], None, ValueError, r"cannot infer `num_classes` from empty labels"),
    ],
)
def test_to_categorical_errors(labels, num_classes, error, pattern):
    with pytest.raises(error, match=pattern):
        to_categorical(labels, num_classes)


# ---------------------------------------------------------------------------------------------
# normalize


@pytest.mark.parametrize("order", [1, 2, 3, 1.5, np.inf])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_normalize_matches_keras_numpy_path(keras, rng, order, dtype):
    x = (rng.normal(size=(4, 5)) * 10).astype(dtype)
    x[1] = 0  # a zero row stays zero
    expected = keras.utils.normalize(x, axis=-1, order=order)
    got = normalize(x, axis=-1, order=order)
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("shape, axis", [((5,), -1), ((3, 4), 0), ((2, 3, 4), 1), ((2, 3, 4), -1)])
def test_normalize_any_axis_matches_keras_tensor_path(keras, rng, shape, axis):
    # Keras's NumPy path turns a 1-D input into a row and divides by the wrong slices when the
    # axis is not the last one; its tensor path is right, and strata matches that.
    x = rng.normal(size=shape).astype("float32")
    expected = np.asarray(keras.utils.normalize(keras.ops.convert_to_tensor(x), axis=axis))
    got = normalize(x, axis=axis)
    assert got.shape == shape
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=axis), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(x=3.0), ValueError, r"`x` must have at least one axis"),
        (dict(x=[[1.0]], axis=2), ValueError, r"axis=2 is out of range.*shape \(1, 1\)"),
        (dict(x=[[1.0]], axis=None), TypeError, r"`axis` must be an int; received axis=None"),
        (dict(x=[1.0], order=0), ValueError, r"`order` must be a positive number.*order=0"),
        (dict(x=[1.0], order="fro"), ValueError, r"order='fro'"),
    ],
)
def test_normalize_errors(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        normalize(**kwargs)


# ---------------------------------------------------------------------------------------------
# pad_sequences

SEQUENCES = [[1, 2, 3], [4], [5, 6, 7, 8, 9], []]


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 1, 3, 7])
def test_pad_sequences_matches_keras(keras, padding, truncating, maxlen):
    kwargs = dict(maxlen=maxlen, padding=padding, truncating=truncating, value=-1)
    expected = keras.utils.pad_sequences(SEQUENCES, **kwargs)
    got = pad_sequences(SEQUENCES, **kwargs)
    assert got.dtype == expected.dtype == np.int32
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize(
    "sequences, kwargs",
    [
        (SEQUENCES, dict(dtype="float32", value=0.5)),
        ([[1.7, 2.2], [3.9]], {}),  # cast to the int dtype, as Keras does
        ([np.ones((2, 3)), np.zeros((1, 3)), []], dict(dtype="float64", maxlen=3)),
        (np.array([[1, 2], [3, 4]]), dict(maxlen=3)),
        ([["a", "bb"], ["c"]], dict(dtype=object, value="x")),
        ([["a", "bb"], ["c"]], dict(dtype="<U2", value="x", padding="post")),
        ([[], []], {}),
        (np.array([[1, 2], [3]], dtype=object), dict(maxlen=4)),
    ],
)
def test_pad_sequences_other_dtypes_and_shapes_match_keras(keras, sequences, kwargs):
    expected = keras.utils.pad_sequences(sequences, **kwargs)
    got = pad_sequences(sequences, **kwargs)
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_pad_sequences_edge_cases_keras_fails_on():
    # Keras raises from NumPy internals here; strata returns the obvious arrays.
    assert pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)
    assert pad_sequences([]).shape == (0, 0)
    assert pad_sequences([], maxlen=3).shape == (0, 3)


@pytest.mark.parametrize(
    "sequences, kwargs, pattern",
    [
        (
            SEQUENCES,
            dict(padding="mid"),
            r'`padding` must be "pre" or "post"; received padding=\'mid\'',
        ),
        (SEQUENCES, dict(truncating="x"), r"`truncating` must be .*truncating='x'"),
        (SEQUENCES, dict(maxlen=-1), r"`maxlen` must be a non-negative int or None.*maxlen=-1"),
        (SEQUENCES, dict(maxlen=2.5), r"maxlen=2\.5"),
        ([[1], 2], {}, r"the item at index 1 is 2, which is not a sequence"),
        (5, {}, r"`sequences` must be a list of sequences; received int"),
        (
            [[1], [2, 3]],
            dict(value="x"),
            r"string `value` \('x'\) needs a text dtype.*dtype=object",
        ),
        ([np.ones((2, 3)), np.ones((1, 4))], {}, r"sequence 1 have shape \(4,\).*shape \(3,\)"),
    ],
)
def test_pad_sequences_errors(sequences, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        pad_sequences(sequences, **kwargs)


# ---------------------------------------------------------------------------------------------
# split_dataset


@pytest.fixture
def keras_split(keras, monkeypatch):
    """`keras.utils.split_dataset` with tf.data replaced by a holder of the samples it gets."""
    from keras.src.utils import module_utils

    class Holder:
        def __init__(self, samples):
            self.samples = samples

        def prefetch(self, _):
            return self

    fake_tf = types.SimpleNamespace(
        data=types.SimpleNamespace(
            Dataset=types.SimpleNamespace(from_tensor_slices=Holder), AUTOTUNE=-1
        )
    )
    monkeypatch.setattr(module_utils, "tensorflow", fake_tf)

    def split(dataset, **kwargs):
        left, right = keras.utils.split_dataset(dataset, **kwargs)
        if isinstance(dataset, tuple):
            return tuple(np.asarray(a) for a in left.samples), tuple(
                np.asarray(a) for a in right.samples
            )
        return np.asarray(left.samples), np.asarray(right.samples)

    return split


@pytest.mark.parametrize(
    "sizes",
    [
        dict(left_size=0.8),
        dict(right_size=0.25),
        dict(left_size=3),
        dict(right_size=7),
        dict(left_size=0.5, right_size=0.3),  # the middle is dropped
        dict(left_size=4, right_size=0.5),
        dict(left_size=0.25),  # 2.5 rounds half to even, to 2
    ],
)
@pytest.mark.parametrize("shuffle", [False, True])
def test_split_dataset_matches_keras(keras_split, sizes, shuffle):
    x = np.arange(30, dtype="float32").reshape(10, 3)
    y = np.arange(10, dtype="int64")
    kwargs = dict(sizes, shuffle=shuffle, seed=7)
    expected = keras_split((x, y), **kwargs)
    got = split_dataset((x, y), **kwargs)
    for got_part, expected_part in zip(got, expected):
        for g, e in zip(got_part, expected_part):
            assert g.dtype == e.dtype
            np.testing.assert_array_equal(g, e)
    expected = keras_split(x, **kwargs)
    got = split_dataset(x, **kwargs)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_split_dataset_unseeded_shuffle_matches_keras_after_the_same_global_seed(keras_split):
    x = np.arange(20)
    random.seed(3)
    expected = keras_split(x, left_size=0.5, shuffle=True)
    random.seed(3)
    got = split_dataset(x, left_size=0.5, shuffle=True)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(got[1], expected[1])


def test_split_dataset_leaves_the_global_generator_alone():
    random.seed(11)
    expected = random.random()
    random.seed(11)
    split_dataset(np.arange(10), left_size=0.5, shuffle=True, seed=1)
    assert random.random() == expected


def test_split_dataset_list_returns_tuples():
    left, right = split_dataset([np.arange(4), np.arange(4) * 2], right_size=1)
    assert isinstance(left, tuple) and isinstance(right, tuple)
    assert [a.tolist() for a in left] == [[0, 1, 2], [0, 2, 4]]
    assert [a.tolist() for a in right] == [[3], [6]]


@pytest.mark.parametrize(
    "dataset, kwargs, error, pattern",
    [
        (
            np.arange(10),
            {},
            ValueError,
            r"pass `left_size`, `right_size` or both; received neither",
        ),
        (
            np.arange(10),
            dict(left_size="a"),
            TypeError,
            r"`left_size` must be an int, a float or None.*'a'",
        ),
        (np.arange(10), dict(right_size=True), TypeError, r"right_size=True"),
        (
            np.arange(10),
            dict(left_size=10),
            ValueError,
            r"int `left_size` counts samples.*\(0, 10\).*left_size=10",
        ),
        (np.arange(10), dict(left_size=0), ValueError, r"left_size=0"),
        (
            np.arange(10),
            dict(right_size=1.0),
            ValueError,
            r"float `right_size` is a fraction.*\(0, 1\)",
        ),
        (
            np.arange(10),
            dict(left_size=0.6, right_size=0.6),
            ValueError,
            r"6 \+ 6 samples, more than the 10",
        ),
        (np.arange(10), dict(left_size=0.01), ValueError, r"leave the left part empty"),
        (
            (np.arange(3), np.arange(4)),
            dict(left_size=1),
            ValueError,
            r"same number of samples.*\[\(3,\), \(4,\)\]",
        ),
        (
            [1, 2, 3],
            dict(left_size=1),
            ValueError,
            r"element 0 of `dataset` is a scalar.*np\.asarray",
        ),
        ((), dict(left_size=1), ValueError, r"empty tuple"),
        (np.zeros((0, 2)), dict(left_size=0.5), ValueError, r"holds no samples"),
        (
            object(),
            dict(left_size=1),
            TypeError,
            r"NumPy array or a tuple of arrays; received object",
        ),
    ],
)
def test_split_dataset_errors(dataset, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        split_dataset(dataset, **kwargs)


# ---------------------------------------------------------------------------------------------
# timeseries_dataset_from_array


@pytest.fixture
def keras_timeseries(keras, monkeypatch):
    """Keras's Grain path with Grain replaced by plain lists: Keras still cuts every window."""
    from keras.src.utils import timeseries_dataset_utils

    class Items:
        def __init__(self, items):
            self.items = list(items)

        def shuffle(self, seed):
            return self  # Grain's extra shuffle, which strata leaves out

        def to_iter_dataset(self):
            return self

        def batch(self, batch_size, batch_fn):
            stack = lambda group: (  # noqa: E731
                tuple(np.stack(column) for column in zip(*group))
                if isinstance(group[0], tuple)
                else np.stack(group)
            )
            chunks = range(0, len(self.items), batch_size)
            return Items(stack(self.items[i : i + batch_size]) for i in chunks)

    fake_grain = types.SimpleNamespace(
        MapDataset=types.SimpleNamespace(source=Items),
        experimental=types.SimpleNamespace(
            ZipMapDataset=lambda parts: Items(zip(parts[0].items, parts[1].items))
        ),
    )
    monkeypatch.setattr(timeseries_dataset_utils, "grain", fake_grain)

    def windows(*args, **kwargs):
        return keras.utils.timeseries_dataset_from_array(*args, format="grain", **kwargs).items

    return windows


def assert_same_batches(got, expected):
    got = list(got)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if isinstance(e, tuple):
            assert isinstance(g, tuple) and len(g) == len(e)
            for g_part, e_part in zip(g, e):
                assert g_part.shape == e_part.shape
                assert g_part.dtype == e_part.dtype
                np.testing.assert_array_equal(g_part, e_part)
        else:
            np.testing.assert_array_equal(g, e)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(sequence_length=10, batch_size=16),
        dict(sequence_length=5, sequence_stride=3, sampling_rate=2, batch_size=4),
        dict(sequence_length=4, start_index=7, end_index=40, batch_size=5),
        dict(sequence_length=3, sequence_stride=4, batch_size=None),
        dict(sequence_length=6, sampling_rate=3, shuffle=True, seed=5, batch_size=8),
        dict(sequence_length=45),
        dict(sequence_length=60),  # longer than the data: no windows
    ],
)
@pytest.mark.parametrize("with_targets", [True, False])
def test_timeseries_matches_keras(keras_timeseries, kwargs, with_targets):
    data = np.arange(50 * 2, dtype="float32").reshape(50, 2)
    targets = np.arange(50) * 10 if with_targets else None
    expected = keras_timeseries(data, targets, **kwargs)
    assert_same_batches(timeseries_dataset_from_array(data, targets, **kwargs), expected)


def test_timeseries_hand_computed_windows():
    # Keras's documented pattern: predict the step `delay` after each window.
    data, delay = np.arange(20), 4
    batches = timeseries_dataset_from_array(
        data[:-delay], data[delay:], sequence_length=4, sequence_stride=3, batch_size=2
    )
    got = [(x.tolist(), y.tolist()) for x, y in batches]
    assert got == [
        ([[0, 1, 2, 3], [3, 4, 5, 6]], [4, 7]),
        ([[6, 7, 8, 9], [9, 10, 11, 12]], [10, 13]),
        ([[12, 13, 14, 15]], [16]),
    ]
    assert len(batches) == 3
    assert [x.tolist() for x, _ in batches][0][0] == [0, 1, 2, 3]  # iterable again
    sampled = timeseries_dataset_from_array(data, None, 3, sampling_rate=2, start_index=5)
    (only,) = list(sampled)
    assert only[0].tolist() == [5, 7, 9] and only[-1].tolist() == [15, 17, 19]


def test_timeseries_shuffle_is_keras_permutation_and_seeded():
    data = np.arange(30)
    starts = np.arange(0, 30 - 2, 1, dtype="int32")
    np.random.RandomState(3).shuffle(starts)
    (x, y), *_ = timeseries_dataset_from_array(data, data, 3, shuffle=True, seed=3, batch_size=100)
    np.testing.assert_array_equal(x[:, 0], starts)
    np.testing.assert_array_equal(y, starts)
    np.random.seed(0)
    first = next(iter(timeseries_dataset_from_array(data, None, 3, shuffle=True)))
    np.random.seed(0)
    again = next(iter(timeseries_dataset_from_array(data, None, 3, shuffle=True)))
    np.testing.assert_array_equal(first, again)


def test_timeseries_fewer_targets_than_steps_caps_the_windows():
    x_batches = list(timeseries_dataset_from_array(np.arange(20), np.arange(5), 3))
    assert x_batches[0][0].shape == (5, 3)
    assert x_batches[0][1].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (
            dict(sequence_length=0),
            r"`sequence_length` must be an int >= 1; received sequence_length=0",
        ),
        (dict(sequence_length=2.0), r"sequence_length=2\.0"),
        (dict(sequence_length=2, sequence_stride=0), r"`sequence_stride` must be an int >= 1"),
        (
            dict(sequence_length=2, sampling_rate=10),
            r"`sampling_rate` must be lower than the length of `data` \(10\)",
        ),
        (dict(sequence_length=2, batch_size=0), r"`batch_size` must be an int >= 1 or None"),
        (dict(sequence_length=2, start_index=10), r"`start_index` must be lower than the length"),
        (dict(sequence_length=2, start_index=-1), r"`start_index` must be an int >= 0"),
        (dict(sequence_length=2, start_index=5, end_index=5), r"`end_index` must lie in \(5, 10\]"),
        (dict(sequence_length=2, end_index=11), r"end_index=11"),
    ],
)
def test_timeseries_errors(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        timeseries_dataset_from_array(np.arange(10), None, **kwargs)


def test_timeseries_scalar_inputs_rejected():
    with pytest.raises(ValueError, match=r"`data` must be an array of shape \(steps, \.\.\.\)"):
        timeseries_dataset_from_array(3, None, 1)
    with pytest.raises(ValueError, match=r"`targets` must be an array with one target per step"):
        timeseries_dataset_from_array(np.arange(5), 3, 1)


def test_timeseries_batches_train_like_the_same_arrays():
    data = np.random.default_rng(0).normal(size=(60, 2)).astype("float32")
    batches = timeseries_dataset_from_array(data[:-1], data[1:, 0], 5, batch_size=16)
    x = np.concatenate([x for x, _ in batches])
    y = np.concatenate([y for _, y in batches])

    def fit(*args, **kwargs):
        strata.utils.set_random_seed(0)
        model = strata.Sequential(
            [strata.Input((5, 2)), strata.layers.Flatten(), strata.layers.Dense(1)]
        )
        model.compile("sgd", "mse")
        return model.fit(*args, epochs=2, verbose=0, **kwargs).history["loss"]

    np.testing.assert_allclose(fit(batches), fit(x, y, batch_size=16, shuffle=False), rtol=1e-5)
