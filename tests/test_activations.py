"""Activations against `keras.activations`: same names, same values, same gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from strata import activations

# Everything a user can name, except `threshold`, whose two parameters have no defaults.
NAMES = sorted(set(activations._BY_NAME) - {"threshold"})


def _inputs():
    rng = np.random.default_rng(0)
    extremes = [-1e4, -100, -89, -88, -30, -10, -6, -3, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 3, 6]
    extremes += [10, 30, 88, 89, 100, 1e4, 2.5]  # an even count, for glu
    return np.stack([rng.normal(size=len(extremes)) * 5, np.asarray(extremes)]).astype("float32")


def _close(got, expected, tol=1e-6):
    np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=tol, atol=tol)


def test_the_same_names_as_keras(keras):
    assert set(activations._BY_NAME) == set(keras.src.activations.ALL_OBJECTS_DICT)


@pytest.mark.parametrize("name", NAMES)
def test_matches_keras_by_name_and_by_callable(keras, name):
    x = _inputs()
    if name == "sparsemax":
        # Keras 3.15.1's sparsemax is wrong when more than one element is in the support
        # (keras-team/keras#23425); with well-separated logits the support is one element.
        x = np.array([[0.0, 5.0, -2.0], [9.0, 1.0, 3.0]], "float32")
    expected = keras.activations.get(name)(x)
    _close(activations.get(name)(x), expected)
    _close(getattr(activations, name)(x), expected)
    assert activations.get(getattr(activations, name)) is getattr(activations, name)


@pytest.mark.parametrize("name", NAMES)
def test_gradients_match_keras(keras, name):
    # Away from kinks, where one-sided derivatives may legitimately differ.
    x = np.random.default_rng(1).uniform(-4, 4, size=(2, 8)).astype("float32")
    x[np.abs(x) < 0.05] = 0.3
    x[np.abs(np.abs(x) - 1) < 0.05] = 1.7
    x[np.abs(np.abs(x) - 3) < 0.05] = 2.5
    x[np.abs(x - 6) < 0.05] = 5.5
    x[np.abs(np.abs(x) - 0.5) < 0.05] = 0.8
    if name == "sparsemax":
        x = np.array([[0.0, 5.0, -2.0, 1.0]], "float32")

    def loss(fn):
        return jax.grad(lambda v: jnp.sum(jnp.sin(fn(v))))(jnp.asarray(x))

    _close(loss(activations.get(name)), loss(keras.activations.get(name)), tol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"negative_slope": 0.1},
        {"max_value": 6.0},
        {"threshold": 1.0},
        {"threshold": -1.0},
        {"threshold": -1.0, "max_value": 6.0},
        {"negative_slope": 0.3, "threshold": 2.0},
        {"negative_slope": 0.1, "max_value": 3.0, "threshold": -1.0},
        {"threshold": 2.0, "max_value": 1.0},
        {"negative_slope": 0.5, "max_value": 2.0},
    ],
)
def test_parametrised_relu_matches_keras(keras, kwargs):
    x = np.linspace(-10, 10, 401).astype("float32")
    _close(activations.relu(x, **kwargs), keras.activations.relu(x, **kwargs))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("elu", {"alpha": 0.5}),
        ("celu", {"alpha": 2.0}),
        ("leaky_relu", {"negative_slope": 0.01}),
        ("gelu", {"approximate": True}),
        ("softmax", {"axis": 0}),
        ("log_softmax", {"axis": 0}),
        ("glu", {"axis": 0}),
        ("hard_shrink", {"threshold": 1.5}),
        ("soft_shrink", {"threshold": 1.5}),
        ("squareplus", {"b": 1}),
        ("threshold", {"threshold": 0.5, "default_value": -2.0}),
    ],
)
def test_keyword_arguments_match_keras(keras, name, kwargs):
    x = _inputs()
    _close(activations.get(name)(x, **kwargs), keras.activations.get(name)(x, **kwargs))


def test_sparsemax_is_the_simplex_projection():
    x = np.random.default_rng(3).normal(size=(6, 5)).astype("float32")
    got = np.asarray(activations.sparsemax(x, axis=-1))
    # Reference: tau solves sum(max(x - tau, 0)) == 1 (Martins & Astudillo, 2016).
    for row, out in zip(x, got):
        z = np.sort(row)[::-1]
        k = np.arange(1, len(z) + 1)
        support = 1 + k * z > np.cumsum(z)
        tau = (np.cumsum(z)[support][-1] - 1) / k[support][-1]
        np.testing.assert_allclose(out, np.maximum(row - tau, 0), atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=-1), 1.0, atol=1e-6)
    along_0 = np.asarray(activations.sparsemax(x.T, axis=0))
    np.testing.assert_allclose(along_0, got.T, atol=1e-6)


def test_get_resolves_none_callables_and_configs():
    assert activations.get(None) is activations.linear
    assert activations.get("swish") is activations.silu
    assert activations.get({"class_name": "function", "config": "relu"}) is activations.relu

    def custom(x):
        return 2 * x

    assert activations.get(custom) is custom
    for name in NAMES:
        fn = activations.get(name)
        assert activations.get(activations.serialize(fn)) is fn


def test_unknown_names_list_the_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown activation: 'rleu'\. Did you mean 'relu'.*"):
        activations.get("rleu")
    with pytest.raises(ValueError, match=r"Valid names: celu, elu, exponential, gelu, glu, "):
        activations.get("nope")
    with pytest.raises(ValueError, match=r"Could not interpret activation identifier: 3"):
        activations.get(3)
    with pytest.raises(ValueError, match=r"Cannot serialize activation"):
        activations.serialize(lambda x: x)
    with pytest.raises(ValueError, match=r"glu: the size of axis -1 must be even.*\(2, 3\)"):
        activations.glu(jnp.ones((2, 3)))
