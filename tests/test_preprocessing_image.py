"""Image preprocessing layers (`Resizing`, `CenterCrop`, the random augmentation layers) against
Keras 3: deterministic paths and seeded draws equal Keras; random draws checked by properties."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strata
from layer_harness import check_layer
from strata.layers.preprocessing.image.center_crop import CenterCrop
from strata.layers.preprocessing.image.random_contrast import RandomContrast
from strata.layers.preprocessing.image.random_crop import RandomCrop
from strata.layers.preprocessing.image.random_flip import RandomFlip
from strata.layers.preprocessing.image.random_rotation import RandomRotation
from strata.layers.preprocessing.image.random_translation import RandomTranslation
from strata.layers.preprocessing.image.random_zoom import RandomZoom
from strata.layers.preprocessing.image.resizing import Resizing
from strata.state.scope import StateScope

CLASSES = {
    cls.__name__: cls
    for cls in (
        Resizing,
        CenterCrop,
        RandomFlip,
        RandomRotation,
        RandomZoom,
        RandomTranslation,
        RandomContrast,
        RandomCrop,
    )
}
RANDOM_LAYERS = {
    "RandomFlip": (RandomFlip, {}),
    "RandomRotation": (RandomRotation, {"factor": 0.2}),
    "RandomZoom": (RandomZoom, {"height_factor": 0.3, "width_factor": (-0.2, 0.4)}),
    "RandomTranslation": (RandomTranslation, {"height_factor": 0.3, "width_factor": 0.2}),
    "RandomContrast": (RandomContrast, {"factor": 0.5}),
    "RandomCrop": (RandomCrop, {"height": 3, "width": 4}),
}


def _images(shape=(3, 7, 9, 2), seed=0, dtype="float32"):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(dtype)


def _close(a, b, atol=1e-5):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, atol=atol, rtol=1e-5)


# ---- deterministic layers: equal to Keras ----------------------------------------------------


@pytest.mark.parametrize(
    "interpolation, options",
    [
        ("bilinear", {}),
        ("nearest", {}),
        ("bicubic", {}),
        ("lanczos3", {}),
        ("lanczos5", {}),
        ("bilinear", {"crop_to_aspect_ratio": True}),
        ("bicubic", {"crop_to_aspect_ratio": True, "data_format": "channels_first"}),
        ("nearest", {"pad_to_aspect_ratio": True, "fill_value": 3.0}),
        ("lanczos5", {"pad_to_aspect_ratio": True, "data_format": "channels_first"}),
        ("bilinear", {"antialias": True}),
        ("lanczos3", {"antialias": True, "data_format": "channels_first"}),
    ],
)
def test_resizing_matches_keras(keras, interpolation, options):
    x = _images()
    # A wide and a tall target, so cropping and padding work on either side.
    reshaped = options.get("crop_to_aspect_ratio") or options.get("pad_to_aspect_ratio")
    for size in [(4, 12), (10, 5)] if reshaped else [(4, 12)]:
        layer = Resizing(*size, interpolation, **options)
        _close(layer(x), keras.layers.Resizing(*size, interpolation, **options)(x))
    one = Resizing(4, 12, interpolation, **options)(x[0])
    _close(one, keras.layers.Resizing(4, 12, interpolation, **options)(x[0]))


def test_resizing_keeps_integer_dtype_like_keras(keras):
    x = _images(dtype="uint8")
    out = Resizing(4, 5)(x)
    assert out.dtype == jnp.uint8
    np.testing.assert_array_equal(out, keras.layers.Resizing(4, 5)(x))
    assert Resizing(4, 5)(strata.Input((7, 9, 2), dtype="uint8")).dtype == "uint8"


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_center_crop_matches_keras(keras, data_format):
    x = _images()
    # Smaller than the image (a plain crop), equal, and larger on one side (crop and resize).
    for size in [(3, 4), (7, 9), (10, 4), (2, 20)]:
        layer = CenterCrop(*size, data_format=data_format)
        _close(layer(x), keras.layers.CenterCrop(*size, data_format=data_format)(x))
    one = CenterCrop(10, 4, data_format=data_format)(x[0])
    _close(one, keras.layers.CenterCrop(10, 4, data_format=data_format)(x[0]))
    assert CenterCrop(3, 4)(x.astype("uint8")).dtype == jnp.float32


def test_center_crop_golden():
    x = np.arange(20.0).reshape(4, 5, 1)
    np.testing.assert_array_equal(CenterCrop(2, 3)(x)[..., 0], [[6, 7, 8], [11, 12, 13]])


@pytest.mark.parametrize(
    "name, args",
    [
        ("Resizing", (4, 5, "bicubic")),
        ("CenterCrop", (3, 4)),
        ("RandomFlip", ()),
        ("RandomRotation", (0.2,)),
        ("RandomZoom", (0.2,)),
        ("RandomTranslation", (0.1, 0.2)),
        ("RandomContrast", (0.3,)),
    ],
)
def test_harness(keras, name, args):
    """Symbolic, eager and compiled inference equal Keras (the random layers are the identity
    there); one `fit` step runs them in training mode inside the compiled step."""
    check_layer(
        lambda: CLASSES[name](*args), lambda: getattr(keras.layers, name)(*args), (6, 8, 2), keras
    )


# ---- random layers: seeded draws equal Keras, inference is the identity ------------------------


@pytest.mark.parametrize("name", sorted(RANDOM_LAYERS))
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_seeded_training_matches_keras(keras, name, data_format):
    """strata's keys for a seed are Keras's (``[seed, counter]``), and every layer draws in
    Keras's order, so an eagerly called seeded layer gives Keras's numbers exactly."""
    cls, kwargs = RANDOM_LAYERS[name]
    layer = cls(**kwargs, seed=3, data_format=data_format)
    expected = getattr(keras.layers, name)(**kwargs, seed=3, data_format=data_format)
    x = _images()
    for images in (x, x[0]):
        _close(layer(images, training=True), expected(images, training=True))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"interpolation": "nearest", "fill_mode": "constant", "fill_value": -1.0},
        {"fill_mode": "wrap"},
        {"fill_mode": "nearest"},
    ],
)
@pytest.mark.parametrize("name", ["RandomRotation", "RandomZoom", "RandomTranslation"])
def test_seeded_fill_modes_match_keras(keras, name, kwargs):
    cls, factors = RANDOM_LAYERS[name]
    x = _images()
    _close(
        cls(**factors, **kwargs, seed=5)(x, training=True),
        getattr(keras.layers, name)(**factors, **kwargs, seed=5)(x, training=True),
    )


@pytest.mark.parametrize("name", sorted(set(RANDOM_LAYERS) - {"RandomCrop"}))
def test_inference_is_identity(keras, name):
    cls, kwargs = RANDOM_LAYERS[name]
    x = _images()
    _close(cls(**kwargs)(x, training=False), x)
    _close(cls(**kwargs)(x), getattr(keras.layers, name)(**kwargs)(x, training=False))


def test_contrast_inference_returns_integer_images_unchanged(keras):
    x = _images(dtype="uint8")
    out = RandomContrast(0.5)(x, training=False)
    assert out.dtype == keras.layers.RandomContrast(0.5)(x, training=False).dtype == jnp.uint8
    np.testing.assert_array_equal(out, x)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("RandomRotation", {"factor": 0.0}),
        ("RandomRotation", {"factor": (0.0, 0.0), "interpolation": "nearest"}),
        ("RandomZoom", {"height_factor": 0.0}),
        ("RandomZoom", {"height_factor": (0, 0), "width_factor": 0.0, "fill_mode": "constant"}),
        ("RandomTranslation", {"height_factor": 0.0, "width_factor": 0.0}),
        ("RandomContrast", {"factor": 0.0, "value_range": (0, 255)}),
        ("RandomCrop", {"height": 7, "width": 9}),  # the image's own size
    ],
)
def test_degenerate_settings_are_identity_in_training(keras, name, kwargs):
    x = _images()
    out = CLASSES[name](**kwargs)(x, training=True)
    assert out.shape == x.shape and out.dtype == jnp.float32
    _close(out, x, atol=1e-4)
    _close(out, getattr(keras.layers, name)(**kwargs)(x, training=True), atol=1e-4)


def test_equal_bounds_make_the_geometric_layers_deterministic(keras):
    """A factor range of zero width fixes the draw: exact parity with Keras without a seed."""
    x = _images()
    for layer, expected in [
        (RandomRotation((0.1, 0.1)), keras.layers.RandomRotation((0.1, 0.1))),
        (RandomZoom((-0.3, -0.3), (0.2, 0.2)), keras.layers.RandomZoom((-0.3, -0.3), (0.2, 0.2))),
        (
            RandomTranslation((0.2, 0.2), (-0.1, -0.1), fill_mode="constant"),
            keras.layers.RandomTranslation((0.2, 0.2), (-0.1, -0.1), fill_mode="constant"),
        ),
    ]:
        _close(layer(x, training=True), expected(x, training=True))


# ---- random layers: properties -----------------------------------------------------------------

# A few shapes only: every new shape compiles the eager ops again.
image_shapes = st.sampled_from([(1, 2, 3, 1), (3, 5, 4, 2), (2, 6, 6, 3)])


@settings(max_examples=15, deadline=None)
@given(
    shape=image_shapes, seed=st.integers(0, 2**16), mode=st.sampled_from(["horizontal", "vertical"])
)
def test_flip_mirrors_each_image_or_leaves_it(shape, seed, mode):
    x = _images(shape, seed)
    out = np.asarray(RandomFlip(mode, seed=seed)(x, training=True))
    assert out.shape == x.shape and out.dtype == np.float32
    axis = 1 if mode == "horizontal" else 0  # an image's width or height axis
    for image, flipped in zip(x, out):
        assert np.array_equal(flipped, image) or np.array_equal(flipped, np.flip(image, axis))


def test_flip_both_ways_turns_by_180_degrees_or_not():
    x = _images((32, 4, 5, 1))
    out = np.asarray(RandomFlip(seed=0)(x, training=True))
    turned = [not np.array_equal(o, i) for o, i in zip(out, x)]
    for o, i, t in zip(out, x, turned):
        np.testing.assert_array_equal(o, np.rot90(i, 2) if t else i)
    assert 0 < sum(turned) < len(turned)  # both outcomes occur


@settings(max_examples=10, deadline=None)
@given(
    size=st.sampled_from([3, 6]),
    batch=st.sampled_from([1, 2]),
    data_format=st.sampled_from(["channels_last", "channels_first"]),
)
def test_quarter_turn_equals_rot90(size, batch, data_format):
    x = _images((batch, size, size, 2), size + batch)
    layer = RandomRotation((0.25, 0.25), fill_mode="constant", data_format=data_format)
    if data_format == "channels_first":
        out = np.transpose(layer(np.transpose(x, (0, 3, 1, 2)), training=True), (0, 2, 3, 1))
    else:
        out = np.asarray(layer(x, training=True))
    expected = np.rot90(x, 1, axes=(1, 2))
    # cos(pi/2) is not exactly 0 in float32, so coordinates are off by ~1e-7 pixel: the interior
    # matches to rounding; at the border the constant fill may bleed in by that much.
    np.testing.assert_allclose(out[:, 1:-1, 1:-1], expected[:, 1:-1, 1:-1], atol=1e-3)
    np.testing.assert_allclose(out, expected, atol=1e-3 * 255)


@settings(max_examples=15, deadline=None)
@given(
    shape=image_shapes,
    seed=st.integers(0, 2**16),
    factor=st.floats(0.0, 1.0),
    low=st.floats(-10, 10),
    span=st.floats(0.5, 300),
)
def test_contrast_stays_in_value_range(shape, seed, factor, low, span):
    rng = np.random.default_rng(seed)
    x = rng.uniform(low, low + span, shape).astype("float32")
    out = np.asarray(
        RandomContrast(factor, value_range=(low, low + span), seed=seed)(x, training=True)
    )
    assert out.shape == x.shape and out.dtype == np.float32
    assert out.min() >= np.float32(low) and out.max() <= np.float32(low + span)


@pytest.mark.parametrize("name", sorted(RANDOM_LAYERS))
def test_seed_reproduces_and_calls_differ(name):
    cls, kwargs = RANDOM_LAYERS[name]
    x = _images((8, 7, 9, 2))
    a, b = cls(**kwargs, seed=11), cls(**kwargs, seed=11)
    first = np.asarray(a(x, training=True))
    np.testing.assert_array_equal(first, b(x, training=True))
    # Later calls draw again (RandomCrop has 30 windows here, so ask for any of three to differ).
    assert any(not np.array_equal(first, a(x, training=True)) for _ in range(3))
    # Unseeded layers draw from the global stream: calls differ too.
    unseeded = cls(**kwargs)
    first = np.asarray(unseeded(x, training=True))
    assert any(not np.array_equal(first, unseeded(x, training=True)) for _ in range(3))


@pytest.mark.parametrize("name", sorted(RANDOM_LAYERS))
def test_compiled_step_keys_come_from_the_state_scope(name):
    """Inside a compiled step the draw depends only on the step's key, not on the layer's seed."""
    cls, kwargs = RANDOM_LAYERS[name]
    layer = cls(**kwargs, seed=1)
    x = _images((4, 7, 9, 2))

    @jax.jit
    def step(images, key):
        with StateScope(rng_key=key):
            return layer(images, training=True)

    a = step(x, jax.random.key(0))
    np.testing.assert_array_equal(a, step(x, jax.random.key(0)))
    assert not np.array_equal(a, step(x, jax.random.key(1)))
    assert a.shape == layer.compute_output_shape(x.shape)


@settings(max_examples=15, deadline=None)
@given(shape=st.sampled_from([(1, 4, 4), (2, 5, 8), (3, 9, 6)]), seed=st.integers(0, 2**16))
def test_random_crop_takes_one_window_per_batch(shape, seed):
    batch, height, width = shape
    x = _images((batch, height, width, 2), seed)
    out = np.asarray(RandomCrop(3, 2, seed=seed)(x, training=True))
    assert out.shape == (batch, 3, 2, 2)
    windows = [
        (top, left)
        for top in range(height - 2)
        for left in range(width - 1)
        if np.array_equal(out, x[:, top : top + 3, left : left + 2])
    ]
    assert windows


def test_random_crop_inference_resizes_the_centre_window(keras):
    """At inference RandomCrop keeps its declared output shape (Keras documents a centred crop
    and resize; Keras 3.15's own code returns the input, keras-team/keras#21868)."""
    x = _images((2, 5, 10, 3))
    for data_format in ["channels_last", "channels_first"]:
        layer = RandomCrop(3, 4, data_format=data_format)
        images = x if data_format == "channels_last" else np.transpose(x, (0, 3, 1, 2))
        expected = keras.preprocessing.image.smart_resize(images, (3, 4), data_format=data_format)
        _close(layer(images), expected)
    inputs = strata.Input((5, 10, 3))
    model = strata.Model(inputs, RandomCrop(3, 4)(inputs))
    assert model.output.shape == (None, 3, 4, 3)
    assert model.predict(x, verbose=0).shape == (2, 3, 4, 3)


def test_output_dtypes_follow_keras(keras):
    x = _images(dtype="uint8")
    for name, (cls, kwargs) in RANDOM_LAYERS.items():
        out = cls(**kwargs)(x, training=True)
        assert out.dtype == getattr(keras.layers, name)(**kwargs)(x, training=True).dtype, name


# ---- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("Resizing", {"height": 4, "width": 5, "interpolation": "nearest", "antialias": True}),
        ("CenterCrop", {"height": 4, "width": 5, "data_format": "channels_first"}),
        ("RandomFlip", {"mode": "vertical", "seed": 2}),
        ("RandomRotation", {"factor": (-0.1, 0.3), "fill_mode": "constant", "seed": 2}),
        ("RandomZoom", {"height_factor": 0.1, "width_factor": (0.1, 0.2), "seed": 2}),
        ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.3, "fill_value": 1.0}),
        ("RandomContrast", {"factor": 0.2, "value_range": (0, 1), "seed": 2}),
        ("RandomCrop", {"height": 3, "width": 3, "seed": 4}),
    ],
)
def test_config_round_trip_with_keras_keys(keras, name, kwargs):
    cls = CLASSES[name]
    config = cls(**kwargs, name="layer").get_config()
    assert cls.from_config(config).get_config() == config
    expected = getattr(keras.layers, name)(**kwargs, name="layer").get_config()
    assert config == expected
    # A Keras config builds the same layer in strata.
    assert cls.from_config(expected).get_config() == expected


def test_random_crop_records_a_seed_like_keras():
    config = RandomCrop(3, 3).get_config()
    assert isinstance(config["seed"], int)
    x = _images((2, 8, 8, 1))
    first, second = RandomCrop.from_config(config), RandomCrop.from_config(config)
    np.testing.assert_array_equal(first(x, training=True), second(x, training=True))


# ---- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Resizing", "CenterCrop", *sorted(RANDOM_LAYERS)])
def test_wrong_rank_is_a_clear_error(name):
    if name in RANDOM_LAYERS:
        layer = CLASSES[name](**RANDOM_LAYERS[name][1], name="img")
    else:
        layer = CLASSES[name](2, 2, name="img")
    with pytest.raises(ValueError, match=r"'img' expects one image of rank 3 .* shape \(4, 5\)"):
        layer(np.ones((4, 5)), training=True)
    with pytest.raises(ValueError, match=r"'img' expects .* shape \(None, 2, 3, 4, 1\)"):
        layer(strata.Input((2, 3, 4, 1)))


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: Resizing(2, 2, interpolation="cubic"),
            r"`interpolation` must be one of .*'cubic'",
        ),
        (lambda: Resizing(2, 2, interpolation="area"), r"interpolation='area' has no"),
        (lambda: Resizing(0, 2), r"`height` must be a positive int; received height=0"),
        (lambda: Resizing(2, 2.5), r"`width` must be a positive int"),
        (lambda: Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True), "both"),
        (lambda: Resizing(2, 2, fill_mode="reflect"), r"`fill_mode` must be one of \['constant'\]"),
        (lambda: Resizing(2, 2, data_format="nhwc"), r"`data_format` must be"),
        (lambda: CenterCrop(-1, 2), r"CenterCrop '.*': `height` must be a positive int"),
        (lambda: RandomCrop(2, None), r"RandomCrop '.*': `width` must be a positive int"),
        (lambda: RandomFlip("diagonal"), r"RandomFlip '.*': `mode` must be one of"),
        (lambda: RandomRotation(1.5), r"`factor` must be a number or a pair .* \[-1, 1\]"),
        (lambda: RandomRotation((0.1, 0.2, 0.3)), r"received factor=\(0.1, 0.2, 0.3\)"),
        (lambda: RandomRotation("big"), r"`factor` must be a number"),
        (lambda: RandomRotation(0.1, interpolation="bicubic"), r"`interpolation` must be one of"),
        (lambda: RandomRotation(0.1, fill_mode="mirror"), r"`fill_mode` must be one of"),
        (lambda: RandomZoom(-1.0), r"`height_factor` .* in \(-1, 1\]"),
        (lambda: RandomZoom(0.1, (0.1, 1.5)), r"`width_factor` .* received width_factor"),
        (lambda: RandomTranslation(0.1, -1.2), r"`width_factor` .* in \[-1, 1\]"),
        (lambda: RandomContrast(1.2), r"RandomContrast '.*': `factor` .* in \[0, 1\]"),
        (lambda: RandomContrast(-0.1), r"`factor` .* in \[0, 1\]"),
        (lambda: RandomContrast(0.1, value_range=(1, 0)), r"`value_range` must be a pair"),
    ],
)
def test_bad_arguments_are_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
