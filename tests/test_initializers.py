"""Initializers against `keras.initializers`: same seed -> the same numbers, bit for bit."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import strata
from strata import initializers
from strata import random as strata_random

SHAPES = [(4, 3), (3, 5), (2, 3, 4, 5), (7,)]

CLASSES_AND_KWARGS = [
    ("Zeros", {}),
    ("Ones", {}),
    ("Constant", {"value": 3.5}),
    ("Identity", {"gain": 2.0}),
    ("RandomUniform", {"minval": -2.0, "maxval": 3.0, "seed": 11}),
    ("RandomNormal", {"mean": 1.0, "stddev": 2.0, "seed": 11}),
    ("TruncatedNormal", {"mean": -1.0, "stddev": 0.5, "seed": 11}),
    ("VarianceScaling", {"seed": 11}),
    ("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 3}),
    ("VarianceScaling", {"scale": 0.5, "mode": "fan_avg", "distribution": "untruncated_normal"}),
    ("VarianceScaling", {"mode": "fan_in", "distribution": "normal", "seed": 4}),
    ("GlorotUniform", {"seed": 11}),
    ("GlorotNormal", {"seed": 11}),
    ("HeUniform", {"seed": 11}),
    ("HeNormal", {"seed": 11}),
    ("LecunUniform", {"seed": 11}),
    ("LecunNormal", {"seed": 11}),
    ("Orthogonal", {"seed": 11}),
    ("Orthogonal", {"gain": 1.7, "seed": 2**31 + 5}),
]

ALIASES = [
    "zeros",
    "zero",
    "ones",
    "one",
    # "constant": Keras 3.15.1 fails on it (Constant.from_config({}) raises KeyError).
    "identity",
    "random_uniform",
    "uniform",
    "random_normal",
    "normal",
    "truncated_normal",
    "variance_scaling",
    "glorot_uniform",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "lecun_uniform",
    "lecun_normal",
    "orthogonal",
    "IdentityInitializer",
    "OrthogonalInitializer",
]


def _applies(name, shape):
    if name in ("Identity", "identity", "IdentityInitializer"):
        return len(shape) == 2
    if name.lower().startswith("orthogonal"):
        return len(shape) >= 2
    return True


def _assert_same(got, expected):
    expected = np.asarray(expected)
    assert np.asarray(got).dtype == expected.dtype
    np.testing.assert_allclose(np.asarray(got), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize(("name", "kwargs"), CLASSES_AND_KWARGS)
def test_classes_match_keras_with_the_same_seed(keras, name, kwargs):
    if "seed" not in kwargs and name not in ("Zeros", "Ones", "Constant", "Identity"):
        kwargs = {**kwargs, "seed": 0}
    ours = getattr(initializers, name)(**kwargs)
    theirs = getattr(keras.initializers, name)(**kwargs)
    for shape in SHAPES:
        if _applies(name, shape):
            _assert_same(ours(shape), theirs(shape))
    # Each call of the same object repeats its values, as in Keras.
    _assert_same(ours((3, 3)), ours((3, 3)))


@pytest.mark.parametrize("alias", ALIASES)
def test_string_aliases_match_keras(keras, alias):
    ours, theirs = initializers.get(alias), keras.initializers.get(alias)
    assert type(ours).__name__ == type(theirs).__name__
    if hasattr(theirs, "seed"):
        ours = type(ours).from_config({**ours.get_config(), "seed": 5})
        theirs = type(theirs).from_config({**theirs.get_config(), "seed": 5})
    for shape in SHAPES[:2] + SHAPES[3:]:
        if _applies(alias, shape):
            _assert_same(ours(shape), theirs(shape))


def test_configs_match_keras_and_load_keras_configs(keras):
    for name, kwargs in CLASSES_AND_KWARGS:
        theirs = getattr(keras.initializers, name)(**kwargs).get_config()
        ours = getattr(initializers, name)(**kwargs).get_config()
        if name == "Identity":
            # Keras 3.15.1 leaves `gain` out of Identity's config (so it is lost on reload).
            assert theirs == {} and ours == {"gain": 2.0}
            continue
        assert ours == theirs, name
        rebuilt = initializers.get({"class_name": name, "config": theirs})
        assert type(rebuilt).__name__ == name and rebuilt.get_config() == ours


def test_unseeded_dense_kernel_matches_keras_after_set_random_seed(keras):
    keras.utils.set_random_seed(42)
    k_layer = keras.layers.Dense(3)
    k_layer.build((None, 4))
    strata.utils.set_random_seed(42)
    layer = strata.layers.Dense(3)
    layer(np.zeros((1, 4), "float32"))
    # Keras is the reference: the values themselves depend on JAX's PRNG implementation
    # (`jax_threefry_partitionable`), which both libraries share.
    np.testing.assert_array_equal(layer.kernel.numpy(), np.asarray(k_layer.kernel))
    assert np.unique(layer.kernel.numpy()).size == 12


def test_unseeded_initializers_draw_their_seeds_at_construction_like_keras(keras):
    names = ["GlorotUniform", "Orthogonal", "HeNormal", "RandomNormal", "TruncatedNormal"]
    keras.utils.set_random_seed(7)
    theirs = [getattr(keras.initializers, n)() for n in names]
    strata.utils.set_random_seed(7)
    ours = [getattr(initializers, n)() for n in names]
    for a, b in zip(ours, theirs):
        _assert_same(a((5, 4)), b((5, 4)))
    # Deterministic: the seed was fixed at construction, not at call time.
    strata.utils.set_random_seed(0)
    _assert_same(ours[0]((5, 4)), theirs[0]((5, 4)))


def test_int_seed_is_the_raw_key_seed_zero():
    key = jnp.array([1234, 0], dtype=jnp.uint32)
    got = initializers.RandomUniform(0.0, 1.0, seed=1234)((3, 2))
    np.testing.assert_array_equal(got, jax.random.uniform(key, (3, 2)))


def test_seed_generator_gives_fresh_values_per_call():
    init = initializers.RandomNormal(seed=strata_random.SeedGenerator(3))
    first, second = init((4,)), init((4,))
    assert not np.allclose(first, second)
    np.testing.assert_array_equal(first, initializers.RandomNormal(seed=3)((4,)))


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 4)])
def test_orthogonal_is_orthonormal_and_sign_corrected(shape):
    seed = 21
    q = np.asarray(initializers.Orthogonal(seed=seed)(shape))
    flat = q.reshape(-1, shape[-1])
    rows, cols = flat.shape
    if rows >= cols:
        np.testing.assert_allclose(flat.T @ flat, np.eye(cols), atol=1e-5)
    else:
        np.testing.assert_allclose(flat @ flat.T, np.eye(rows), atol=1e-5)
    # The sign correction makes Q unique: with A = Q R for the underlying normal matrix A,
    # R = Q^T A has a positive diagonal.
    a = np.asarray(
        jax.random.normal(jnp.array([seed, 0], jnp.uint32), (max(rows, cols), min(rows, cols)))
    )
    basis = flat if rows >= cols else flat.T
    assert np.all(np.diag(basis.T @ a) > 0)


def test_variance_scaling_fans():
    assert initializers.compute_fans(()) == (1.0, 1.0)
    assert initializers.compute_fans((5,)) == (5.0, 5.0)
    assert initializers.compute_fans((3, 3, 4, 8)) == (36.0, 72.0)
    assert initializers.compute_fans((2, 3, 4), input_axes=[0, 1], output_axes=[2]) == (6.0, 4.0)
    limit = np.sqrt(6 / (6 + 4))
    values = initializers.GlorotUniform(seed=1, input_axes=[0, 1], output_axes=[2])((2, 3, 4))
    assert np.abs(values).max() <= limit


def test_get_accepts_classes_instances_callables_and_arrays(keras):
    assert type(initializers.get(initializers.HeNormal)) is initializers.HeNormal
    instance = initializers.Ones()
    assert initializers.get(instance) is instance

    def fn(shape, dtype="float32"):
        return jnp.full(shape, 2.0, dtype)

    assert initializers.get(fn) is fn
    array = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(initializers.get(array)((2, 3)), array)
    assert initializers.Constant(2)((2,), None).dtype == jnp.float32


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match=r"VarianceScaling: `scale` must be a positive float.*0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match=r"`mode` must be one of .*received mode='fan'"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match=r"`distribution` must be one of .*'gamma'"):
        initializers.VarianceScaling(distribution="gamma")
    with pytest.raises(ValueError, match=r"GlorotUniform: `seed` must be an int.*'a'"):
        initializers.GlorotUniform(seed="a")
    with pytest.raises(ValueError, match=r"RandomNormal: `seed` must be an int.*1.5"):
        initializers.RandomNormal(seed=1.5)
    with pytest.raises(ValueError, match=r"`seed` must be in \[0, 2\*\*32\).*-1"):
        initializers.Orthogonal(seed=-1)
    with pytest.raises(
        ValueError, match=r"Orthogonal initializer needs at least a 2-D shape.*\(7,\)"
    ):
        initializers.Orthogonal(seed=1)((7,))
    with pytest.raises(ValueError, match=r"Identity initializer needs a 2-D shape.*\(2, 2, 2\)"):
        initializers.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot_unifrom'.*Did you mean"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ValueError, match=r"Valid names: Constant, GlorotNormal, GlorotUniform"):
        initializers.get("nope")
    with pytest.raises(ValueError, match=r"Could not interpret initializer identifier: 3"):
        initializers.get(3)
    with pytest.raises(ValueError, match=r"array used as initializer has shape \(2,\).*\(3,\)"):
        initializers.get(np.zeros(2))((3,))


def test_failed_construction_does_not_consume_a_seed():
    strata.utils.set_random_seed(5)
    with pytest.raises(ValueError):
        initializers.VarianceScaling(mode="bad")
    after_failure = initializers.GlorotUniform()((2, 2))
    strata.utils.set_random_seed(5)
    np.testing.assert_array_equal(after_failure, initializers.GlorotUniform()((2, 2)))
