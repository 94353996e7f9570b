"""Up-sampling, padding, cropping, Permute and RepeatVector against Keras 3, by hand, and on bad
input."""

import numpy as np
import pytest
from tests.layer_harness import check_layer
from tests.test_pooling_layers import check_input_gradients

import strata
from strata import layers

# (class name, constructor arguments, sample shape without the batch axis).
CASES = [
    ("UpSampling1D", {"size": 3}, (4, 2)),
    ("UpSampling2D", {"size": (2, 3), "data_format": "channels_first"}, (2, 3, 2)),
    ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"}, (3, 4, 2)),
    ("UpSampling3D", {"size": (1, 2, 2)}, (2, 2, 2, 1)),
    ("ZeroPadding1D", {"padding": (1, 2)}, (4, 2)),
    ("ZeroPadding2D", {"padding": ((1, 0), (2, 1)), "data_format": "channels_first"}, (2, 3, 3)),
    ("ZeroPadding3D", {"padding": (1, 0, 2)}, (2, 2, 2, 1)),
    ("Cropping1D", {"cropping": (1, 2)}, (6, 2)),
    ("Cropping2D", {"cropping": ((1, 0), (0, 2))}, (4, 5, 2)),
    ("Cropping3D", {"cropping": (1, 0, 1), "data_format": "channels_first"}, (2, 3, 3, 4)),
    ("Permute", {"dims": (2, 1)}, (3, 4)),
    ("Permute", {"dims": (3, 1, 2)}, (2, 3, 4)),
    ("RepeatVector", {"n": 3}, (4,)),
]


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


def test_padding_and_cropping_by_hand():
    x = np.array([[[1.0], [2.0], [3.0]]], "float32")
    padded = layers.ZeroPadding1D((2, 1))(x)
    assert np.asarray(padded)[0, :, 0].tolist() == [0.0, 0.0, 1.0, 2.0, 3.0, 0.0]
    assert np.asarray(layers.Cropping1D((2, 1))(padded))[0, :, 0].tolist() == [1.0, 2.0, 3.0]


def test_up_sampling_by_hand():
    x = np.array([[1.0, 2.0]], "float32").reshape(1, 1, 2, 1)
    out = layers.UpSampling2D((2, 2))(x)
    assert np.asarray(out)[0, :, :, 0].tolist() == [[1.0, 1.0, 2.0, 2.0]] * 2


def test_unknown_lengths_stay_unknown():
    inputs = strata.Input(shape=(None, 3, 2))
    assert layers.UpSampling2D(2)(inputs).shape == (None, None, 6, 2)
    assert layers.ZeroPadding2D(1)(inputs).shape == (None, None, 5, 2)
    assert layers.Cropping2D(((0, 0), (1, 1)))(inputs).shape == (None, None, 1, 2)


# ---- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: layers.UpSampling2D(0), r"UpSampling2D '.*': `size`.*size=0"),
        (lambda: layers.UpSampling2D(interpolation="cubic"), r"`interpolation`.*'cubic'"),
        (lambda: layers.UpSampling3D(data_format="NDHWC"), r"`data_format`.*'NDHWC'"),
        (lambda: layers.ZeroPadding2D(-1), r"`padding` must be a non-negative int.*-1"),
        (lambda: layers.ZeroPadding1D((1, 2, 3)), r"`padding`.*\(1, 2, 3\)"),
        (lambda: layers.Cropping2D(((1, 2, 3), (0, 0))), r"`cropping` must be"),
        (lambda: layers.Permute((1, 3)), r"`dims` must be a permutation of 1 \.\. n"),
        (lambda: layers.Permute((0, 1)), r"dims=\(0, 1\)"),
        (lambda: layers.RepeatVector(0), r"RepeatVector '.*'.*`n`.*n=0"),
    ],
)
def test_bad_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_layers_without_data_format_refuse_it():
    with pytest.raises(TypeError, match=r"Cropping1D got unexpected .*data_format"):
        layers.Cropping1D(1, data_format="channels_first")
    with pytest.raises(TypeError, match=r"UpSampling1D got unexpected .*data_format"):
        layers.UpSampling1D(2, data_format="channels_first")


def test_wrong_rank_and_over_cropping():
    with pytest.raises(ValueError, match=r"\(ZeroPadding2D\) expects inputs of rank 4"):
        layers.ZeroPadding2D()(strata.Input(shape=(4, 4)))
    with pytest.raises(ValueError, match=r"\(RepeatVector\) expects inputs of rank 2"):
        layers.RepeatVector(2)(strata.Input(shape=(4, 4)))
    with pytest.raises(ValueError, match=r"'p' \(Permute\) with dims=\(2, 1\) expects .*rank 3"):
        layers.Permute((2, 1), name="p")(strata.Input(shape=(4,)))
    with pytest.raises(ValueError, match=r"crops 2 \+ 2 elements from axis 1, which has only 4"):
        layers.Cropping2D(2)(strata.Input(shape=(4, 6, 1)))
