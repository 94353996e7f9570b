"""`Lion`, `Lamb` and `Ftrl` against Keras 3, step for step (weights and slots), with the shared
options, inside `fit`, and their argument checks.
"""

import numpy as np
import pytest

import strata
from strata import optimizers
from test_optimizers import N_STEPS, TOLERANCE, make_problem, max_diff, run_keras, run_strata

CASES = [
    ("Lion", {}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}),
    ("Lion", {"learning_rate": 0.01, "weight_decay": 0.1, "clipnorm": 1.0}),
    ("Lion", {"learning_rate": 0.01, "beta_1": 1.0, "global_clipnorm": 2.0}),
    ("Lamb", {}),
    ("Lamb", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-4}),
    ("Lamb", {"learning_rate": 0.01, "weight_decay": 0.05, "clipvalue": 0.5}),
    ("Ftrl", {"learning_rate": 0.1}),
    (
        "Ftrl",
        {
            "learning_rate": 0.1,
            "learning_rate_power": -0.7,
            "initial_accumulator_value": 0.5,
            "l1_regularization_strength": 0.01,
            "l2_regularization_strength": 0.1,
            "l2_shrinkage_regularization_strength": 0.05,
            "beta": 0.2,
        },
    ),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 1.0, "clipnorm": 1.0}),
]


@pytest.mark.parametrize("cls_name, kwargs", CASES, ids=str)
def test_matches_keras_step_for_step(keras, cls_name, kwargs):
    weights, grads = make_problem()
    ours_opt = getattr(optimizers, cls_name)(**kwargs)
    theirs_opt = getattr(keras.optimizers, cls_name)(**kwargs)
    ours = run_strata(ours_opt, weights, grads)
    theirs = run_keras(theirs_opt, weights, grads, keras)
    assert max_diff(ours, theirs) <= TOLERANCE
    assert max_diff(ours, weights) > 1e-4
    theirs_vars = [np.asarray(v.numpy()) for v in theirs_opt.variables]
    assert [np.shape(v) for v in ours_opt.variables] == [v.shape for v in theirs_vars]
    # Slots such as Ftrl's `linear` grow to ~100: compared relative to their size (float32).
    for ours_slot, theirs_slot in zip(ours_opt.variables, theirs_vars):
        np.testing.assert_allclose(ours_slot, theirs_slot, rtol=1e-6, atol=TOLERANCE)
    assert ours_opt.iterations == N_STEPS
    assert ours_opt.get_config() == {**theirs_opt.get_config(), "name": ours_opt.name}


@pytest.mark.parametrize("cls_name", ["Lion", "Lamb", "Ftrl"])
def test_trains_a_model_like_keras(keras, rng, cls_name):
    x = rng.normal(size=(32, 3)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    kernel = rng.normal(size=(3, 1)).astype("float32")
    ours = strata.Sequential([strata.Input((3,)), strata.layers.Dense(1)])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    ours.set_weights([kernel, np.zeros(1, "float32")])
    theirs.set_weights([kernel, np.zeros(1, "float32")])
    ours.compile(optimizer=getattr(optimizers, cls_name)(0.01), loss="mse")
    theirs.compile(optimizer=getattr(keras.optimizers, cls_name)(0.01), loss="mse")
    ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert max_diff(ours.get_weights(), theirs.get_weights()) <= 1e-5
    if cls_name != "Lamb":
        name = cls_name.lower()
        assert type(optimizers.get(name)).__name__ == type(keras.optimizers.get(name)).__name__
    else:
        for module in (optimizers, keras.optimizers):
            with pytest.raises(ValueError, match="lamb"):
                module.get("lamb")


@pytest.mark.parametrize(
    "cls_name, kwargs, match",
    [
        ("Lion", {"beta_1": 0.0}, r"Lion: argument `beta_1` must be in the \(0, 1\] range"),
        ("Lion", {"beta_1": 1.5}, r"Lion: `beta_1` must be a float in \[0, 1\]"),
        ("Lion", {"beta_2": -0.1}, r"Lion: `beta_2` must be a float in \[0, 1\]"),
        ("Lamb", {"beta_2": 2.0}, r"Lamb: `beta_2` must be a float in \[0, 1\]"),
        ("Lamb", {"epsilon": -1.0}, r"Lamb: `epsilon` must be a non-negative float"),
        ("Ftrl", {"learning_rate_power": 0.5}, r"Ftrl: `learning_rate_power` needs to be negative"),
        ("Ftrl", {"initial_accumulator_value": -1.0}, r"`initial_accumulator_value` needs to be"),
        ("Ftrl", {"l1_regularization_strength": -0.1}, r"`l1_regularization_strength` needs"),
        ("Ftrl", {"l2_shrinkage_regularization_strength": -1}, r"Received: l2_shrinkage_"),
    ],
)
def test_bad_arguments_are_rejected(cls_name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        getattr(optimizers, cls_name)(**kwargs)
