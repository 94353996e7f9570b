"""`Normalization` (given or adapted statistics) and `Rescaling` against Keras 3."""

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


@pytest.mark.parametrize(
    ("axis", "shape"),
    [(-1, (3,)), (None, (3,)), ((1, 2), (2, 3))],
)
def test_adapt_equals_keras(keras, rng, axis, shape):
    data = (rng.normal(size=(20, *shape)) * 3 + 2).astype("float32")
    layer, k_layer = layers.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
    layer.adapt(data)
    k_layer.adapt(data)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), k_layer.adapt_mean.numpy(), atol=1e-5)
    np.testing.assert_allclose(
        layer.adapt_variance.numpy(), k_layer.adapt_variance.numpy(), rtol=1e-5
    )
    np.testing.assert_allclose(layer(data[:4]), k_layer(data[:4]), atol=1e-5)
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in k_layer.weights]


def test_adapt_over_batches_equals_adapt_over_the_whole(rng):
    # (Keras's adapt over an iterable needs TensorFlow installed; the whole-array adapt it is
    # compared with here equals Keras's, above.)
    data = (rng.normal(size=(50, 4)) * [1, 2, 3, 4] + [0, 1, 2, 3]).astype("float32")
    batches = [data[:16], data[16:32], data[32:48], data[48:]]  # uneven last batch
    whole, batched = layers.Normalization(), layers.Normalization()
    whole.adapt(data)
    batched.adapt(iter(batches))
    np.testing.assert_allclose(batched.adapt_mean.numpy(), whole.adapt_mean.numpy(), atol=1e-6)
    np.testing.assert_allclose(
        batched.adapt_variance.numpy(), whole.adapt_variance.numpy(), rtol=1e-6
    )
    # (x, y) pairs from a dataset-like iterable use x.
    pairs = layers.Normalization()
    pairs.adapt((b, np.zeros(len(b))) for b in batches)
    np.testing.assert_allclose(pairs.adapt_mean.numpy(), whole.adapt_mean.numpy(), atol=1e-5)


def test_adapted_normalization_matches_keras_through_every_path(keras, rng):
    data = (rng.normal(size=(30, 4)) * 2 - 1).astype("float32")

    def k_make():
        k_layer = keras.layers.Normalization()
        k_layer.adapt(data)
        return k_layer

    layer, _ = check_stateful_layer(layers.Normalization, k_make, [(4,)], keras)
    assert layer.trainable_weights == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mean": 2.0, "variance": 4.0},
        {"mean": [1.0, 2.0, 3.0], "variance": [1.0, 4.0, 9.0], "invert": True},
    ],
)
def test_given_statistics_match_keras(keras, rng, kwargs):
    x = rng.normal(size=(5, 3)).astype("float32")
    layer = layers.Normalization(**kwargs)
    np.testing.assert_allclose(layer(x), keras.layers.Normalization(**kwargs)(x), atol=1e-6)
    assert layer.weights == []
    config = layer.get_config()
    assert layers.Normalization.from_config(config).get_config() == config


def test_normalization_in_a_trained_model():
    data = np.random.default_rng(1).normal(size=(40, 3)).astype("float32") * 5 + 10
    norm = layers.Normalization()
    norm.adapt(data)
    inputs = strata.Input((3,))
    model = strata.Model(inputs, layers.Dense(1)(norm(inputs)))
    model.compile("sgd", "mse")
    model.fit(data, data[:, :1], epochs=1, batch_size=16, verbose=0)
    # The statistics are state, not parameters: training leaves them alone.
    np.testing.assert_allclose(norm.adapt_mean.numpy(), data.mean(0), rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [{"scale": 1 / 255.0}, {"scale": 1 / 127.5, "offset": -1.0}, {"scale": [1.0, 2.0, 0.5]}],
)
def test_rescaling_matches_keras(keras, rng, kwargs):
    x = rng.integers(0, 256, size=(4, 3)).astype("uint8")
    np.testing.assert_allclose(
        layers.Rescaling(**kwargs)(x), keras.layers.Rescaling(**kwargs)(x), rtol=1e-6
    )
    inputs = strata.Input((3,))
    assert layers.Rescaling(**kwargs)(inputs).shape == (None, 3)
    config = layers.Rescaling(**kwargs).get_config()
    assert layers.Rescaling.from_config(config).get_config() == config
    assert set(config) == set(keras.layers.Rescaling(**kwargs).get_config())


# ---- errors -------------------------------------------------------------------------------------
def test_normalization_errors(rng):
    with pytest.raises(ValueError, match="pass both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"same shape; received shapes \(2,\) and \(3,\)"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"'norm'.*axis=\(2,\) is out of range.*\(None, 3\)"):
        layers.Normalization(axis=2, name="norm")(strata.Input((3,)))
    layer = layers.Normalization()
    layer.adapt(rng.normal(size=(8, 3)))
    with pytest.raises(ValueError, match=r"batch of shape \(8, 4\).*built for shape \(8, 3\)"):
        layer.adapt(rng.normal(size=(8, 4)))
    with pytest.raises(ValueError, match="`adapt` would overwrite them"):
        layers.Normalization(mean=0.0, variance=1.0).adapt(np.ones((2, 1)))
    with pytest.raises(ValueError, match="received no batches"):
        layers.Normalization().adapt([])
    with pytest.raises(TypeError, match="numeric arrays"):
        layers.Normalization().adapt([["a", "b"]])


def test_rescaling_errors():
    with pytest.raises(TypeError, match="`scale` must be a number"):
        layers.Rescaling("half")
