"""Convolution layers against Keras 3 (shared harness), by hand, on bad input, and in a small CNN
trained side by side with Keras."""

import numpy as np
import pytest
from tests.layer_harness import check_layer

import strata
from strata import layers

# (class name, constructor arguments, sample shape without the batch axis): every class, and
# between them strides, both paddings (and causal), dilation, groups, output_padding, depth
# multipliers and channels_first. Small shapes: each case compiles a few programs per library.
CASES = [
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (9, 2)),
    (
        "Conv1D",
        {
            "filters": 4,
            "kernel_size": 2,
            "strides": 2,
            "groups": 2,
            "data_format": "channels_first",
        },
        (4, 8),
    ),
    ("Conv2D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (7, 6, 2)),
    (
        "Conv2D",
        {
            "filters": 4,
            "kernel_size": (2, 3),
            "dilation_rate": (2, 1),
            "groups": 2,
            "data_format": "channels_first",
            "activation": "relu",
            "use_bias": False,
        },
        (4, 6, 5),
    ),
    (
        "Conv3D",
        {"filters": 2, "kernel_size": 2, "strides": (1, 2, 1), "padding": "same"},
        (3, 4, 3, 2),
    ),
    (
        "Conv1DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 3, "padding": "same", "output_padding": 1},
        (4, 2),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 3, "strides": 2, "data_format": "channels_first"},
        (3, 3, 4),
    ),
    (
        "Conv2DTranspose",
        {"filters": 2, "kernel_size": 2, "dilation_rate": 2, "padding": "same"},
        (4, 4, 3),
    ),
    (
        "Conv3DTranspose",
        {"filters": 2, "kernel_size": 2, "strides": 2, "output_padding": (1, 0, 0)},
        (2, 2, 3, 1),
    ),
    ("DepthwiseConv1D", {"kernel_size": 3, "depth_multiplier": 2}, (7, 3)),
    (
        "DepthwiseConv2D",
        {"kernel_size": 3, "strides": 2, "padding": "same", "data_format": "channels_first"},
        (3, 6, 5),
    ),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}, (8, 3)),
    (
        "SeparableConv2D",
        {"filters": 3, "kernel_size": 3, "depth_multiplier": 2, "dilation_rate": 2},
        (7, 7, 2),
    ),
]


def _initializers(name, kwargs, value):
    """`value` for every initializer argument of layer class `name`."""
    keys = {
        "Depthwise": ["depthwise_initializer"],
        "Separable": ["depthwise_initializer", "pointwise_initializer"],
    }.get(name[:9], ["kernel_initializer"])
    if kwargs.get("use_bias", True):
        keys.append("bias_initializer")
    return {key: value for key in keys}


def _numpy_initializer(shape, dtype=None):
    # Seeded NumPy values for the Keras layer (the strata layer receives them through the
    # harness): random enough to catch a flipped or transposed kernel, and cheaper than
    # compiling a JAX sampler for every weight shape.
    rng = np.random.default_rng(sum(shape))
    return rng.uniform(-0.5, 0.5, size=shape).astype("float32")


@pytest.mark.parametrize(
    ("name", "kwargs", "shape"), CASES, ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]
)
def test_matches_keras(keras, name, kwargs, shape):
    layer = check_layer(
        lambda: getattr(layers, name)(**kwargs, **_initializers(name, kwargs, "zeros")),
        lambda: getattr(keras.layers, name)(
            **kwargs, **_initializers(name, kwargs, _numpy_initializer)
        ),
        shape,
        keras,
    )
    k_layer = getattr(keras.layers, name)(**kwargs, **_initializers(name, kwargs, "zeros"))
    k_layer.build((None, *shape))
    # Same weight names and shapes, so weights move between the two libraries; same config.
    assert [(w.path.split("/")[-1], w.shape) for w in layer.weights] == [
        (w.path.split("/")[-1], tuple(w.shape)) for w in k_layer.weights
    ]
    config, k_config = layer.get_config(), k_layer.get_config()
    del config["name"], k_config["name"]
    assert config == k_config


def test_conv1d_by_hand():
    layer = layers.Conv1D(1, 2, kernel_initializer="ones", bias_initializer="ones")
    x = np.arange(4.0, dtype="float32").reshape(1, 4, 1)
    assert np.asarray(layer(x))[0, :, 0].tolist() == [2.0, 4.0, 6.0]
    causal = layers.Conv1D(1, 2, padding="causal", kernel_initializer="ones", use_bias=False)
    assert np.asarray(causal(x))[0, :, 0].tolist() == [0.0, 1.0, 3.0, 5.0]


def test_conv2d_transpose_by_hand():
    # One pixel spread over a 2x2 window, stride 2: each input lands on its own 2x2 block.
    layer = layers.Conv2DTranspose(1, 2, strides=2, kernel_initializer="ones", use_bias=False)
    x = np.array([[1.0, 2.0], [3.0, 4.0]], "float32").reshape(1, 2, 2, 1)
    out = np.asarray(layer(x))[0, :, :, 0]
    assert out.tolist() == np.kron([[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2))).tolist()


def test_depthwise_keeps_channels_apart():
    layer = layers.DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    layer.build((None, 3, 3, 2))
    layer.set_weights([np.array([[[[1.0, 2.0], [10.0, 20.0]]]], "float32")])
    x = np.ones((1, 3, 3, 2), "float32") * np.array([1.0, 100.0], "float32")
    assert np.asarray(layer(x))[0, 0, 0].tolist() == [1.0, 2.0, 1000.0, 2000.0]


def test_regularizers_and_constraints_round_trip_in_keras_form(keras):
    kwargs = {
        "kernel_regularizer": "l2",
        "activity_regularizer": "l1",
        "bias_constraint": "non_neg",
    }
    layer = layers.Conv2D(2, 3, **kwargs)
    layer(np.ones((1, 5, 5, 1), "float32"))
    assert len(layer.losses) == 2  # the kernel penalty and the activity penalty
    config = layers.Conv2D.from_config(layer.get_config()).get_config()
    k_config = keras.layers.Conv2D(2, 3, **kwargs).get_config()
    for key in ("kernel_regularizer", "activity_regularizer", "bias_constraint"):
        # Keras keeps the factors as float32 (0.009999999776482582 for 0.01): compare values.
        assert {**config[key], "config": None} == {**k_config[key], "config": None}, key
        assert config[key]["config"] == pytest.approx(k_config[key]["config"]), key


# ---- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: layers.Conv2D(0, 3), r"Conv2D 'conv2d.*'.*`filters`.*positive.*filters=0"),
        (lambda: layers.Conv2D(-2, 3), r"`filters`.*Received: filters=-2"),
        (lambda: layers.Conv2D(2, 0), r"`kernel_size`.*positive.*kernel_size=0"),
        (lambda: layers.Conv2D(2, (3,)), r"`kernel_size`.*tuple of 2.*kernel_size=\(3,\)"),
        (lambda: layers.Conv1D(2, 3, strides=0), r"`strides`.*positive.*strides=0"),
        (lambda: layers.MaxPooling2D(strides=-1), r"`strides`.*strides=-1"),
        (lambda: layers.Conv2D(2, 3, padding="full"), r"`padding`.*'valid', 'same'.*'full'"),
        (lambda: layers.Conv2D(2, 3, padding="causal"), r"`padding`.*received padding='causal'"),
        (lambda: layers.Conv2D(2, 3, data_format="NHWC"), r"`data_format`.*'NHWC'"),
        (lambda: layers.Conv2D(3, 3, groups=2), r"`filters` must be divisible by `groups`"),
        (lambda: layers.Conv2D(2, 3, strides=2, dilation_rate=2), r"`strides` > 1 .*dilation"),
        (
            lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2),
            r"`output_padding` must be smaller than the stride",
        ),
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), r"`depth_multiplier`"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_wrong_rank_names_the_layer_and_layout():
    with pytest.raises(
        ValueError,
        match=r"'c2' \(Conv2D\) expects inputs of rank 4, \(batch, height, width, channels\); "
        r"received shape \(None, 8, 3\)",
    ):
        layers.Conv2D(2, 3, name="c2")(strata.Input(shape=(8, 3)))
    with pytest.raises(ValueError, match=r"\(batch, channels, steps\)"):
        layers.Conv1D(2, 3, data_format="channels_first")(np.ones((2, 3)))


def test_channel_mismatch_on_a_built_layer():
    layer = layers.Conv2D(2, 3, name="c")
    layer(strata.Input(shape=(8, 8, 3)))
    with pytest.raises(
        ValueError, match=r"'c' \(Conv2D\) was built for inputs with 3 channels .* 5 channels"
    ):
        layer(strata.Input(shape=(8, 8, 5)))


def test_groups_must_divide_input_channels():
    with pytest.raises(ValueError, match=r"groups=2, which must divide .* received 3 channels"):
        layers.Conv2D(4, 3, groups=2)(strata.Input(shape=(6, 6, 3)))


def test_unknown_channels_are_refused():
    with pytest.raises(ValueError, match=r"known number of input channels"):
        layers.Conv1D(2, 3)(strata.Input(shape=(8, None)))


def test_kernel_larger_than_input():
    with pytest.raises(ValueError, match=r"kernel \(extent 5 along axis 1\) is larger than the"):
        layers.Conv2D(2, 5)(strata.Input(shape=(3, 8, 1)))
    with pytest.raises(ValueError, match=r"extent 5 along axis 1"):
        layers.Conv1D(2, 3, dilation_rate=2)(np.ones((1, 4, 1), "float32"))
    # "same" padding and unknown lengths are fine.
    assert layers.Conv2D(2, 5, padding="same")(strata.Input(shape=(3, 3, 1))).shape == (
        None,
        3,
        3,
        2,
    )
    assert layers.Conv1D(2, 5)(strata.Input(shape=(None, 1))).shape == (None, None, 2)


# ---- a small CNN, trained side by side -----------------------------------------------------


def _cnn(lib):
    # Zero initializers: both models get the same seeded NumPy weights below, and skipping the
    # random initializers saves compiling one sampler per weight shape.
    init = {"kernel_initializer": "zeros"}
    inputs = lib.Input(shape=(28, 28, 1))
    x = lib.layers.Conv2D(4, 3, activation="relu", **init)(inputs)
    x = lib.layers.MaxPooling2D()(x)
    x = lib.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu", **init)(x)
    x = lib.layers.Flatten()(x)
    outputs = lib.layers.Dense(10, activation="softmax", **init)(x)
    return lib.Model(inputs, outputs)


def test_small_cnn_trains_like_keras(keras):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, size=(64,))
    k_model, model = _cnn(keras), _cnn(strata)
    weights = [rng.normal(scale=0.3, size=w.shape).astype("float32") for w in k_model.weights]
    k_model.set_weights(weights)
    model.set_weights(weights)
    for m in (k_model, model):
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    np.random.seed(3)
    k_hist = k_model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    np.random.seed(3)
    hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], k_hist.history["loss"], rtol=1e-4)
    np.testing.assert_allclose(hist.history["accuracy"], k_hist.history["accuracy"])
    for w, kw in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(w, kw, atol=1e-5)
