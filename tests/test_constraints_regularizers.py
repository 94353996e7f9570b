"""Weight constraints and the orthogonal regularizer against Keras 3; constraints and
regularizers in training (applied after each update, added to the loss)."""

import jax.numpy as jnp
import numpy as np
import pytest

import strata
from strata import constraints, regularizers
from strata.saving.serialization import serialize_keras_object


def _weights(shape=(5, 4), seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("MaxNorm", {"max_value": 1.0}),
        ("MaxNorm", {"max_value": 0.5, "axis": [0, 1]}),
        ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.0, "rate": 0.7}),
        ("MinMaxNorm", {"min_value": 1.5, "max_value": 2.0, "axis": 1}),
        ("NonNeg", {}),
        ("UnitNorm", {}),
        ("UnitNorm", {"axis": -1}),
    ],
)
def test_constraints_match_keras(keras, name, kwargs):
    w = _weights((3, 5, 4))
    ours = getattr(constraints, name)(**kwargs)
    theirs = getattr(keras.constraints, name)(**kwargs)
    np.testing.assert_allclose(ours(jnp.asarray(w)), theirs(jnp.asarray(w)), atol=1e-6)
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


def test_constraint_lookup_by_name_class_config_and_callable():
    assert isinstance(constraints.get("non_neg"), constraints.NonNeg)
    assert isinstance(constraints.get("MaxNorm"), constraints.MaxNorm)
    assert isinstance(constraints.get(constraints.UnitNorm), constraints.UnitNorm)
    rebuilt = constraints.get({"class_name": "MinMaxNorm", "config": {"max_value": 3.0}})
    assert rebuilt.max_value == 3.0
    clip = constraints.MaxNorm(2.0)
    assert constraints.get(clip) is clip
    assert constraints.get(None) is None
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.deserialize(constraints.serialize(clip)).get_config() == clip.get_config()
    with pytest.raises(ValueError, match="Unknown constraint: 'non_negative'.*Did you mean"):
        constraints.get("non_negative")
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 3"):
        constraints.get(3)
    with pytest.raises(ValueError, match="`min_value` must not exceed `max_value`"):
        constraints.MinMaxNorm(min_value=2.0, max_value=1.0)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_keras(keras, mode):
    w = jnp.asarray(_weights((6, 4)))
    ours = regularizers.OrthogonalRegularizer(0.1, mode)
    theirs = keras.regularizers.OrthogonalRegularizer(0.1, mode)
    assert float(ours(w)) == pytest.approx(float(theirs(w)), abs=1e-6)
    assert ours.get_config() == pytest.approx(theirs.get_config())
    assert isinstance(
        regularizers.get("orthogonal_regularizer"), regularizers.OrthogonalRegularizer
    )
    config = serialize_keras_object(ours)
    assert (config["module"], config["class_name"]) == (
        "keras.regularizers",
        "OrthogonalRegularizer",
    )


def test_orthogonal_regularizer_errors():
    with pytest.raises(
        ValueError, match="`mode` must be 'rows' or 'columns'; received mode='diag'"
    ):
        regularizers.OrthogonalRegularizer(mode="diag")
    with pytest.raises(ValueError, match=r"2-D weights.*shape \(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(jnp.ones((2, 2, 2)))


def test_dense_resolves_constraint_names_and_keeps_objects_in_its_config(keras):
    dense = strata.layers.Dense(
        2,
        kernel_constraint="non_neg",
        bias_constraint=constraints.MaxNorm(3.0),
        kernel_regularizer="l2",
    )
    assert isinstance(dense.kernel_constraint, constraints.NonNeg)
    config = dense.get_config()
    k_config = keras.layers.Dense(
        2,
        kernel_constraint="non_neg",
        bias_constraint=keras.constraints.MaxNorm(3.0),
        kernel_regularizer="l2",
    ).get_config()
    for key in ("kernel_constraint", "bias_constraint", "kernel_regularizer"):
        assert config[key] == k_config[key], key
    clone = strata.layers.Dense.from_config(config)
    assert isinstance(clone.bias_constraint, constraints.MaxNorm)
    assert clone.get_config() == config


def test_non_neg_kernel_stays_non_negative_through_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = -x @ np.ones((4, 1), "float32")  # the unconstrained optimum is all negative
    inputs = strata.Input((4,))
    dense = strata.layers.Dense(1, kernel_constraint="non_neg", kernel_initializer="ones")
    model = strata.Model(inputs, dense(inputs))
    model.compile(strata.optimizers.SGD(0.1), "mse")
    model.fit(x, y, batch_size=8, epochs=3, verbose=0)
    kernel = dense.kernel.numpy()
    assert kernel.min() >= 0.0
    assert kernel.max() < 1.0  # it did train: the weights moved to the boundary


def test_max_norm_constraint_holds_after_each_step():
    x = np.random.default_rng(1).normal(size=(32, 3)).astype("float32")
    inputs = strata.Input((3,))
    dense = strata.layers.Dense(2, kernel_constraint=constraints.MaxNorm(0.5))
    model = strata.Model(inputs, dense(inputs))
    model.compile(strata.optimizers.SGD(0.5), "mse")
    model.fit(x, 10 * x[:, :2], batch_size=4, epochs=1, verbose=0)
    norms = np.linalg.norm(dense.kernel.numpy(), axis=0)
    assert np.all(norms <= 0.5 + 1e-6)


def test_weight_regularization_is_added_to_the_loss_as_in_keras(keras):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 2)).astype("float32")

    def build(lib):
        inputs = lib.Input((3,))
        outputs = lib.layers.Dense(
            2, kernel_regularizer=lib.regularizers.L2(0.1), bias_regularizer="l1"
        )(inputs)
        model = lib.Model(inputs, outputs)
        model.compile(lib.optimizers.SGD(0.1), "mse")
        return model

    k_model = build(keras)
    model = build(strata)
    model.set_weights(k_model.get_weights())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(
        k_model.evaluate(x, y, verbose=0), abs=1e-6
    )
    plain = float(np.mean((x @ k_model.get_weights()[0] + k_model.get_weights()[1] - y) ** 2))
    assert model.evaluate(x, y, verbose=0) > plain + 1e-3
    # One update: the penalty's gradient moves the weights the same way in both libraries.
    ours = model.train_on_batch(x, y)
    theirs = k_model.train_on_batch(x, y)
    assert ours == pytest.approx(float(theirs), abs=1e-6)
    for a, b in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
