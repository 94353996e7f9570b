"""compile's losses and metrics resolved per output as Keras 3 does: accuracy by shapes, log names."""

import numpy as np
import pytest

import strata
from strata import metrics
from strata.engine.objectives import build_objectives, resolve_loss, resolve_metric

# (y_true shape, y_pred shape): the table of the reference (section 6.3) and a few more.
SHAPES = [
    ((8, 1), (8, 1)),  # binary, a column target
    ((8,), (8, 1)),  # binary, a flat target
    ((8,), (8, 3)),  # sparse
    ((8, 1), (8, 3)),  # sparse with a trailing axis
    ((8, 3), (8, 3)),  # one-hot (also multi-label sigmoid outputs: still categorical)
    ((8, 5, 1), (8, 5, 4)),  # per-step sparse labels
    ((8, 5), (8, 5, 4)),
    ((8, 5, 4), (8, 5, 4)),
]


@pytest.fixture(scope="module")
def compile_utils():
    from keras.src.trainers import compile_utils

    return compile_utils


@pytest.mark.parametrize("true_shape, pred_shape", SHAPES)
@pytest.mark.parametrize("identifier", ["accuracy", "acc", "ACC", "Accuracy"])
def test_accuracy_resolves_by_shapes_and_keeps_the_name(
    compile_utils, identifier, true_shape, pred_shape
):
    theirs = compile_utils.get_metric(identifier, np.zeros(true_shape), np.zeros(pred_shape))
    ours = resolve_metric(identifier, true_shape, pred_shape)
    assert (type(ours).__name__, ours.name) == (type(theirs).__name__, theirs.name)
    assert ours.name == identifier


@pytest.mark.parametrize("true_shape, pred_shape", SHAPES)
@pytest.mark.parametrize("identifier", ["crossentropy", "ce", "CE"])
def test_crossentropy_loss_resolves_by_shapes(compile_utils, identifier, true_shape, pred_shape):
    theirs = compile_utils.get_loss(identifier, np.zeros(true_shape), np.zeros(pred_shape))
    ours = resolve_loss(identifier, true_shape, pred_shape)
    assert ours.fn.__name__ == theirs.fn.__name__
    assert ours.name == theirs.name == identifier


def test_reference_table():
    expected = {
        ((8, 1), (8, 1)): "BinaryAccuracy",
        ((8,), (8, 1)): "BinaryAccuracy",
        ((8,), (8, 3)): "SparseCategoricalAccuracy",
        ((8, 1), (8, 3)): "SparseCategoricalAccuracy",
        ((8, 3), (8, 3)): "CategoricalAccuracy",
    }
    for (t, p), cls_name in expected.items():
        assert type(resolve_metric("accuracy", t, p)).__name__ == cls_name


def test_metric_names_follow_keras_compile(keras, compile_utils):
    y = np.zeros((4, 2))
    pairs = [
        ("mse", "mse"),
        ("MeanSquaredError", "MeanSquaredError"),
        ("mean_absolute_error", "mean_absolute_error"),
        (metrics.MeanAbsoluteError(name="m"), keras.metrics.MeanAbsoluteError(name="m")),
        (metrics.MeanAbsoluteError, keras.metrics.MeanAbsoluteError),
        (metrics.mean_absolute_error, keras.metrics.mean_absolute_error),
        (lambda t, p: t - p, lambda t, p: t - p),
    ]
    for ours_id, theirs_id in pairs:
        ours = resolve_metric(ours_id, y.shape, y.shape)
        theirs = compile_utils.get_metric(theirs_id, y, y)
        assert ours.name == theirs.name
        assert isinstance(ours, metrics.Metric)


def _config(loss="mse", loss_weights=None, metrics=None, weighted_metrics=None):
    return {
        "loss": loss,
        "loss_weights": loss_weights,
        "metrics": metrics,
        "weighted_metrics": weighted_metrics,
    }


TWO = ["a", "b"]
TWO_TRUE = [(8, 1), (8,)]
TWO_PRED = [(8, 1), (8, 3)]


def _classes(groups):
    return [[type(m).__name__ for m in group] for group in groups]


def test_metrics_spread_over_outputs_like_keras():
    cases = {
        "list of lists": [["acc", "mae"], ["acc"]],
        "one metric per output": ["acc", "acc"],
        "dict": {"a": ["acc", "mae"], "b": "acc"},
    }
    for config in cases.values():
        objectives = build_objectives(_config(metrics=config), TWO, TWO_TRUE, TWO_PRED)
        groups = _classes(objectives.metrics)
        assert groups[0][0] == "BinaryAccuracy" and groups[1] == ["SparseCategoricalAccuracy"]
    objectives = build_objectives(_config(metrics={"b": ["mae"]}), TWO, TWO_TRUE, TWO_PRED)
    assert _classes(objectives.metrics) == [[], ["MeanAbsoluteError"]]
    objectives = build_objectives(_config(metrics=[None, ["mse"]]), TWO, TWO_TRUE, TWO_PRED)
    assert objectives.metric_log_names() == [[], ["b_mse"]]
    # One output: any nesting of lists/dicts is flattened (Keras's tree.flatten).
    objectives = build_objectives(_config(metrics=[["mae"], ("mse",)]), ["out"], [(8, 2)], [(8, 2)])
    assert objectives.metric_log_names() == [["mae", "mse"]]


def test_losses_and_weights_spread_over_outputs():
    objectives = build_objectives(_config(loss="mse"), TWO, TWO_TRUE, TWO_PRED)
    assert [loss.name for loss in objectives.losses] == ["mse", "mse"]
    objectives = build_objectives(
        _config(loss={"b": "sparse_categorical_crossentropy"}, loss_weights={"b": 0.5}),
        TWO,
        TWO_TRUE,
        TWO_PRED,
    )
    assert objectives.losses[0] is None and objectives.per_output_loss_names == ["b_loss"]
    assert objectives.loss_weights == [1.0, 0.5]
    objectives = build_objectives(
        _config(loss=["mse", "ce"], loss_weights=[2, 3]), TWO, TWO_TRUE, TWO_PRED
    )
    assert objectives.losses[1].fn.__name__ == "sparse_categorical_crossentropy"
    assert objectives.loss_weights == [2.0, 3.0]
    objectives = build_objectives(_config(loss_weights=0.5), TWO, TWO_TRUE, TWO_PRED)
    assert objectives.loss_weights == [0.5, 0.5]


def test_invalid_structures_are_rejected():
    with pytest.raises(ValueError, match=r"invalid `metrics`=\['mae'\] for a model with 2 outputs"):
        build_objectives(_config(metrics=["mae"]), TWO, TWO_TRUE, TWO_PRED)
    with pytest.raises(
        ValueError, match=r"expected `metrics` to be a list, tuple or dict.*metrics=\['mae'\]"
    ):
        build_objectives(_config(metrics="mae"), ["out"], [(8, 1)], [(8, 1)])
    with pytest.raises(
        ValueError, match=r"`weighted_metrics` has key\(s\) \['c'\] that name no model output"
    ):
        build_objectives(_config(weighted_metrics={"c": ["mae"]}), TWO, TWO_TRUE, TWO_PRED)
    with pytest.raises(
        ValueError, match=r"`loss` is a list of 3 entries, but the model has 2 output"
    ):
        build_objectives(_config(loss=["mse"] * 3), TWO, TWO_TRUE, TWO_PRED)
    with pytest.raises(ValueError, match=r"`loss_weights` has 1 entries"):
        build_objectives(_config(loss_weights=[1.0]), TWO, TWO_TRUE, TWO_PRED)
    with pytest.raises(ValueError, match="a metric is None"):
        build_objectives(_config(metrics=["mae", None]), ["out"], [(8, 1)], [(8, 1)])


def test_duplicate_metric_log_names_are_rejected():
    with pytest.raises(ValueError, match=r"a metric would be logged as 'loss'"):
        build_objectives(_config(metrics=[metrics.Mean(name="loss")]), ["out"], [(8, 1)], [(8, 1)])
    with pytest.raises(ValueError, match=r"logged as 'a_loss'"):
        build_objectives(
            _config(metrics=[[metrics.Mean(name="loss")], []]), TWO, TWO_TRUE, TWO_PRED
        )
    # Keras numbers a repeated name "mae_1"; a metric already called that collides.
    named = metrics.MeanAbsoluteError(name="mae_1")
    with pytest.raises(ValueError, match=r"logged as 'mae_1'.*distinct name"):
        build_objectives(_config(metrics=["mae", named, "mae"]), ["out"], [(8, 1)], [(8, 1)])


def _keras_log_names(keras, multi, config):
    x = np.zeros((4, 2), np.float32)
    inputs = keras.Input((2,))
    if multi:
        outputs = [keras.layers.Dense(1, name="a")(inputs), keras.layers.Dense(3, name="b")(inputs)]
        y = [np.zeros((4, 1)), np.zeros(4)]
    else:
        outputs = keras.layers.Dense(1, name="out")(inputs)
        y = np.zeros((4, 1))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", **config)
    return sorted(model.evaluate(x, y, return_dict=True, verbose=0))


def test_log_names_are_made_unique_like_keras(keras):
    single = dict(
        loss="mse", metrics=["mae", "mae", "mse", "acc"], weighted_metrics=["mae", "mae", "mse"]
    )
    objectives = build_objectives(_config(**single), ["out"], [(4, 1)], [(4, 1)])
    ours = sorted(
        ["loss", *objectives.per_output_loss_names, *sum(objectives.metric_log_names(), [])]
    )
    assert ours == _keras_log_names(keras, False, single)

    multi = dict(
        loss=["mse", "sparse_categorical_crossentropy"],
        metrics={"a": ["acc", "mae", "mae"], "b": ["accuracy"]},
        weighted_metrics=[["mae"], ["accuracy", "accuracy"]],
    )
    objectives = build_objectives(_config(**multi), TWO, [(4, 1), (4,)], [(4, 1), (4, 3)])
    ours = sorted(
        ["loss", *objectives.per_output_loss_names, *sum(objectives.metric_log_names(), [])]
    )
    assert ours == _keras_log_names(keras, True, multi)


def test_fit_logs_use_the_unique_names(keras):
    x = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
    y = (x[:, :1] > 0).astype(np.float32)
    inputs = strata.Input((2,))
    model = strata.Model(inputs, strata.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(
        "sgd", "binary_crossentropy", metrics=["acc", "mae", "mae"], weighted_metrics=["mae"]
    )
    history = model.fit(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss", "mae", "mae_1", "weighted_mae"]


def _two_unit_model(lib, loss):
    inputs = lib.Input((4,))
    model = lib.Model(inputs, lib.layers.Dense(2, name="head")(inputs))
    model.compile("sgd", loss=loss)
    return model


@pytest.mark.parametrize("loss", ["mse", "categorical_crossentropy", strata.losses.Huber()])
def test_targets_of_the_wrong_width_name_the_output_shapes_and_loss(keras, loss):
    x, y = np.ones((16, 4), "float32"), np.ones((16, 3), "float32")
    # Keras fails inside the traced step, naming neither output nor loss ("sub got incompatible
    # shapes for broadcasting: (16, 3), (16, 2)" or "Arguments `target` and `output` must have
    # the same shape").
    keras_loss = loss if isinstance(loss, str) else keras.losses.Huber()
    with pytest.raises((TypeError, ValueError), match="shape"):
        _two_unit_model(keras, keras_loss).fit(x, y, verbose=0)
    name = loss if isinstance(loss, str) else "huber_loss"
    message = (
        rf"the targets of output 'head' have shape \(16, 3\), which loss '{name}' cannot compare "
        r"with the output's shape \(None, 2\)"
    )
    with pytest.raises(ValueError, match=message):
        _two_unit_model(strata, loss).fit(x, y, verbose=0)


@pytest.mark.parametrize(
    ("loss", "y_shape"),
    [("mse", (16, 2)), ("mse", (16, 1)), ("sparse_categorical_crossentropy", (16,))],
)
def test_targets_the_loss_broadcasts_still_train(loss, y_shape):
    y = np.zeros(y_shape, "float32")
    _two_unit_model(strata, loss).fit(np.ones((16, 4), "float32"), y, verbose=0)


def test_a_loss_keyed_by_an_unknown_output_names_the_key_and_the_outputs(keras):
    x, y = np.ones((16, 4), "float32"), np.ones((16, 2), "float32")
    with pytest.raises(ValueError, match=r"Expected keys \['head'\] in loss dict"):
        _two_unit_model(keras, {"no_such_output": "mse"}).fit(x, y, verbose=0)
    with pytest.raises(
        ValueError,
        match=r"`loss` has key\(s\) \['no_such_output'\] that name no model output\. "
        r"Output names: \['head'\]",
    ):
        _two_unit_model(strata, {"no_such_output": "mse"}).fit(x, y, verbose=0)
