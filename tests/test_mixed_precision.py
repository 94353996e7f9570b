"""Mixed precision: 16-bit compute, float32 weights, float32 losses, loss scaling for float16."""

import numpy as np
import pytest

import strata
from strata.mixed_precision import DTypePolicy, LossScaleOptimizer


@pytest.fixture
def policy(keras):
    def use(name):
        keras.mixed_precision.set_global_policy(name)
        strata.mixed_precision.set_global_policy(name)

    yield use
    keras.mixed_precision.set_global_policy("float32")
    strata.mixed_precision.set_global_policy(None)


def _build(lib):
    inputs = lib.Input(shape=(8,))
    hidden = lib.layers.Dense(16, activation="relu")(inputs)
    return lib.Model(inputs, lib.layers.Dense(1, activation="sigmoid", dtype="float32")(hidden))


@pytest.mark.parametrize(
    "name, compute, atol_pred, atol_weights",
    [("mixed_bfloat16", "bfloat16", 5e-3, 1e-3), ("mixed_float16", "float16", 5e-4, 2e-4)],
)
def test_mixed_policies_match_keras(keras, policy, name, compute, atol_pred, atol_weights):
    # Seeded: with 16-bit rounding, a rare draw of initial weights lands a weight just past the
    # tolerance, so the outcome must not depend on which tests ran before in the process.
    keras.utils.set_random_seed(0)
    policy(name)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    k_model, model = _build(keras), _build(strata)
    model.set_weights(k_model.get_weights())
    hidden = model.layers[1]
    assert (hidden.compute_dtype, hidden.dtype) == (compute, "float32")
    assert all(w.dtype == np.float32 for w in model.get_weights())
    np.testing.assert_allclose(
        model.predict(x, verbose=0), k_model.predict(x, verbose=0), atol=atol_pred
    )
    k_opt, opt = keras.optimizers.SGD(0.1), strata.optimizers.SGD(0.1)
    if name == "mixed_float16":
        k_opt, opt = keras.optimizers.LossScaleOptimizer(k_opt), LossScaleOptimizer(opt)
    k_model.compile(k_opt, "binary_crossentropy")
    model.compile(opt, "binary_crossentropy")
    k_loss = k_model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history["loss"]
    loss = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(loss, k_loss, rtol=1e-3)
    for w, kw in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(w, np.asarray(kw, "float32"), atol=atol_weights)


def test_outputs_of_a_mixed_layer_are_16_bit_and_losses_float32(policy):
    policy("mixed_bfloat16")
    layer = strata.layers.Dense(2)
    out = layer(np.ones((3, 4), "float32"))
    assert out.dtype == "bfloat16" and layer.kernel.dtype == "float32"
    inputs = strata.Input(shape=(4,))
    model = strata.Model(inputs, strata.layers.Dense(1)(inputs))
    model.compile("sgd", "mse")
    logs = model.evaluate(np.ones((4, 4)), np.ones(4), verbose=0, return_dict=True)
    assert isinstance(logs["loss"], float)


def test_loss_scale_skips_non_finite_steps_and_halves_the_scale():
    opt = LossScaleOptimizer(strata.optimizers.SGD(1.0), initial_scale=8.0, dynamic_growth_steps=2)
    params = [np.ones(2, "float32")]
    state = opt.init_state(params)
    new_params, state = opt.step([np.array([np.inf, 1.0], "float32")], state, params)
    np.testing.assert_array_equal(new_params[0], params[0])
    assert float(state["loss_scale"]) == 4.0
    for expected_scale in (4.0, 8.0):
        new_params, state = opt.step([np.array([4.0, 4.0], "float32")], state, params)
        np.testing.assert_allclose(new_params[0], [0.0, 0.0])  # 1 - 1.0 * 4 / 4
        assert float(state["loss_scale"]) == expected_scale


def test_policy_objects_and_errors():
    assert DTypePolicy("float16").compute_dtype == "float16"
    assert DTypePolicy("mixed_float16").variable_dtype == "float32"
    with pytest.raises(ValueError, match="Unknown dtype policy 'mixed_int8'"):
        DTypePolicy("mixed_int8")
    with pytest.raises(TypeError, match="inner_optimizer"):
        LossScaleOptimizer("sgd")
    with pytest.raises(ValueError, match="dynamic_growth_steps"):
        LossScaleOptimizer(strata.optimizers.SGD(), dynamic_growth_steps=0)
