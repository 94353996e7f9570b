"""Focal cross-entropies, Dice, Tversky and the generalized cross-entropy against Keras 3: values,
gradients, class forms with sample weights and reductions, configs, errors, and `evaluate`.
"""

import jax
import numpy as np
import pytest

import strata

FUNCTION_CASES = [
    ("binary_focal_crossentropy", {}, "binary"),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "alpha": 0.4}, "binary"),
    ("binary_focal_crossentropy", {"gamma": 0.5, "label_smoothing": 0.1}, "binary"),
    ("binary_focal_crossentropy", {"from_logits": True, "axis": 0}, "logits"),
    ("categorical_focal_crossentropy", {}, "categorical"),
    ("categorical_focal_crossentropy", {"alpha": 0.5, "gamma": 1.0}, "categorical"),
    ("categorical_focal_crossentropy", {"from_logits": True, "label_smoothing": 0.2}, "logits"),
    ("dice", {}, "binary"),
    ("dice", {"axis": -1}, "binary"),
    ("tversky", {}, "binary"),
    ("tversky", {"alpha": 0.7, "beta": 0.3, "axis": 1}, "binary"),
    ("categorical_generalized_cross_entropy", {"q": 0.5}, "sparse"),
    ("categorical_generalized_cross_entropy", {"q": 0.8}, "sparse"),
]


def _data(rng, kind):
    if kind == "sparse":
        scores = rng.random((6, 4)).astype("float32") + 0.05
        return rng.integers(0, 4, 6), scores / scores.sum(-1, keepdims=True)
    if kind == "categorical":
        scores = rng.random((6, 4)).astype("float32") + 0.05
        return np.eye(4, dtype="float32")[rng.integers(0, 4, 6)], scores / scores.sum(
            -1, keepdims=True
        )
    y_true = (rng.random((6, 4)) < 0.5).astype("float32")
    if kind == "logits":
        return y_true, rng.normal(size=(6, 4)).astype("float32") * 2
    return y_true, rng.random((6, 4)).astype("float32")


@pytest.mark.parametrize("fn, kwargs, kind", FUNCTION_CASES, ids=str)
def test_function_values_and_gradients_match_keras(keras, rng, fn, kwargs, kind):
    y_true, y_pred = _data(rng, kind)
    ours = getattr(strata.losses, fn)(y_true, y_pred, **kwargs)
    theirs = getattr(keras.losses, fn)(y_true, y_pred, **kwargs)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)

    def total(module):
        return lambda p: getattr(module.losses, fn)(y_true, p, **kwargs).sum()

    np.testing.assert_allclose(
        jax.grad(total(strata))(y_pred), jax.grad(total(keras))(y_pred), rtol=1e-4, atol=1e-5
    )


CLASS_CASES = [
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 3.0}, "binary"),
    ("CategoricalFocalCrossentropy", {"alpha": 0.3}, "categorical"),
    ("Dice", {"axis": -1}, "binary"),
    ("Tversky", {"alpha": 0.2, "beta": 0.8, "axis": -1}, "binary"),
    ("CategoricalGeneralizedCrossEntropy", {"q": 0.3}, "sparse"),
]


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none"])
@pytest.mark.parametrize("cls_name, kwargs, kind", CLASS_CASES, ids=str)
def test_class_with_sample_weight_matches_keras(keras, rng, cls_name, kwargs, kind, reduction):
    y_true, y_pred = _data(rng, kind)
    weight = rng.random(6).astype("float32")
    ours = getattr(strata.losses, cls_name)(reduction=reduction, **kwargs)
    theirs = getattr(keras.losses, cls_name)(reduction=reduction, **kwargs)
    np.testing.assert_allclose(
        ours(y_true, y_pred, sample_weight=weight),
        theirs(y_true, y_pred, sample_weight=weight),
        rtol=1e-5,
        atol=1e-6,
    )
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


@pytest.mark.parametrize("cls_name, kwargs, kind", CLASS_CASES[:4], ids=str)
def test_loss_inside_evaluate_matches_keras(keras, rng, cls_name, kwargs, kind):
    x = rng.normal(size=(20, 3)).astype("float32")
    y, _ = _data(np.random.default_rng(1), kind)
    y = np.concatenate([y] * 4)[:20]
    model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(4, activation="softmax")])
    model.compile(loss=getattr(strata.losses, cls_name)(**kwargs))
    loss = model.evaluate(x, y, batch_size=20, verbose=0)
    expected = getattr(keras.losses, cls_name)(**kwargs)(y, np.asarray(model.predict(x, verbose=0)))
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_names_resolve_like_keras(keras):
    for name in ("BinaryFocalCrossentropy", "dice", "tversky", "categorical_focal_crossentropy"):
        ours, theirs = strata.losses.get(name), keras.losses.get(name)
        expected = theirs.name if hasattr(theirs, "name") else theirs.__name__
        assert ours.name == expected
    assert strata.metrics.binary_focal_crossentropy is strata.losses.binary_focal_crossentropy


@pytest.mark.parametrize("q", [0.0, 1.0, 1.5])
def test_generalized_cross_entropy_rejects_q_outside_zero_one(q):
    with pytest.raises(ValueError, match=r"q must be in the interval \(0, 1\)\. Received: q="):
        strata.losses.CategoricalGeneralizedCrossEntropy(q=q)


def test_categorical_focal_crossentropy_rejects_a_boolean_axis():
    with pytest.raises(ValueError, match="`axis` must be of type `int`. Received: axis=True"):
        strata.losses.categorical_focal_crossentropy([[0.0, 1.0]], [[0.5, 0.5]], axis=True)
