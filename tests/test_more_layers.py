"""EinsumDense, Discretization and SpectralNormalization against Keras 3 (JAX backend)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.layer_harness import check_layer
from tests.stateful_layer_harness import check_stateful_layer

import strata
from strata.layers.core.dense import Dense
from strata.layers.core.einsum_dense import EinsumDense
from strata.layers.normalization.spectral_normalization import SpectralNormalization
from strata.layers.preprocessing.discretization import Discretization

# ---- EinsumDense ---------------------------------------------------------------------------

EINSUM_CASES = [
    ("ab,bc->ac", 4, "c", (3,)),
    ("abc,cd->abd", (5, 4), "d", (5, 3)),
    ("...b,bc->...c", 4, None, (2, 3)),
    ("abc,cde->abde", (5, 2, 4), "de", (5, 3)),
    ("abc,cde->abde", (5, 2, 4), "e", (5, 3)),
    ("abc,cd->abd", (None, 4), "bd", (5, 3)),
    ("ab...,bc->ac...", (4,), "c", (3, 2)),
    ("...ab,bc->...ac", (2, 4), "ac", (6, 2, 3)),
]


@pytest.mark.parametrize("equation, output_shape, bias_axes, sample", EINSUM_CASES)
def test_einsum_dense_matches_keras(keras, equation, output_shape, bias_axes, sample):
    if bias_axes == "bd" and output_shape[0] is None:
        output_shape = (5, 4)
    layer = check_layer(
        lambda: EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh"),
        lambda: keras.layers.EinsumDense(
            equation, output_shape, bias_axes=bias_axes, activation="tanh"
        ),
        sample,
        keras,
    )
    k_layer = keras.layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    k_layer.build((None, *sample))
    assert [w.path.split("/")[-1] for w in layer.weights] == [
        w.path.split("/")[-1] for w in k_layer.weights
    ]
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in k_layer.weights]


def test_einsum_dense_config_keys_match_keras(keras):
    layer = EinsumDense("ab,bc->ac", 4, bias_axes="c")
    k_layer = keras.layers.EinsumDense("ab,bc->ac", 4, bias_axes="c")
    config, k_config = layer.get_config(), k_layer.get_config()
    assert list(config) == list(k_config)
    for key in ("output_shape", "equation", "activation", "bias_axes", "kernel_initializer"):
        assert config[key] == k_config[key]
    # A Keras config loads into strata.
    k_config["name"] = "from_keras"
    clone = EinsumDense.from_config(k_config)
    assert clone.partial_output_shape == (4,) and clone.bias_axes == "c"


def test_einsum_dense_initializer_fans_follow_the_equation():
    # Glorot over the contraction: fan_in 3, fan_out 5 * 4, not the kernel's first/last axes.
    layer = EinsumDense("abc,cde->abde", (7, 5, 4), kernel_initializer="glorot_uniform")
    layer(np.ones((2, 7, 3), np.float32))
    limit = np.sqrt(6.0 / (3 + 20))
    assert np.abs(layer.kernel.numpy()).max() <= limit
    assert layer.kernel_initializer.input_axes is None  # the config is left as given


@settings(max_examples=10, deadline=None)
@given(
    batch=st.integers(1, 4),
    inner=st.integers(1, 5),
    units=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_einsum_dense_equals_dense(batch, inner, units, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(batch, inner)).astype("float32")
    einsum = EinsumDense("ab,bc->ac", units, bias_axes="c", bias_initializer="ones")
    dense = Dense(units, bias_initializer="ones")
    dense(x)
    einsum(x)
    einsum.set_weights(dense.get_weights())
    np.testing.assert_allclose(einsum(x), dense(x), atol=1e-5)


def test_einsum_dense_activity_regularizer_matches_keras(keras):
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    layer = EinsumDense("ab,bc->ac", 2, activity_regularizer="l2")
    k_layer = keras.layers.EinsumDense("ab,bc->ac", 2, activity_regularizer="l2")
    k_layer(x)
    layer(x)
    layer.set_weights(k_layer.get_weights())
    k_layer(x)
    layer(x)
    np.testing.assert_allclose(float(layer.losses[-1]), float(k_layer.losses[-1]), rtol=1e-5)


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match="invalid `equation` 'ab->b'"):
        EinsumDense("ab->b", 3)
    with pytest.raises(ValueError, match="bias_axes='z'"):
        EinsumDense("ab,bc->ac", 3, bias_axes="z")
    with pytest.raises(NotImplementedError, match="lora_rank=4"):
        EinsumDense("ab,bc->ac", 3, lora_rank=4)
    with pytest.raises(ValueError, match="output_shape=-1"):
        EinsumDense("ab,bc->ac", -1)
    layer = EinsumDense("abc,cd->abd", (5, 4), name="proj")
    with pytest.raises(ValueError, match=r"'proj'.*rank 3; received input shape \(2, 3\)"):
        layer(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="shared axis 'b'"):
        EinsumDense("abc,cd->abd", (6, 4))(np.ones((2, 5, 3), np.float32))
    built = EinsumDense("ab,bc->ac", 4, name="built")
    built(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"'built'.*built for inputs of shape"):
        built(np.ones((2, 5), np.float32))


# ---- Discretization ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_matches_keras(keras, mode):
    boundaries = [-1.0, 0.0, 0.5, 2.0]
    x = np.array([[-3.0, -1.0, 0.0, 0.25], [0.5, 1.9, 2.0, 7.0], [0.5, 0.5, -1.0, 9.0]])
    layer = Discretization(bin_boundaries=boundaries, output_mode=mode)
    k_layer = keras.layers.Discretization(bin_boundaries=boundaries, output_mode=mode)
    out, k_out = layer(x), k_layer(x)
    assert str(out.dtype) == str(k_out.dtype)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(k_out))
    if mode == "one_hot":
        column = x[:, :1]
        np.testing.assert_array_equal(np.asarray(layer(column)), np.asarray(k_layer(column)))
    # Inside a compiled model, with the same symbolic shape as Keras.
    import strata

    inputs = strata.Input(shape=(4,))
    model = strata.Model(inputs, layer(inputs))
    k_inputs = keras.Input(shape=(4,))
    assert tuple(model.output.shape) == tuple(k_layer(k_inputs).shape)
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.asarray(k_out))


def _keras_adapt(k_layer, batches):
    # Keras's `adapt` needs TensorFlow to inspect its argument; its steps run without it.
    k_layer.reset_state()
    for batch in batches:
        k_layer.update_state(batch)
    k_layer.finalize_state()


@settings(max_examples=15, deadline=None)
@given(
    num_bins=st.integers(1, 8),
    sizes=st.lists(st.integers(1, 300), min_size=1, max_size=3),
    epsilon=st.sampled_from([0.01, 0.05, 0.1, 0.3]),
    seed=st.integers(0, 10_000),
    rounded=st.booleans(),
)
def test_discretization_adapt_matches_keras(num_bins, sizes, epsilon, seed, rounded):
    import keras

    rng = np.random.default_rng(seed)
    batches = [rng.normal(size=(n, 2)).astype("float32") * 3 for n in sizes]
    if rounded:  # many ties
        batches = [np.round(b) for b in batches]
    layer = Discretization(num_bins=num_bins, epsilon=epsilon)
    layer.adapt(batches if len(batches) > 1 else batches[0])
    k_layer = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    _keras_adapt(k_layer, batches)
    np.testing.assert_allclose(layer.bin_boundaries, k_layer.bin_boundaries, rtol=1e-6)
    x = rng.normal(size=(5, 3)).astype("float32") * 3
    np.testing.assert_array_equal(np.asarray(layer(x)), np.asarray(k_layer(x)))


def test_discretization_config_round_trip(keras):
    layer = Discretization(num_bins=3, epsilon=0.05, output_mode="count")
    layer.adapt(np.arange(30.0))
    k_layer = keras.layers.Discretization(num_bins=3, epsilon=0.05, output_mode="count")
    _keras_adapt(k_layer, [np.arange(30.0)])
    config = layer.get_config()
    k_config = k_layer.get_config()
    assert sorted(config) == sorted(k_config)
    assert config["bin_boundaries"] == pytest.approx(k_config["bin_boundaries"])
    clone = Discretization.from_config(config)
    assert clone.get_config() == config
    x = np.array([[1.0, 12.0, 25.0, 29.0]])
    np.testing.assert_array_equal(np.asarray(clone(x)), np.asarray(k_layer(x)))
    k_config["name"] = "from_keras"
    assert Discretization.from_config(k_config).bin_boundaries == config["bin_boundaries"]


def test_discretization_errors():
    with pytest.raises(ValueError, match="exactly one of `bin_boundaries` and `num_bins`"):
        Discretization()
    with pytest.raises(ValueError, match="exactly one of"):
        Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="output_mode='tf_idf'"):
        Discretization(num_bins=2, output_mode="tf_idf")
    with pytest.raises(ValueError, match="num_bins=-1"):
        Discretization(num_bins=-1)
    with pytest.raises(ValueError, match="sorted in increasing order"):
        Discretization(bin_boundaries=[1.0, 0.0])
    with pytest.raises(ValueError, match="nothing to adapt"):
        Discretization(bin_boundaries=[0.0]).adapt(np.ones(3))
    with pytest.raises(ValueError, match=r"'bins'.*no bins yet"):
        Discretization(num_bins=2, name="bins")(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"rank 1 or 2"):
        Discretization(bin_boundaries=[0.0], output_mode="multi_hot")(np.ones((2, 2, 2)))


# ---- SpectralNormalization -----------------------------------------------------------------


def _sn_pair(keras, inner, k_inner, power_iterations=1):
    return (
        lambda: SpectralNormalization(inner(), power_iterations=power_iterations),
        lambda: keras.layers.SpectralNormalization(k_inner(), power_iterations=power_iterations),
    )


@pytest.mark.parametrize("power_iterations", [1, 3])
def test_spectral_normalization_matches_keras(keras, power_iterations):
    make, make_keras = _sn_pair(
        keras, lambda: Dense(3), lambda: keras.layers.Dense(3), power_iterations
    )
    layer, k_layer = check_stateful_layer(make, make_keras, [(4,)], keras)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "vector_u", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["vector_u"]


@pytest.mark.parametrize("power_iterations", [1, 2])
def test_spectral_normalization_training_call_matches_keras(keras, power_iterations):
    from strata.layers.conv.conv import Conv2D

    keras.utils.set_random_seed(7)  # the initial weights and u: a fixed, typical draw
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 5, 5, 3)).astype("float32")
    layer = SpectralNormalization(Conv2D(4, 3), power_iterations=power_iterations)
    k_layer = keras.layers.SpectralNormalization(
        keras.layers.Conv2D(4, 3), power_iterations=power_iterations
    )
    k_layer.build(x.shape)
    layer(x)
    layer.set_weights(k_layer.get_weights())
    for _ in range(2):  # eager training calls store the normalized kernel and the new u
        out, k_out = layer(x, training=True), k_layer(x, training=True)
        np.testing.assert_allclose(np.asarray(out), np.asarray(k_out), atol=1e-5)
        for w, kw in zip(layer.get_weights(), k_layer.get_weights()):
            np.testing.assert_allclose(w, kw, atol=1e-6)
    # The normalized kernel's spectral norm is near 1 (power iteration is approximate).
    matrix = layer.kernel.numpy().reshape(-1, 4)
    assert abs(np.linalg.svd(matrix, compute_uv=False)[0] - 1.0) < 0.25


def test_spectral_normalization_gradient_in_training_matches_keras(keras):
    from strata.state.scope import StateScope

    rng = np.random.default_rng(2)
    x = jnp.asarray(rng.normal(size=(3, 4)).astype("float32"))
    layer = SpectralNormalization(Dense(3))
    k_layer = keras.layers.SpectralNormalization(keras.layers.Dense(3))
    k_layer.build(x.shape)
    layer(x)
    layer.set_weights(k_layer.get_weights())
    trainable, fixed = layer.trainable_weights, layer.non_trainable_weights

    def loss(weights, u):
        with StateScope(list(zip(trainable, weights)) + [(fixed[0], u)]) as scope:
            out = layer(x, training=True)
            new_u = scope.lookup(fixed[0])
        return jnp.sum(jnp.sin(out)), new_u

    def k_loss(weights, u):
        out, nt = k_layer.stateless_call(weights, [u], x, training=True)
        return jnp.sum(jnp.sin(out)), nt[0]

    values = [w.value for w in trainable]
    (value, u), grads = jax.value_and_grad(loss, has_aux=True)(values, fixed[0].value)
    k_values = [v.value for v in k_layer.trainable_variables]
    (k_value, k_u), k_grads = jax.value_and_grad(k_loss, has_aux=True)(
        k_values, k_layer.non_trainable_variables[0].value
    )
    np.testing.assert_allclose(value, k_value, rtol=1e-5)
    np.testing.assert_allclose(u, k_u, atol=1e-6)
    for g, kg in zip(grads, k_grads):
        np.testing.assert_allclose(g, kg, atol=1e-5)


def test_spectral_normalization_fit_updates_vector_u(keras):
    import strata

    rng = np.random.default_rng(3)
    x = rng.normal(size=(8, 4)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")
    inputs = strata.Input(shape=(4,))
    layer = SpectralNormalization(Dense(2))
    model = strata.Model(inputs, layer(inputs))
    k_inputs = keras.Input(shape=(4,))
    k_layer = keras.layers.SpectralNormalization(keras.layers.Dense(2))
    k_model = keras.Model(k_inputs, k_layer(k_inputs))
    model.set_weights(k_model.get_weights())
    model.compile("sgd", "mse")
    k_model.compile(keras.optimizers.SGD(), "mse")
    model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    k_model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    for w, kw in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(w, kw, atol=1e-5)


def test_spectral_normalization_embedding_and_zero_kernel(keras):
    from strata.layers.core.embedding import Embedding

    ids = np.array([[0, 3, 1]])
    layer = SpectralNormalization(Embedding(5, 3))
    out = layer(ids, training=True)
    assert out.shape == (1, 3, 3) and jnp.issubdtype(out.dtype, jnp.floating)
    zero = SpectralNormalization(Dense(2, kernel_initializer="zeros"))
    zero(np.ones((1, 3), np.float32), training=True)
    assert not np.any(zero.kernel.numpy())


def test_spectral_normalization_config_round_trip(keras):
    layer = SpectralNormalization(Dense(3), power_iterations=2)
    layer(np.ones((1, 4), np.float32))
    k_layer = keras.layers.SpectralNormalization(keras.layers.Dense(3), power_iterations=2)
    config, k_config = layer.get_config(), k_layer.get_config()
    assert sorted(config) == sorted(k_config)
    assert config["layer"]["class_name"] == "Dense"
    clone = SpectralNormalization.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone.layer, Dense) and clone.power_iterations == 2


def test_spectral_normalization_errors():
    from strata.layers.core.activation import Activation

    with pytest.raises(ValueError, match="power_iterations=0"):
        SpectralNormalization(Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="must be a strata layer"):
        SpectralNormalization("dense")
    with pytest.raises(ValueError, match=r"'act' \(Activation\) has neither a `kernel`"):
        SpectralNormalization(Activation("relu", name="act"))(np.ones((2, 2), np.float32))


def test_keras_weights_file_lines_up(keras, tmp_path):
    import strata

    k_in = keras.Input((4,))
    k_hidden = keras.layers.SpectralNormalization(keras.layers.Dense(4))(k_in)
    k_model = keras.Model(k_in, keras.layers.EinsumDense("ab,bc->ac", 3, bias_axes="c")(k_hidden))
    path = str(tmp_path / "model.weights.h5")
    k_model.save_weights(path)
    inputs = strata.Input((4,))
    hidden = SpectralNormalization(Dense(4))(inputs)
    model = strata.Model(inputs, EinsumDense("ab,bc->ac", 3, bias_axes="c")(hidden))
    model.load_weights(path)
    for w, kw in zip(model.get_weights(), k_model.get_weights(), strict=True):
        np.testing.assert_array_equal(w, kw)


def test_keras_files_with_the_new_layers_load_both_ways(keras, tmp_path):
    inp = strata.Input((4,))
    x = strata.layers.SpectralNormalization(strata.layers.Dense(3))(inp)
    x = strata.layers.EinsumDense("ab,bc->ac", output_shape=2, bias_axes="c")(x)
    ours = strata.Model(inp, x)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    data = np.random.default_rng(3).random((5, 4)).astype("float32")
    np.testing.assert_allclose(
        theirs.predict(data, verbose=0), ours.predict(data, verbose=0), atol=1e-6
    )
    k_in = keras.Input((3,))
    keras.Model(k_in, keras.layers.Discretization(bin_boundaries=[0.0, 1.0])(k_in)).save(
        tmp_path / "theirs.keras"
    )
    loaded = strata.saving.load_model(tmp_path / "theirs.keras")
    values = np.array([[-1.0, 0.5, 2.0]], "float32")
    np.testing.assert_array_equal(loaded.predict(values, verbose=0), [[0, 1, 2]])
