"""Normalization layers against Keras 3: the shared checks, training-mode statistics, padded last
batches in `fit`, frozen layers, masks, mixed precision and argument errors."""

import numpy as np
import pytest
from tests.stateful_layer_harness import check_stateful_layer

import strata
from strata import layers


@pytest.fixture(scope="module")
def keras():
    """Keras, cleared once per module: `clear_session` per test costs more than these tests."""
    import keras as keras_module

    assert keras_module.backend.backend() == "jax"
    keras_module.utils.clear_session(free_memory=False)
    return keras_module


def _bn_pair(keras, **kwargs):
    """Factories for a Keras and a strata BatchNormalization with non-trivial weights."""

    def k_make():
        return keras.layers.BatchNormalization(
            gamma_initializer=keras.initializers.RandomUniform(0.5, 1.5, seed=1),
            beta_initializer=keras.initializers.RandomNormal(seed=2),
            moving_mean_initializer=keras.initializers.RandomNormal(seed=3),
            moving_variance_initializer=keras.initializers.RandomUniform(0.5, 2.0, seed=4),
            **kwargs,
        )

    return lambda: layers.BatchNormalization(**kwargs), k_make


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({}, (5,)),
        ({"axis": 1, "center": False, "epsilon": 1e-2}, (3, 4)),
    ],
)
def test_batch_normalization_matches_keras(keras, kwargs, shape):
    make, k_make = _bn_pair(keras, **kwargs)
    check_stateful_layer(make, k_make, [shape], keras)


def test_batch_normalization_training_mode_and_moving_statistics(keras, rng):
    x = (rng.normal(size=(6, 3, 4)) * 2 + 1).astype("float32")
    make, k_make = _bn_pair(keras, momentum=0.8)
    layer, k_layer = make(), k_make()
    k_layer.build(x.shape)
    layer(x[:1])
    layer.set_weights(k_layer.get_weights())
    for training in (True, False):
        np.testing.assert_allclose(
            layer(x, training=training), k_layer(x, training=training), atol=1e-5
        )
    # Only the training call moved the statistics, identically.
    for w, kw in zip(layer.get_weights(), k_layer.get_weights()):
        np.testing.assert_allclose(w, kw, atol=1e-6)
    # Inference uses the moving statistics; training the batch's, so the two differ.
    assert not np.allclose(layer(x, training=True), layer(x, training=False), atol=1e-3)


def test_batch_normalization_with_a_sequence_mask(keras, rng):
    x = rng.normal(size=(4, 5, 3)).astype("float32")
    mask = rng.random((4, 5)) > 0.4
    make, k_make = _bn_pair(keras, momentum=0.5)
    layer, k_layer = make(), k_make()
    k_layer.build(x.shape)
    layer(x[:1])
    layer.set_weights(k_layer.get_weights())
    np.testing.assert_allclose(
        layer(x, training=True, mask=mask), k_layer(x, training=True, mask=mask), atol=1e-5
    )
    for w, kw in zip(layer.get_weights(), k_layer.get_weights()):
        np.testing.assert_allclose(w, kw, atol=1e-6)


def _bn_models(lib, bn_kwargs):
    inputs = lib.Input(shape=(4,))
    hidden = lib.layers.Dense(6, activation="tanh")(inputs)
    hidden = lib.layers.BatchNormalization(momentum=0.7, **bn_kwargs)(hidden)
    return lib.Model(inputs, lib.layers.Dense(1)(hidden))


@pytest.mark.parametrize("bn_kwargs", [{}, {"trainable": False}])
def test_batch_normalization_fit_with_partial_last_batch_matches_keras(keras, rng, bn_kwargs):
    # 50 samples in batches of 16: the last batch has 2 real rows, padded to 16 by strata. The
    # padded rows must not enter the batch statistics, or the curves and statistics diverge.
    x = (rng.normal(size=(50, 4)) * 3 + 1).astype("float32")
    y = rng.normal(size=(50, 1)).astype("float32")
    k_model = _bn_models(keras, bn_kwargs)
    model = _bn_models(strata, bn_kwargs)
    model.set_weights(k_model.get_weights())
    k_model.compile(keras.optimizers.SGD(0.05), "mse")
    model.compile(strata.optimizers.SGD(0.05), "mse")
    fit = {"batch_size": 16, "epochs": 3, "shuffle": False, "verbose": 0}
    k_losses = k_model.fit(x, y, **fit).history["loss"]
    losses = model.fit(x, y, **fit).history["loss"]
    np.testing.assert_allclose(losses, k_losses, rtol=1e-5)
    bn, k_bn = model.layers[2], k_model.layers[2]
    np.testing.assert_allclose(bn.moving_mean.numpy(), k_bn.moving_mean.numpy(), atol=1e-5)
    np.testing.assert_allclose(bn.moving_variance.numpy(), k_bn.moving_variance.numpy(), atol=1e-5)
    for w, kw in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(w, kw, atol=1e-5)
    assert model.trace_counts["train"] == 1  # the partial batch was padded, not recompiled


def test_frozen_batch_normalization_runs_in_inference_mode(rng):
    x = rng.normal(size=(8, 3)).astype("float32")
    layer = layers.BatchNormalization(trainable=False, moving_mean_initializer="ones")
    frozen = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(frozen, layer(x, training=False))
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.ones(3, "float32"))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_normalization_mixed_precision_keeps_float32_statistics(rng):
    x = rng.normal(size=(8, 3)).astype("float32")
    layer = layers.BatchNormalization(dtype="mixed_bfloat16")
    out = layer(x, training=True)
    assert out.dtype == "bfloat16"
    assert layer.moving_mean.dtype == "float32" and layer.gamma.dtype == "float32"
    reference = layers.BatchNormalization()(x, training=True)
    np.testing.assert_allclose(np.asarray(out, "float32"), reference, atol=5e-2)


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({}, (6,)),
        ({"axis": [1, 2], "epsilon": 1e-5, "center": False}, (3, 4)),
    ],
)
def test_layer_normalization_matches_keras(keras, kwargs, shape):
    check_stateful_layer(
        lambda: layers.LayerNormalization(**kwargs, gamma_initializer="random_normal"),
        lambda: keras.layers.LayerNormalization(**kwargs, gamma_initializer="random_normal"),
        [shape],
        keras,
    )


def test_layer_normalization_rms_scaling_warns_and_matches_keras(keras):
    x = np.random.default_rng(3).normal(size=(2, 5)).astype("float32")
    with pytest.warns(UserWarning, match="rms_scaling"):  # Keras warns too, at every call
        expected = keras.layers.LayerNormalization(rms_scaling=True)(x)
    with pytest.warns(UserWarning, match="rms_scaling"):
        layer = layers.LayerNormalization(rms_scaling=True)
    np.testing.assert_allclose(layer(x), expected, atol=1e-5)
    assert [w.shape for w in layer.weights] == [(5,)]


@pytest.mark.parametrize(
    ("kwargs", "shape"),
    [
        ({"groups": 3, "epsilon": 1e-4, "center": False}, (5, 6)),
        ({"groups": 2, "axis": 1}, (4, 3)),
    ],
)
def test_group_normalization_matches_keras(keras, kwargs, shape):
    check_stateful_layer(
        lambda: layers.GroupNormalization(**kwargs, gamma_initializer="random_normal"),
        lambda: keras.layers.GroupNormalization(**kwargs, gamma_initializer="random_normal"),
        [shape],
        keras,
    )


@pytest.mark.parametrize(("axis", "shape"), [([1, 2], (3, 4))])
def test_unit_normalization_matches_keras(keras, axis, shape):
    check_stateful_layer(
        lambda: layers.UnitNormalization(axis=axis),
        lambda: keras.layers.UnitNormalization(axis=axis),
        [shape],
        keras,
    )


def test_instance_normalization_matches_keras(keras, rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer, k_layer = layers.GroupNormalization(groups=-1), keras.layers.GroupNormalization(-1)
    np.testing.assert_allclose(layer(x), k_layer(x), atol=1e-5)
    assert layer.gamma.shape == (4,)


def test_golden_values_by_hand():
    x = np.array([[1.0, 3.0], [3.0, 7.0]], "float32")
    bn = layers.BatchNormalization(epsilon=0.0, momentum=0.5)
    np.testing.assert_allclose(bn(x, training=True), [[-1, -1], [1, 1]], atol=1e-6)
    np.testing.assert_allclose(bn.moving_mean.numpy(), [1.0, 2.5])  # 0.5 * 0 + 0.5 * mean
    np.testing.assert_allclose(bn.moving_variance.numpy(), [1.0, 2.5])  # 0.5 * 1 + 0.5 * var
    ln = layers.LayerNormalization(epsilon=0.0)
    np.testing.assert_allclose(ln(x), [[-1, 1], [-1, 1]], atol=1e-6)
    np.testing.assert_allclose(layers.UnitNormalization()(x[:1] * 0 + [[3, 4]]), [[0.6, 0.8]])


# ---- errors -------------------------------------------------------------------------------------
def test_wrong_axis_is_reported_at_the_symbolic_call():
    inputs = strata.Input(shape=(4,))
    with pytest.raises(ValueError, match=r"BatchNormalization 'bn'.*axis=3 is out of range"):
        layers.BatchNormalization(axis=3, name="bn")(inputs)
    with pytest.raises(ValueError, match=r"LayerNormalization 'ln'.*axis=\[1, 5\]"):
        layers.LayerNormalization(axis=[1, 5], name="ln")(inputs)
    with pytest.raises(TypeError, match="`axis` must be an int"):
        layers.BatchNormalization(axis="channels")
    with pytest.raises(ValueError, match="axis=2 is out of range"):
        layers.UnitNormalization(axis=2)(inputs)


def test_batch_normalization_rejects_a_mask_of_the_wrong_rank():
    x = np.ones((2, 3, 4), "float32")
    with pytest.raises(ValueError, match=r"one dimension less than the inputs.*\(2,\)"):
        layers.BatchNormalization()(x, training=True, mask=np.ones((2,), bool))


def test_batch_normalization_rejects_a_changed_feature_size():
    layer = layers.BatchNormalization(name="bn2")
    layer(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"'bn2': expected 3 features.*\(2, 5\)"):
        layer(np.ones((2, 5), "float32"))


def test_group_normalization_errors():
    with pytest.raises(ValueError, match=r"groups=3 does not divide the 8 channels"):
        layers.GroupNormalization(groups=3)(strata.Input(shape=(5, 8)))
    with pytest.raises(ValueError, match=r"groups=32 does not divide the 8 channels"):
        layers.GroupNormalization()(strata.Input(shape=(8,)))  # default 32 groups
    with pytest.raises(ValueError, match="`groups` must be a positive int"):
        layers.GroupNormalization(groups=0)


def test_argument_errors():
    with pytest.raises(ValueError, match="`momentum` must be a number"):
        layers.BatchNormalization(momentum="fast")
    with pytest.raises(ValueError, match="`epsilon` must be a number >= 0"):
        layers.LayerNormalization(epsilon=-1.0)
    with pytest.raises(NotImplementedError, match="renorm"):
        layers.BatchNormalization(renorm=True)


def test_configs_match_keras_keys(keras):
    for name, kwargs in [
        ("BatchNormalization", {}),
        ("LayerNormalization", {}),
        ("GroupNormalization", {"groups": 2}),
        ("UnitNormalization", {}),
    ]:
        config = getattr(layers, name)(**kwargs).get_config()
        k_config = getattr(keras.layers, name)(**kwargs).get_config()
        assert set(config) == set(k_config), name
        assert getattr(layers, name).from_config(k_config).get_config().keys() == config.keys()


@pytest.mark.parametrize(
    ("kwargs", "shape"), [({}, (4,)), ({"epsilon": 1e-3}, (3, 4)), ({"axis": [1, 2]}, (3, 4))]
)
def test_rms_normalization_matches_keras(keras, kwargs, shape):
    make = lambda: layers.RMSNormalization(**kwargs)  # noqa: E731
    layer, _ = check_stateful_layer(
        make, lambda: keras.layers.RMSNormalization(**kwargs), [shape], keras
    )
    assert [w.path.split("/")[-1] for w in layer.weights] == ["scale"]


def test_rms_normalization_scale_broadcasts_along_a_middle_axis(rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = layers.RMSNormalization(axis=1, epsilon=0.0)
    layer(x)
    scale = np.array([1.0, 2.0, 3.0], "float32")
    layer.set_weights([scale])
    rms = np.sqrt((x**2).mean(axis=1, keepdims=True))
    np.testing.assert_allclose(layer(x), x / rms * scale[None, :, None], rtol=1e-5)
    with pytest.raises(ValueError, match=r"RMSNormalization 'rms'"):
        layers.RMSNormalization(axis=3, name="rms")(x)
