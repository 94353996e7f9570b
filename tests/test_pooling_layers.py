"""Pooling layers against Keras 3 (shared harness plus input gradients), by hand, on bad input."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from tests.layer_harness import check_layer

import strata
from strata import layers

# (class name, constructor arguments, sample shape without the batch axis).
CASES = [
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 2)),
    ("MaxPooling2D", {}, (5, 4, 2)),
    (
        "MaxPooling2D",
        {"pool_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"},
        (2, 7, 6),
    ),
    ("MaxPooling3D", {"pool_size": 2, "padding": "same"}, (3, 4, 3, 2)),
    (
        "AveragePooling1D",
        {"pool_size": 2, "strides": 1, "data_format": "channels_first"},
        (3, 7),
    ),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 6, 2)),
    ("AveragePooling3D", {"pool_size": (2, 1, 2), "strides": 2, "padding": "same"}, (3, 4, 3, 2)),
    ("GlobalMaxPooling1D", {}, (5, 3)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (4, 3, 2)),
    ("GlobalMaxPooling3D", {"data_format": "channels_first"}, (2, 3, 2, 3)),
    ("GlobalAveragePooling1D", {"data_format": "channels_first"}, (3, 5)),
    ("GlobalAveragePooling2D", {}, (4, 3, 2)),
    ("GlobalAveragePooling3D", {"keepdims": True}, (2, 3, 2, 3)),
]


def check_input_gradients(layer, k_layer, shape):
    """Gradients with respect to the inputs agree (the harness checks weight gradients, and
    these layers have none)."""
    x = jnp.asarray(np.random.default_rng(1).normal(size=(2, *shape)).astype("float32"))
    grad = jax.grad(lambda v: jnp.sum(jnp.sin(layer(v))))(x)
    k_grad = jax.grad(lambda v: jnp.sum(jnp.sin(k_layer(v))))(x)
    np.testing.assert_allclose(grad, k_grad, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize(
    ("name", "kwargs", "shape"), CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]
)
def test_matches_keras(keras, name, kwargs, shape):
    layer = check_layer(
        lambda: getattr(layers, name)(**kwargs),
        lambda: getattr(keras.layers, name)(**kwargs),
        shape,
        keras,
    )
    k_layer = getattr(keras.layers, name)(**kwargs)
    check_input_gradients(layer, k_layer, shape)
    config, k_config = layer.get_config(), k_layer.get_config()
    del config["name"], k_config["name"]
    assert config == k_config


def test_masked_global_average_matches_keras(keras):
    x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    out = layers.GlobalAveragePooling1D()(x, mask=mask)
    expected = keras.layers.GlobalAveragePooling1D()(x, mask=mask)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    np.testing.assert_allclose(out[0], x[0, :3].mean(axis=0), atol=1e-6)


def test_max_pooling_by_hand():
    x = np.array([[1.0, 5.0, 2.0], [4.0, 3.0, 0.0], [7.0, 8.0, 6.0]], "float32")
    out = layers.MaxPooling2D(2, strides=1)(x.reshape(1, 3, 3, 1))
    assert np.asarray(out)[0, :, :, 0].tolist() == [[5.0, 5.0], [8.0, 8.0]]


def test_same_average_pooling_leaves_padding_out():
    # Windows of 2 with stride 2 over 3 steps: the last window holds one real element, and its
    # average is that element (Keras's rule), not half of it.
    x = np.array([[[2.0], [4.0], [9.0]]], "float32")
    out = layers.AveragePooling1D(2, padding="same")(x)
    assert np.asarray(out)[0, :, 0].tolist() == [3.0, 9.0]


def test_strides_default_to_pool_size():
    layer = layers.MaxPooling2D((2, 3))
    assert layer.strides == (2, 3)
    assert layer(strata.Input(shape=(8, 9, 1))).shape == (None, 4, 3, 1)


# ---- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: layers.MaxPooling2D(0), r"MaxPooling2D '.*': `pool_size`.*pool_size=0"),
        (lambda: layers.AveragePooling1D(2, strides=0), r"`strides`.*strides=0"),
        (lambda: layers.MaxPooling3D((2, 2)), r"`pool_size`.*tuple of 3.*\(2, 2\)"),
        (lambda: layers.MaxPooling1D(padding="causal"), r"`padding`.*padding='causal'"),
        (lambda: layers.AveragePooling2D(2, padding="full"), r"`padding`.*padding='full'"),
        (lambda: layers.MaxPooling2D(data_format="NCHW"), r"`data_format`.*'NCHW'"),
        (lambda: layers.GlobalAveragePooling2D(data_format="x"), r"`data_format`.*'x'"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_rank():
    with pytest.raises(
        ValueError, match=r"'p' \(MaxPooling2D\) expects inputs of rank 4, .*\(None, 8, 3\)"
    ):
        layers.MaxPooling2D(name="p")(strata.Input(shape=(8, 3)))
    with pytest.raises(ValueError, match=r"\(GlobalAveragePooling1D\) expects inputs of rank 3"):
        layers.GlobalAveragePooling1D()(np.ones((2, 3), "float32"))


def test_pool_larger_than_input():
    with pytest.raises(ValueError, match=r"window \(extent 4 along axis 2\) is larger than"):
        layers.MaxPooling2D(4)(strata.Input(shape=(8, 3, 1)))
    assert layers.MaxPooling2D(4, padding="same")(strata.Input(shape=(8, 3, 1))).shape == (
        None,
        2,
        1,
        1,
    )
