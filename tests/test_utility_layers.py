"""Lambda, Identity, Dot and the regularization layers against Keras 3 (shared harness), plus
their training-time behaviour, configs and errors."""

import jax.numpy as jnp
import numpy as np
import pytest
from tests.layer_harness import check_layer

import strata
from strata import layers
from strata.saving import register_keras_serializable
from strata.state.scope import StateScope


@register_keras_serializable(package="UtilityTests")
def scaled_tanh(x, scale=1.0):
    return scale * jnp.tanh(x)


@register_keras_serializable(package="UtilityTests")
def first_half(x):
    return x[:, : x.shape[1] // 2]


# ---- parity through the harness ------------------------------------------------------------------
def test_identity(keras):
    check_layer(layers.Identity, keras.layers.Identity, (5,), keras)


def test_lambda_with_arguments(keras):
    check_layer(
        lambda: layers.Lambda(scaled_tanh, arguments={"scale": 2.0}),
        lambda: keras.layers.Lambda(scaled_tanh, arguments={"scale": 2.0}),
        (3, 4),
        keras,
    )


@pytest.mark.parametrize(
    "kwargs, shapes",
    [
        ({"axes": 1, "normalize": True}, [(3, 4), (3, 5)]),
        ({"axes": (2, 1)}, [(3, 4), (4, 2)]),
    ],
)
def test_dot(keras, kwargs, shapes):
    check_layer(lambda: layers.Dot(**kwargs), lambda: keras.layers.Dot(**kwargs), shapes, keras)


@pytest.mark.parametrize(
    "kwargs, shapes",
    [
        ({"axes": 1}, [(4,), (4,)]),
        ({"axes": -1}, [(2, 5), (3, 5)]),
        ({"axes": [1, 2]}, [(3,), (2, 3)]),
    ],
)
def test_dot_values_and_shapes_match_keras(keras, kwargs, shapes):
    rng = np.random.default_rng(0)
    data = [rng.normal(size=(2, *s)).astype("float32") for s in shapes]
    expected = np.asarray(keras.layers.Dot(**kwargs)(data))
    np.testing.assert_allclose(layers.Dot(**kwargs)(data), expected, atol=1e-6)
    symbolic = layers.Dot(**kwargs)([strata.Input(s) for s in shapes])
    k_symbolic = keras.layers.Dot(**kwargs)([keras.Input(s) for s in shapes])
    assert symbolic.shape == tuple(k_symbolic.shape)


def test_spatial_dropout_and_activity_regularization_through_the_harness(keras):
    check_layer(
        lambda: layers.SpatialDropout2D(0.3),
        lambda: keras.layers.SpatialDropout2D(0.3),
        (3, 3, 2),
        keras,
    )
    check_layer(
        lambda: layers.ActivityRegularization(0.01, 0.02),
        lambda: keras.layers.ActivityRegularization(0.01, 0.02),
        (6,),
        keras,
    )


@pytest.mark.parametrize(
    "name, args, shape",
    [
        ("SpatialDropout1D", (0.3,), (4, 3)),
        ("SpatialDropout3D", (0.3,), (2, 2, 2, 2)),
        ("GaussianNoise", (0.5,), (6,)),
        ("GaussianDropout", (0.3,), (6,)),
        ("AlphaDropout", (0.3,), (6,)),
    ],
)
def test_noise_layers_are_identities_at_inference_with_keras_configs(keras, name, args, shape):
    x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
    layer = getattr(layers, name)(*args, seed=1)
    np.testing.assert_array_equal(layer(x), x)
    np.testing.assert_array_equal(layer(x, training=False), x)
    config = layer.get_config()
    k_config = getattr(keras.layers, name)(*args, seed=1).get_config()
    for key in set(k_config) - {"name", "dtype", "trainable"}:
        assert config[key] == k_config[key], key
    assert type(layer).from_config(config).get_config() == config


# ---- training-time behaviour ---------------------------------------------------------------------
def _training_call(layer, x, seed=0):
    """Call `layer` in training mode inside a step scope with a fixed key."""
    import jax

    with StateScope(rng_key=jax.random.key(seed)):
        return np.asarray(layer(x, training=True))


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((8, 5, 6, 4), "float32")
    out = _training_call(layers.SpatialDropout2D(0.5), x)
    per_channel = out.reshape(8, -1, 4)
    # Each (sample, channel) map is all 0 or all 2 (kept and scaled by 1 / (1 - rate)).
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))
    assert set(np.unique(out)) <= {0.0, 2.0}
    first = _training_call(layers.SpatialDropout2D(0.5, data_format="channels_first"), x)
    assert np.all(first.reshape(8, 5, -1).min(axis=2) == first.reshape(8, 5, -1).max(axis=2))


def test_gaussian_noise_and_dropout_statistics():
    x = np.ones((200, 100), "float32")
    noisy = _training_call(layers.GaussianNoise(0.5), x)
    assert abs(noisy.mean() - 1.0) < 0.01 and abs(noisy.std() - 0.5) < 0.01
    dropped = _training_call(layers.GaussianDropout(0.2), x)
    assert abs(dropped.mean() - 1.0) < 0.01 and abs(dropped.std() - 0.5) < 0.01


def test_alpha_dropout_keeps_mean_and_variance():
    x = np.random.default_rng(0).normal(size=(400, 100)).astype("float32")
    out = _training_call(layers.AlphaDropout(0.2), x)
    assert abs(out.mean()) < 0.02 and abs(out.var() - 1.0) < 0.03
    assert not np.allclose(out, x)


def test_seeded_noise_is_reproducible_outside_fit():
    x = np.ones((2, 4), "float32")
    a = layers.GaussianNoise(1.0, seed=3)(x, training=True)
    b = layers.GaussianNoise(1.0, seed=3)(x, training=True)
    np.testing.assert_array_equal(a, b)


def test_noise_is_applied_in_fit_but_not_in_evaluate():
    inputs = strata.Input((4,))
    model = strata.Model(inputs, layers.GaussianNoise(10.0)(inputs))
    model.compile("sgd", "mse")
    x = np.zeros((16, 4), "float32")
    history = model.fit(x, x, epochs=1, batch_size=16, verbose=0)
    assert history.history["loss"][0] > 10.0
    assert model.evaluate(x, x, verbose=0) == 0.0


def test_activity_regularization_loss_matches_keras(keras):
    x = np.random.default_rng(1).normal(size=(6, 3)).astype("float32")
    inputs = strata.Input((3,))
    model = strata.Model(inputs, layers.ActivityRegularization(l1=0.1, l2=0.2)(inputs))
    model.compile("sgd", "mse")
    k_inputs = keras.Input((3,))
    k_model = keras.Model(k_inputs, keras.layers.ActivityRegularization(l1=0.1, l2=0.2)(k_inputs))
    k_model.compile("sgd", "mse")
    expected = k_model.evaluate(x, x, verbose=0)
    assert model.evaluate(x, x, verbose=0) == pytest.approx(expected, abs=1e-6)


# ---- Lambda and Identity specifics ---------------------------------------------------------------
def test_lambda_config_stores_the_function_by_registered_name(keras):
    layer = layers.Lambda(first_half, name="half")
    config = layer.get_config()
    assert config["function"]["config"] == "UtilityTests>first_half"
    assert config["function"]["class_name"] == "function"
    assert config["arguments"] == {}
    clone = layers.Lambda.from_config(config)
    assert clone.function is first_half
    keras_keys = set(keras.layers.Lambda(first_half).get_config())
    assert set(config) == keras_keys


def test_lambda_with_a_python_lambda_runs_but_cannot_be_saved():
    layer = layers.Lambda(lambda x: x + 1.0)
    assert np.asarray(layer(np.zeros((1, 2)))).tolist() == [[1.0, 1.0]]
    with pytest.raises(ValueError, match="strata never writes code"):
        layer.get_config()


def test_lambda_output_shape_mask_and_training_arguments():
    seen = {}

    def record(x, mask=None, training=None):
        seen["training"] = training
        return x * 2

    inputs = strata.Input((3,))
    out = layers.Lambda(record, output_shape=(3,))(inputs)
    assert out.shape == (None, 3)
    layers.Lambda(record)(np.ones((1, 3)), training=True)
    assert seen["training"] is True
    masked = layers.Lambda(record, mask=lambda x, m: x[:, 0] > 0)
    assert masked.compute_mask(np.array([[1.0], [-1.0]])).tolist() == [True, False]


def test_lambda_in_a_trained_model():
    inputs = strata.Input((4,))
    hidden = layers.Dense(4)(inputs)
    model = strata.Model(inputs, layers.Dense(1)(layers.Lambda(scaled_tanh)(hidden)))
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    history = model.fit(x, x[:, :1], epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_identity_passes_structures_and_masks():
    layer = layers.Identity()
    pair = [np.ones((1, 2)), np.zeros((1, 3))]
    out = layer(pair)
    assert [o.shape for o in out] == [(1, 2), (1, 3)]
    assert layer.compute_mask(pair[0], mask=np.array([True])).tolist() == [True]


def test_dot_functional_form_and_cosine_values():
    a = np.array([[1.0, 0.0], [3.0, 4.0]], "float32")
    b = np.array([[0.0, 2.0], [3.0, 4.0]], "float32")
    inputs = [strata.Input((2,)), strata.Input((2,))]
    model = strata.Model(inputs, layers.dot(inputs, axes=1, normalize=True))
    np.testing.assert_allclose(model.predict([a, b], verbose=0), [[0.0], [1.0]], atol=1e-6)


# ---- errors --------------------------------------------------------------------------------------
def test_errors_name_the_layer_and_the_fix():
    with pytest.raises(TypeError, match="must be a Python callable"):
        layers.Lambda("tanh")
    with pytest.raises(ValueError, match=r"axis 1 of the first has size 3 but axis 1 of the"):
        layers.Dot(axes=1, name="d")([strata.Input((3,)), strata.Input((4,))])
    with pytest.raises(ValueError, match="axis 0 is the batch"):
        layers.Dot(axes=0)([strata.Input((3,)), strata.Input((3,))])
    with pytest.raises(TypeError, match="`axes` must be an int or a list/tuple of two ints"):
        layers.Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match=r"expects inputs of rank 4.*received shape \(None, 3\)"):
        layers.SpatialDropout2D(0.2)(strata.Input((3,)))
    with pytest.raises(ValueError, match=r"`rate` must be a float in \[0, 1\); received rate=1.5"):
        layers.GaussianDropout(1.5)
    with pytest.raises(ValueError, match="`stddev` must be a non-negative float"):
        layers.GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="'channels_last' or 'channels_first'"):
        layers.SpatialDropout3D(0.1, data_format="nhwc")
