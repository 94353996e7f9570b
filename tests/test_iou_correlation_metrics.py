"""IoU metrics (confusion matrix of classes) and correlation metrics against Keras 3: values over
several weighted updates, configs, errors, and the values `evaluate` logs from the compiled step.
"""

import re

import numpy as np
import pytest

import strata

# Keras's own confusion matrix asks JAX for int64, which JAX (without x64) warns about.
KERAS_INT64 = pytest.mark.filterwarnings("ignore:Explicitly requested dtype int64:UserWarning")
IOU_CASES = [
    ("IoU", {"num_classes": 3, "target_class_ids": [0, 2]}, "sparse"),
    ("IoU", {"num_classes": 4, "target_class_ids": [1], "ignore_class": 2}, "sparse"),
    ("IoU", {"num_classes": 3, "target_class_ids": [1], "sparse_y_pred": False}, "scores"),
    ("MeanIoU", {"num_classes": 3}, "sparse"),
    ("MeanIoU", {"num_classes": 3, "sparse_y_true": False, "sparse_y_pred": False}, "onehot"),
    ("BinaryIoU", {}, "binary"),
    ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    ("OneHotIoU", {"num_classes": 3, "target_class_ids": [0, 1]}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 3}, "onehot"),
    ("OneHotMeanIoU", {"num_classes": 3, "ignore_class": 0}, "onehot"),
]


def _iou_batch(rng, kind, n=20, classes=3):
    if kind == "binary":
        return (rng.random(n) < 0.5).astype("float32"), rng.random(n).astype("float32")
    y_true = rng.integers(0, classes, n)
    if kind == "sparse":
        # A label outside [0, classes) is left out, as in Keras.
        y_true[0] = classes + 1
        return y_true, rng.integers(0, classes, n)
    scores = rng.random((n, classes)).astype("float32")
    if kind == "scores":
        return y_true, scores
    return np.eye(classes, dtype="float32")[y_true], scores


@KERAS_INT64
@pytest.mark.parametrize("cls_name, kwargs, kind", IOU_CASES, ids=str)
def test_iou_matches_keras_over_several_updates(keras, rng, cls_name, kwargs, kind):
    ours = getattr(strata.metrics, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    for step in range(3):
        y_true, y_pred = _iou_batch(rng, kind)
        # Integer weights: Keras keeps the matrix in int32 and warns about float weights.
        weight = None if step == 0 else rng.integers(0, 3, len(y_true)).astype("int32")
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-6)
    assert ours.get_config() == {**theirs.get_config(), "name": ours.name}
    assert ours.name == re.sub(r"_\d+$", "", theirs.name)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(ours.result(), theirs.result())


@KERAS_INT64
def test_mean_iou_inside_evaluate_matches_keras(keras, rng):
    x = rng.normal(size=(30, 4)).astype("float32")
    y = rng.integers(0, 3, 30)
    model = strata.Sequential([strata.Input((4,)), strata.layers.Dense(3, activation="softmax")])
    metric = strata.metrics.MeanIoU(num_classes=3, sparse_y_pred=False)
    model.compile(loss="sparse_categorical_crossentropy", metrics=[metric])
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    expected = keras.metrics.MeanIoU(num_classes=3, sparse_y_pred=False)
    expected.update_state(y, np.asarray(model.predict(x, verbose=0)))
    np.testing.assert_allclose(logs["mean_io_u"], expected.result(), rtol=1e-6)


@pytest.mark.parametrize("cls_name", ["PearsonCorrelation", "ConcordanceCorrelation"])
@pytest.mark.parametrize("axis", [-1, 0])
def test_correlation_matches_keras_over_several_updates(keras, rng, cls_name, axis):
    ours = getattr(strata.metrics, cls_name)(axis=axis)
    theirs = getattr(keras.metrics, cls_name)(axis=axis)
    for _ in range(3):
        y_true = rng.normal(size=(6, 5)).astype("float32")
        y_pred = (y_true + rng.normal(size=(6, 5))).astype("float32")
        weight = rng.random(6 if axis == -1 else 5).astype("float32")
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5, atol=1e-6)
    assert ours.get_config() == theirs.get_config()


@pytest.mark.parametrize("fn", ["pearson_correlation", "concordance_correlation"])
def test_correlation_functions_match_keras(keras, rng, fn):
    y_true = rng.normal(size=(4, 7)).astype("float32")
    y_pred = rng.normal(size=(4, 7)).astype("float32")
    for axis in (-1, 0):
        np.testing.assert_allclose(
            getattr(strata.metrics, fn)(y_true, y_pred, axis=axis),
            getattr(keras.metrics, fn)(y_true, y_pred, axis=axis),
            rtol=1e-5,
            atol=1e-6,
        )


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: strata.metrics.IoU(3, [3]), r"IoU: target class id 3 is out of range"),
        (lambda: strata.metrics.OneHotIoU(2, [0, 5]), r"OneHotIoU: target class id 5"),
        (lambda: strata.metrics.MeanIoU(0), r"MeanIoU: `num_classes` must be a positive integer"),
        (
            lambda: strata.metrics.BinaryIoU(target_class_ids=[2]),
            r"out of range, which is \[0, 2\)",
        ),
    ],
)
def test_bad_iou_arguments_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_string_names_resolve(keras):
    for name in ("PearsonCorrelation", "pearson_correlation", "ConcordanceCorrelation"):
        assert type(strata.metrics.get(name)).__name__ == type(keras.metrics.get(name)).__name__
