"""`LSTM` against Keras 3's LSTM: same weights -> same outputs, states and gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import strata
from strata.state.scope import StateScope


def _pair(keras, n_features=3, **kwargs):
    """A Keras LSTM and a strata LSTM with the same (random) weights."""
    k_layer = keras.layers.LSTM(**kwargs)
    k_layer.build((None, None, n_features))
    layer = _built(strata.layers.LSTM(**kwargs), n_features)
    rng = np.random.default_rng(1)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in k_layer.get_weights()]
    k_layer.set_weights(weights)
    layer.set_weights(weights)
    return k_layer, layer


def _built(layer, n_features):
    # Built by a first call: `Layer.build` called directly does not mark the layer built.
    layer(np.zeros((1, 2, n_features), "float32"))
    return layer


def _max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"return_sequences": True, "return_state": True},
        {"go_backwards": True},
        {"go_backwards": True, "return_sequences": True, "return_state": True},
        {"use_bias": False, "activation": "relu", "recurrent_activation": "hard_sigmoid"},
        {"unroll": True, "return_sequences": True},
    ],
)
def test_outputs_match_keras_with_the_same_weights(keras, rng, options):
    k_layer, layer = _pair(keras, units=4, **options)
    x = rng.normal(size=(5, 7, 3)).astype("float32")
    expected, got = k_layer(x), layer(x)
    if not options.get("return_state"):
        expected, got = [expected], [got]
    assert [tuple(np.shape(e)) for e in expected] == [tuple(g.shape) for g in got]
    assert _max_diff(expected, got) <= 1e-5


def test_masked_steps_carry_state_and_output_like_keras(keras, rng):
    x = rng.normal(size=(3, 6, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 1, 0, 0], [0, 1, 1, 0, 1, 1], [0, 0, 0, 0, 0, 0]], bool)
    initial = [rng.normal(size=(3, 4)).astype("float32") for _ in range(2)]
    for go_backwards in (False, True):
        options = dict(units=4, return_sequences=True, return_state=True, go_backwards=go_backwards)
        k_layer, layer = _pair(keras, **options)
        assert _max_diff(k_layer(x, mask=mask), layer(x, mask=mask)) <= 1e-5
        assert (
            _max_diff(
                k_layer(x, mask=mask, initial_state=initial),
                layer(x, mask=mask, initial_state=initial),
            )
            <= 1e-5
        )
    # A fully masked row keeps the initial state everywhere.
    out, h, c = layer(x, mask=mask, initial_state=initial)
    np.testing.assert_array_equal(np.asarray(h)[2], initial[0][2])
    np.testing.assert_array_equal(np.asarray(out)[2], np.broadcast_to(initial[0][2], (6, 4)))


def test_unit_forget_bias_initializes_the_forget_gate_to_one(keras):
    layer = _built(strata.layers.LSTM(4), 3)
    np.testing.assert_array_equal(layer.bias.numpy(), [0] * 4 + [1] * 4 + [0] * 8)
    k_layer = keras.layers.LSTM(4)
    k_layer.build((None, 5, 3))
    np.testing.assert_array_equal(layer.bias.numpy(), np.asarray(k_layer.cell.bias))
    plain = _built(strata.layers.LSTM(4, unit_forget_bias=False, bias_initializer="ones"), 3)
    np.testing.assert_array_equal(plain.bias.numpy(), np.ones(16))
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert [w.shape for w in layer.weights] == [(3, 16), (4, 16), (16,)]


def _seed_model(lib):
    inputs = lib.Input(shape=(50, 1))
    x = lib.layers.LSTM(10)(inputs)
    x = lib.layers.Dense(10, activation="relu")(x)
    return lib.Model(inputs, lib.layers.Dense(1, activation="sigmoid")(x))


def test_seed_model_has_keras_initial_weights_outputs_and_param_counts(keras, rng):
    keras.utils.set_random_seed(123)
    k_model = _seed_model(keras)
    strata.utils.set_random_seed(123)
    model = _seed_model(strata)
    # Same seed, same model code -> bitwise the same initial weights, LSTM and Dense alike.
    for k_w, w in zip(k_model.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(w, np.asarray(k_w))
    assert model.layers[1].count_params() == 480 == k_model.layers[1].count_params()
    assert model.count_params() == k_model.count_params() == 601
    x = rng.normal(size=(16, 50, 1)).astype("float32")
    assert _max_diff([k_model(x)], [model.predict(x, verbose=0)]) <= 1e-5


def test_gradients_match_keras(keras, rng):
    k_layer, layer = _pair(keras, n_features=1, units=10)
    x = jnp.asarray(rng.normal(size=(4, 50, 1)).astype("float32"))
    weights = [jnp.asarray(w) for w in layer.get_weights()]

    def strata_loss(values):
        with StateScope(list(zip(layer.weights, values))):
            return jnp.sum(jnp.sin(layer(x)))

    non_trainable = [v.value for v in k_layer.non_trainable_variables]  # its seed state

    def keras_loss(values):
        out, _ = k_layer.stateless_call(values, non_trainable, x)
        return jnp.sum(jnp.sin(out))

    got = jax.grad(strata_loss)(weights)
    expected = jax.grad(keras_loss)(weights)
    assert _max_diff(expected, got) <= 1e-4
    assert all(float(jnp.abs(g).max()) > 0 for g in got)


def test_fit_runs_and_trains_a_sequence_classifier(rng):
    strata.utils.set_random_seed(0)
    model = _seed_model(strata)
    model.compile("adam", "binary_crossentropy")
    x = rng.normal(size=(64, 50, 1)).astype("float32")
    y = (x.mean(axis=(1, 2)) > 0).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert all(np.any(a != b) for a, b in zip(before, model.get_weights()))


def test_symbolic_shapes_and_config_round_trip():
    inputs = strata.Input(shape=(None, 3))
    out, h, c = strata.layers.LSTM(5, return_sequences=True, return_state=True)(inputs)
    assert out.shape == (None, None, 5)
    assert h.shape == c.shape == (None, 5)
    layer = strata.layers.LSTM(4, go_backwards=True, dropout=0.25, name="enc")
    assert layer.compute_output_shape((2, 7, 3)) == (2, 4)
    clone = strata.layers.LSTM.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_dropout_is_active_only_in_training(rng):
    x = rng.normal(size=(4, 6, 3)).astype("float32")
    layer = strata.layers.LSTM(4, dropout=0.5, recurrent_dropout=0.5, seed=1)
    plain = _built(strata.layers.LSTM(4), 3)
    _built(layer, 3)
    layer.set_weights(plain.get_weights())
    np.testing.assert_allclose(layer(x), plain(x), atol=1e-6)
    train_a, train_b = layer(x, training=True), layer(x, training=True)
    assert np.all(np.isfinite(train_a))
    assert not np.allclose(train_a, plain(x))
    assert not np.allclose(train_a, train_b)  # a fresh mask per call
    only_inputs = strata.layers.LSTM(4, dropout=0.5, seed=2)
    assert only_inputs(x, training=True).shape == (4, 4)


def test_bad_inputs_and_arguments_raise_clear_errors():
    layer = strata.layers.LSTM(3, name="enc")
    with pytest.raises(ValueError, match=r"'enc' \(LSTM\) expects inputs of rank 3.*\(4, 5\)"):
        layer(np.ones((4, 5), "float32"))
    with pytest.raises(ValueError, match=r"'enc' \(LSTM\) expects inputs of rank 3"):
        layer(strata.Input(shape=(5,)))
    layer(np.ones((2, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"expects inputs with 5 features.*\(2, 4, 6\)"):
        layer(np.ones((2, 4, 6), "float32"))
    with pytest.raises(ValueError, match=r"mask of shape \(batch, time\) = \(2, 4\)"):
        layer(np.ones((2, 4, 5), "float32"), mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"initial state c must have shape .* \(2, 3\)"):
        layer(np.ones((2, 4, 5), "float32"), initial_state=[np.zeros((2, 3)), np.zeros((2, 4))])
    with pytest.raises(ValueError, match=r"`initial_state=\[h, c\]`"):
        layer(np.ones((2, 4, 5), "float32"), initial_state=[np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"`units`, expected a positive integer.*units=0"):
        strata.layers.LSTM(0)
    with pytest.raises(ValueError, match=r"`dropout` must be a float in \[0, 1\).*1.5"):
        strata.layers.LSTM(2, dropout=1.5)
    with pytest.raises(ValueError, match=r"`recurrent_dropout` must be a float"):
        strata.layers.LSTM(2, recurrent_dropout=-0.1)
    with pytest.raises(ValueError, match=r"Unknown activation: 'tanhh'"):
        strata.layers.LSTM(2, activation="tanhh")
