"""Metrics over confusion counts (`Precision`, `AUC`, `TruePositives`, ...) against Keras 3: values
after each of several `update_state` calls with sample weights and thresholds, configs, errors,
and the values `fit`/`evaluate` log from the compiled step.
"""

import re

import numpy as np
import pytest

import strata

CASES = [
    ("TruePositives", {}),
    ("FalsePositives", {"thresholds": [0.15, 0.5, 0.85]}),
    ("TrueNegatives", {"thresholds": 0.3}),
    ("FalseNegatives", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}),
    ("Precision", {}),
    ("Precision", {"thresholds": [0.2, 0.6]}),
    ("Precision", {"top_k": 2}),
    ("Precision", {"class_id": 1, "thresholds": [0.0, 0.5, 1.0]}),
    ("Recall", {}),
    ("Recall", {"thresholds": [0.1, 0.9], "class_id": 2}),
    ("Recall", {"top_k": 1, "class_id": 0}),
    ("AUC", {}),
    ("AUC", {"num_thresholds": 7, "curve": "PR"}),
    ("AUC", {"curve": "PR", "summation_method": "minoring"}),
    ("AUC", {"curve": "PRGAIN", "summation_method": "majoring"}),
    ("AUC", {"thresholds": [0.3, 0.1, 0.7]}),
    ("AUC", {"from_logits": True}),
    ("AUC", {"multi_label": True, "num_labels": 3}),
    ("AUC", {"multi_label": True, "num_labels": 3, "label_weights": [0.5, 1.0, 2.0]}),
    ("AUC", {"label_weights": [0.2, 1.0, 3.0]}),
    ("SensitivityAtSpecificity", {"specificity": 0.6}),
    ("SpecificityAtSensitivity", {"sensitivity": 0.4, "num_thresholds": 11}),
    ("PrecisionAtRecall", {"recall": 0.5, "class_id": 1}),
    ("RecallAtPrecision", {"precision": 0.3, "num_thresholds": 1}),
]


def _batches(rng, shape, logits):
    for _ in range(3):
        y_true = (rng.random(shape) < 0.4).astype("float32")
        y_pred = rng.random(shape).astype("float32")
        if logits:
            y_pred = rng.normal(size=shape).astype("float32") * 3
        # Scores exactly on thresholds and at the ends, where "strictly above" matters.
        y_pred.flat[:4] = [0.0, 0.5, 1.0, 0.25]
        yield y_true, y_pred, rng.random(shape[0]).astype("float32") * 2


@pytest.mark.parametrize("cls_name, kwargs", CASES, ids=lambda v: str(v))
def test_matches_keras_over_several_weighted_updates(keras, rng, cls_name, kwargs):
    # (Unweighted updates are compared in test_label_and_weight_ranks_match_keras.)
    ours = getattr(strata.metrics, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    for y_true, y_pred, weight in _batches(rng, (16, 3), kwargs.get("from_logits", False)):
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5, atol=1e-6)
    ours.reset_state()
    theirs.reset_state()
    np.testing.assert_allclose(ours.result(), theirs.result(), atol=1e-7)


@pytest.mark.parametrize("shape", [(10,), (10, 1), (4, 5, 2)])
@pytest.mark.parametrize("cls_name", ["Precision", "Recall", "AUC", "TruePositives"])
def test_label_and_weight_ranks_match_keras(keras, rng, cls_name, shape):
    y_true = (rng.random(shape) < 0.5).astype("float32")
    y_pred = rng.random(shape).astype("float32")
    for weight in (None, 0.5, rng.random(shape[0]), rng.random(shape)):
        ours, theirs = getattr(strata.metrics, cls_name)(), getattr(keras.metrics, cls_name)()
        if len(shape) == 3 and np.ndim(weight) == 1:
            # Keras cannot weigh samples of rank-3 labels with (N,) weights; neither can strata.
            for metric in (ours, theirs):
                with pytest.raises(
                    ValueError, match="Incompatible (types|shapes) for broadcasting"
                ):
                    metric.update_state(y_true, y_pred, sample_weight=weight)
            continue
        ours.update_state(y_true, y_pred, sample_weight=weight)
        theirs.update_state(y_true, y_pred, sample_weight=weight)
        np.testing.assert_allclose(ours.result(), theirs.result(), rtol=1e-5, atol=1e-6)


def test_multi_label_auc_learns_the_label_count_eagerly_like_keras(keras, rng):
    y_true = (rng.random((12, 4)) < 0.5).astype("float32")
    y_pred = rng.random((12, 4)).astype("float32")
    ours, theirs = strata.metrics.AUC(multi_label=True), keras.metrics.AUC(multi_label=True)
    np.testing.assert_allclose(ours(y_true, y_pred), theirs(y_true, y_pred), rtol=1e-5)


@pytest.mark.parametrize("cls_name, kwargs", CASES, ids=lambda v: str(v))
def test_config_and_name_match_keras(keras, cls_name, kwargs):
    ours = getattr(strata.metrics, cls_name)(**kwargs)
    theirs = getattr(keras.metrics, cls_name)(**kwargs)
    expected = {**theirs.get_config(), "name": ours.name}
    if "thresholds" in expected and cls_name == "AUC":
        expected["thresholds"] = [float(t) for t in expected["thresholds"]]
    if expected.get("label_weights") is not None:
        expected["label_weights"] = np.asarray(expected["label_weights"]).tolist()
    assert ours.get_config() == expected
    # Keras numbers repeated default names (auc_1); strata leaves that to compile.
    assert ours.name == re.sub(r"_\d+$", "", theirs.name)
    rebuilt = type(ours).from_config(ours.get_config())
    assert rebuilt.get_config() == ours.get_config()


def _binary_model():
    model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(1, activation="sigmoid")])
    return model


@pytest.mark.parametrize("cls_name, kwargs", [c for c in CASES if "num_labels" not in c[1]][:12])
def test_values_logged_by_fit_and_evaluate_match_keras_on_the_whole_data(
    keras, rng, cls_name, kwargs
):
    # 37 rows in batches of 8: the last batch is padded, and padding must not count.
    x = rng.normal(size=(37, 3)).astype("float32")
    y = (rng.random((37, 3)) < 0.5).astype("float32")
    weight = rng.random(37).astype("float32")
    model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(3, activation="sigmoid")])
    metric = getattr(strata.metrics, cls_name)(**kwargs)
    model.compile(optimizer=strata.optimizers.SGD(0.0), loss="mse", weighted_metrics=[metric])
    history = model.fit(x, y, sample_weight=weight, batch_size=8, epochs=1, verbose=0)
    logs = model.evaluate(x, y, sample_weight=weight, batch_size=8, verbose=0, return_dict=True)
    expected = getattr(keras.metrics, cls_name)(**kwargs)
    expected.update_state(y, np.asarray(model.predict(x, verbose=0)), sample_weight=weight)
    np.testing.assert_allclose(
        history.history[metric.name][0], expected.result(), rtol=1e-5, atol=1e-5
    )
    assert np.shape(history.history[metric.name][0]) == np.shape(expected.result())
    np.testing.assert_allclose(logs[metric.name], expected.result(), rtol=1e-5, atol=1e-5)


def test_multi_label_auc_inside_fit_with_num_labels(keras, rng):
    x = rng.normal(size=(20, 3)).astype("float32")
    y = (rng.random((20, 3)) < 0.5).astype("float32")
    model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(3, activation="sigmoid")])
    model.compile(loss="mse", metrics=[strata.metrics.AUC(multi_label=True, num_labels=3)])
    logs = model.evaluate(x, y, batch_size=6, verbose=0, return_dict=True)
    expected = keras.metrics.AUC(multi_label=True)
    expected.update_state(y, np.asarray(model.predict(x, verbose=0)))
    np.testing.assert_allclose(logs["auc"], expected.result(), rtol=1e-5)


def test_string_names_resolve_like_keras(keras):
    for name in ("auc", "AUC", "precision", "recall", "Precision"):
        assert type(strata.metrics.get(name)).__name__ == type(keras.metrics.get(name)).__name__


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: strata.metrics.Precision(thresholds=1.5),
            r"Precision: threshold values must be in \[0, 1\]",
        ),
        (lambda: strata.metrics.TruePositives(thresholds=[0.5, -0.1]), r"TruePositives: threshold"),
        (lambda: strata.metrics.AUC(curve="foo"), r'AUC: invalid `curve` value "foo"'),
        (lambda: strata.metrics.AUC(summation_method="sum"), r"invalid `summation_method`"),
        (lambda: strata.metrics.AUC(num_thresholds=1), r"`num_thresholds` must be an integer > 1"),
        (lambda: strata.metrics.AUC(num_labels=3), r"`num_labels` is needed only when"),
        (lambda: strata.metrics.AUC(thresholds=[2.0]), r"AUC: threshold values"),
        (
            lambda: strata.metrics.SensitivityAtSpecificity(1.5),
            r"SensitivityAtSpecificity: argument `specificity` must be in the range \[0, 1\]",
        ),
        (
            lambda: strata.metrics.RecallAtPrecision(0.5, num_thresholds=0),
            r"`num_thresholds` must be an integer > 0",
        ),
    ],
)
def test_bad_arguments_are_rejected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="When class_id is provided, y_pred must be a 2D array"):
        strata.metrics.Precision(class_id=1).update_state([1.0, 0.0], [0.3, 0.8])
    with pytest.raises(ValueError, match="must have rank 2 when `multi_label=True`"):
        strata.metrics.AUC(multi_label=True).update_state([1.0, 0.0], [0.3, 0.8])
    model = _binary_model()
    model.compile(loss="mse", metrics=[strata.metrics.AUC(multi_label=True)])
    with pytest.raises(ValueError, match="Pass num_labels="):
        model.evaluate(np.zeros((4, 3)), np.zeros((4, 1)), verbose=0)


def test_a_metric_per_threshold_is_logged_as_an_array_and_printed_as_its_mean(keras, capsys):
    x, y = np.zeros((8, 3), "float32"), np.ones((8, 3), "float32")
    model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(3, activation="sigmoid")])
    model.compile(loss="mse", metrics=[strata.metrics.Precision(thresholds=[0.2, 0.6])])
    history = model.fit(x, y, epochs=1, verbose=2)
    printed = capsys.readouterr().out
    np.testing.assert_array_equal(history.history["precision"][0], [1.0, 0.0])
    assert printed.rstrip().endswith("- precision: 0.5000")
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    np.testing.assert_array_equal(logs["precision"], [1.0, 0.0])
