"""Metrics match Keras 3 over several update_state calls, with weights, resets and ties."""

import inspect
import re

import jax
import numpy as np
import pytest

from strata import metrics
from strata.utils.naming import to_snake_case

TOL = 1e-5


@pytest.fixture(scope="module")
def K():
    import keras

    assert keras.backend.backend() == "jax"
    return keras


def assert_close(actual, expected, tol=TOL):
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    assert not np.any(np.isnan(expected))
    diff = np.abs(actual - expected)
    assert np.all(diff <= tol * np.maximum(1.0, np.abs(expected))), f"max diff {diff.max()}"


def make_batch(kind, rng, n, classes=5):
    """(y_true, y_pred) for one batch of `n` samples."""
    if kind == "exact":  # small integers, so that some predictions equal the targets
        return rng.integers(0, 3, (n, 2)).astype(np.float32), rng.integers(0, 3, (n, 2)).astype(
            np.float32
        )
    if kind == "binary":
        return rng.integers(0, 2, (n, 3)).astype(np.float32), rng.uniform(0, 1, (n, 3)).astype(
            np.float32
        )
    if kind == "binary_column":
        return rng.integers(0, 2, n).astype(np.float32), rng.uniform(0, 1, (n, 1)).astype(
            np.float32
        )
    if kind == "categorical":
        labels = rng.integers(0, classes, n)
        return np.eye(classes, dtype=np.float32)[labels], rng.uniform(0, 1, (n, classes)).astype(
            np.float32
        )
    if kind == "tied":  # scores from a tiny set, so ties are frequent
        labels = rng.integers(0, classes, n)
        return np.eye(classes, dtype=np.float32)[labels], rng.integers(0, 3, (n, classes)).astype(
            np.float32
        )
    if kind == "sparse":
        return rng.integers(0, classes, n), rng.uniform(0, 1, (n, classes)).astype(np.float32)
    if kind == "sparse_tied":
        return rng.integers(0, classes, (n, 1)), rng.integers(0, 3, (n, classes)).astype(np.float32)
    if kind == "regression":
        return rng.normal(size=(n, 3)).astype(np.float32), rng.normal(size=(n, 3)).astype(
            np.float32
        )
    if kind == "positive":
        return rng.uniform(0, 3, (n, 3)).astype(np.float32), rng.uniform(0.01, 3, (n, 3)).astype(
            np.float32
        )
    if kind == "signed":
        return rng.choice([-1.0, 1.0], (n, 3)).astype(np.float32), rng.normal(size=(n, 3)).astype(
            np.float32
        )
    raise ValueError(kind)


# (class name, kwargs, data kind)
CASES = [
    ("Accuracy", {}, "exact"),
    ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.3}, "binary"),
    ("BinaryAccuracy", {"threshold": 0.7}, "binary_column"),
    ("CategoricalAccuracy", {}, "categorical"),
    ("CategoricalAccuracy", {}, "tied"),
    ("SparseCategoricalAccuracy", {}, "sparse"),
    ("SparseCategoricalAccuracy", {}, "sparse_tied"),
    ("TopKCategoricalAccuracy", {}, "categorical"),
    ("TopKCategoricalAccuracy", {"k": 2}, "tied"),
    ("SparseTopKCategoricalAccuracy", {}, "sparse"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse_tied"),
    ("SparseTopKCategoricalAccuracy", {"k": 1}, "sparse_tied"),
    ("MeanSquaredError", {}, "regression"),
    ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"),
    ("RootMeanSquaredError", {}, "regression"),
    ("CosineSimilarity", {}, "regression"),
    ("LogCoshError", {}, "regression"),
    ("Hinge", {}, "signed"),
    ("SquaredHinge", {}, "binary"),
    ("CategoricalHinge", {}, "categorical"),
    ("KLDivergence", {}, "categorical"),
    ("Poisson", {}, "positive"),
    ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "regression"),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2}, "categorical"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse"),
]
IDS = [f"{c}-{kind}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for c, kw, kind in CASES]


def _weights(rng, n, kind):
    if kind == "none":
        return None
    if kind == "column":
        return rng.uniform(0, 2, (n, 1)).astype(np.float32)
    return rng.uniform(0, 2, n).astype(np.float32)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_metric_matches_keras_over_updates_and_reset(K, cls_name, kwargs, kind, weighted):
    rng = np.random.default_rng(0)
    ours = getattr(metrics, cls_name)(**kwargs)
    theirs = getattr(K.metrics, cls_name)(**kwargs)
    assert_close(ours.result(), theirs.result())
    # Few distinct shapes: every new shape costs an eager compile on both sides.
    for n, weighting in ((6, "sample"), (6, "column"), (9, "sample")):
        y_true, y_pred = make_batch(kind, rng, n)
        sample_weight = _weights(rng, n, weighting if weighted else "none")
        ours.update_state(y_true, y_pred, sample_weight=sample_weight)
        theirs.update_state(y_true, y_pred, sample_weight=sample_weight)
        assert_close(ours.result(), theirs.result())
    ours.reset_state()
    theirs.reset_state()
    assert_close(ours.result(), theirs.result())
    y_true, y_pred = make_batch(kind, rng, 6)
    assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


@pytest.mark.parametrize("cls_name, kwargs, kind", CASES, ids=IDS)
def test_pure_update_under_jit_matches_the_stateful_shell(cls_name, kwargs, kind):
    """The compiled step carries the state: init/update/result_of must trace and agree."""
    rng = np.random.default_rng(1)
    metric = getattr(metrics, cls_name)(**kwargs)
    update = jax.jit(metric.update)
    state = metric.init()
    for n in (5, 5):
        y_true, y_pred = make_batch(kind, rng, n)
        weight = rng.uniform(0, 2, n).astype(np.float32)
        state = update(state, y_true, y_pred, weight)
        metric.update_state(y_true, y_pred, sample_weight=weight)
    assert_close(metric.result_of(state), metric.result())


def test_a_padding_mask_equals_the_unpadded_batch():
    rng = np.random.default_rng(2)
    y_true, y_pred = make_batch("regression", rng, 10)
    mask = (np.arange(10) < 6).astype(np.float32)
    weight = rng.uniform(0, 2, 10).astype(np.float32)
    for metric in (metrics.MeanAbsoluteError(), metrics.RootMeanSquaredError(), metrics.Sum()):
        args = (y_true, y_pred) if not isinstance(metric, metrics.Sum) else (y_true,)
        cut = tuple(a[:6] for a in args)
        for w in (None, weight):
            padded = metric.result_of(metric.update(metric.init(), *args, w, mask=mask))
            alone = metric.result_of(
                metric.update(metric.init(), *cut, None if w is None else w[:6])
            )
            assert_close(padded, alone)


# ---- Mean and Sum over values of several shapes -------------------------------------------------
MEAN_UPDATES = [
    (np.array([1.0, 3.0, 5.0]), None),
    (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), None),
    (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([0.5, 2.0])),
    (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]])),
    (np.array([[1.0], [7.0]]), np.array([3.0, 1.0])),
    (np.array([2.0, 9.0]), np.array([[1.0], [0.0]])),
    (np.array(4.0), None),
    (np.array(4.0), np.array(0.25)),
    (np.ones((2, 3, 2)) * np.arange(2.0), np.array([1.0, 2.0])),
]


@pytest.mark.parametrize("cls_name", ["Mean", "Sum"])
def test_mean_and_sum_match_keras_for_every_value_and_weight_shape(K, cls_name):
    ours, theirs = getattr(metrics, cls_name)(), getattr(K.metrics, cls_name)()
    for values, sample_weight in MEAN_UPDATES:
        ours.update_state(values, sample_weight=sample_weight)
        theirs.update_state(values, sample_weight=sample_weight)
        assert_close(ours.result(), theirs.result())
        single_ours, single_theirs = getattr(metrics, cls_name)(), getattr(K.metrics, cls_name)()
        assert_close(single_ours(values, sample_weight), single_theirs(values, sample_weight))
    ours.reset_state()
    assert float(ours.result()) == 0.0


def test_calling_a_metric_accumulates_like_keras(K):
    ours, theirs = metrics.Mean(), K.metrics.Mean()
    for values in ([1.0, 2.0], [3.0], [10.0, 0.0, 5.0]):
        assert_close(ours(values), theirs(values))


# ---- function forms, ties, NaN ------------------------------------------------------------------
FUNCTIONS = [
    ("binary_accuracy", {}, "binary"),
    ("binary_accuracy", {"threshold": 0.2}, "binary_column"),
    ("categorical_accuracy", {}, "categorical"),
    ("categorical_accuracy", {}, "tied"),
    ("sparse_categorical_accuracy", {}, "sparse"),
    ("sparse_categorical_accuracy", {}, "sparse_tied"),
    ("top_k_categorical_accuracy", {}, "categorical"),
    ("top_k_categorical_accuracy", {"k": 1}, "tied"),
    ("top_k_categorical_accuracy", {"k": 3}, "tied"),
    ("sparse_top_k_categorical_accuracy", {"k": 2}, "sparse"),
    ("sparse_top_k_categorical_accuracy", {"k": 2}, "sparse_tied"),
    ("mean_squared_error", {}, "regression"),
    ("mean_absolute_error", {}, "regression"),
    ("hinge", {}, "signed"),
    ("kl_divergence", {}, "categorical"),
    ("binary_crossentropy", {}, "binary"),
]


@pytest.mark.parametrize(
    "fn_name, kwargs, kind", FUNCTIONS, ids=[f"{f}-{k}-{kw}" for f, kw, k in FUNCTIONS]
)
def test_function_forms_match_keras(K, fn_name, kwargs, kind):
    rng = np.random.default_rng(3)
    y_true, y_pred = make_batch(kind, rng, 12)
    expected = np.asarray(getattr(K.metrics, fn_name)(y_true, y_pred, **kwargs))
    actual = np.asarray(getattr(metrics, fn_name)(y_true, y_pred, **kwargs))
    # Keras reshapes matches back to a (N, 1) label's shape; the values are what count.
    assert_close(actual.reshape(expected.shape), expected)


def test_top_k_ties_and_nan_scores_match_keras(K):
    scores = np.array(
        [
            [0.2, 0.2, 0.2, 0.4],
            [0.1, 0.5, 0.5, 0.5],
            [np.nan, 0.1, 0.2, 0.3],
            [0.1, np.nan, 0.2, 0.3],
            [0.3, 0.3, 0.3, 0.3],
        ],
        np.float32,
    )
    labels = np.array([1, 1, 0, 0, 3])
    for k in (1, 2, 3):
        for fn_labels, name in ((labels, "sparse_top_k_categorical_accuracy"),):
            assert_close(
                getattr(metrics, name)(fn_labels, scores, k=k),
                getattr(K.metrics, name)(fn_labels, scores, k=k),
            )
        one_hot = np.eye(4, dtype=np.float32)[labels]
        assert_close(
            metrics.top_k_categorical_accuracy(one_hot, scores, k=k),
            K.metrics.top_k_categorical_accuracy(one_hot, scores, k=k),
        )
    assert_close(
        metrics.sparse_categorical_accuracy(labels, scores),
        K.metrics.sparse_categorical_accuracy(labels, scores),
    )


def test_argmax_ties_between_signed_zeros_match_keras(K):
    y_true = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], np.float32)
    y_pred = np.array([[-0.0, 0.0], [-0.0, 0.0], [0.0, 0.0]], np.float32)
    assert_close(
        metrics.categorical_accuracy(y_true, y_pred), K.metrics.categorical_accuracy(y_true, y_pred)
    )
    assert_close(
        metrics.sparse_categorical_accuracy(np.array([1, 0, 1]), y_pred),
        K.metrics.sparse_categorical_accuracy(np.array([1, 0, 1]), y_pred),
    )


def test_sparse_top_k_from_sorted_ids_matches_keras(K):
    ids = np.array([[2, 0, 1], [0, 2, 1], [1, 1, 0]], np.float32)
    labels = np.array([2, 1, 0])
    for k in (1, 2, 3):
        ours = metrics.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True)(labels, ids)
        theirs = K.metrics.SparseTopKCategoricalAccuracy(k=k, from_sorted_ids=True)(labels, ids)
        assert_close(ours, theirs)


def test_non_integer_sparse_labels_never_match(K):
    labels = np.array([1.5, 1.0])
    scores = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)
    assert_close(
        metrics.SparseCategoricalAccuracy()(labels, scores),
        K.metrics.SparseCategoricalAccuracy()(labels, scores),
    )


# ---- names, signatures, configs, get ------------------------------------------------------------
CLASS_NAMES = sorted({c[0] for c in CASES} | {"Mean", "Sum"})


@pytest.mark.parametrize("cls_name", CLASS_NAMES)
def test_constructor_signature_name_and_config_match_keras(K, cls_name):
    ours, theirs = getattr(metrics, cls_name), getattr(K.metrics, cls_name)
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)
    assert ours().name == theirs().name
    # Keras leaves a few options out of its configs (e.g. `from_sorted_ids`); strata keeps them.
    assert theirs().get_config().items() <= ours().get_config().items()
    rebuilt = ours.from_config(ours(name="x").get_config())
    assert rebuilt.name == "x" and rebuilt.get_config() == ours(name="x").get_config()


def test_positional_arguments_follow_keras_order():
    assert metrics.TopKCategoricalAccuracy(3).fn_kwargs == {"k": 3}
    assert metrics.BinaryAccuracy("b", None, 0.2).fn_kwargs == {"threshold": 0.2}
    with pytest.raises(TypeError, match="treshold"):
        metrics.BinaryAccuracy(treshold=0.2)


_NEED_ARGUMENTS = {
    name
    for cls in ("IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "SensitivityAtSpecificity")
    + ("SpecificityAtSensitivity", "PrecisionAtRecall", "RecallAtPrecision")
    for name in (cls, to_snake_case(cls))
}


def test_get_accepts_exactly_keras_names(K):
    from keras.src.metrics import ALL_OBJECTS_DICT

    for name in metrics.NAMES:
        assert name in ALL_OBJECTS_DICT, f"strata accepts {name!r}, Keras 3 does not"
        if name in _NEED_ARGUMENTS:
            # A name of a class that needs constructor arguments fails in Keras's `get` too.
            for module in (metrics, K.metrics):
                with pytest.raises(TypeError, match=r"missing \d required positional argument"):
                    module.get(name)
            continue
        ours, theirs = metrics.get(name), K.metrics.get(name)
        # Keras numbers repeated default names of stateful metrics (true_positives_1).
        theirs_name = re.sub(r"_\d+$", "", theirs.name)
        assert (type(ours).__name__, ours.name) == (type(theirs).__name__, theirs_name)
    for name, cls in ALL_OBJECTS_DICT.items():
        if cls.__name__ in metrics.CLASSES and cls.__name__ != "MeanMetricWrapper":
            assert name in metrics.NAMES, name
    assert metrics.get(None) is None
    m = metrics.MeanAbsoluteError(name="m")
    assert metrics.get(m) is m
    assert metrics.get(metrics.Sum).name == "sum"
    assert metrics.get(
        {"class_name": "BinaryAccuracy", "config": {"threshold": 0.9}}
    ).fn_kwargs == {"threshold": 0.9}
    assert metrics.get(lambda t, p: t - p).name == "lambda"


def test_unknown_metric_names_are_rejected_like_keras():
    with pytest.raises(ValueError, match=r"Unknown metric: 'acc'\..*Valid names: "):
        metrics.get("acc")  # resolved only by compile, which knows the shapes
    with pytest.raises(ValueError, match=r"Unknown metric: 'log_cosh'\. Did you mean"):
        metrics.get("log_cosh")
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 3"):
        metrics.get(3)
