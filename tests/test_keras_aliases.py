"""Keras's second names for classes strata has (``MaxPool2D``, ``glorot_uniform``, ``keras.Layer``):
the same objects as in Keras, saved under the canonical name, rejecting bad arguments the same way.
"""

import numpy as np
import pytest

import strata

LAYER_ALIASES = {
    "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D",
    "AvgPool3D": "AveragePooling3D",
    "Convolution1D": "Conv1D",
    "Convolution1DTranspose": "Conv1DTranspose",
    "Convolution2D": "Conv2D",
    "Convolution2DTranspose": "Conv2DTranspose",
    "Convolution3D": "Conv3D",
    "Convolution3DTranspose": "Conv3DTranspose",
    "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalAvgPool3D": "GlobalAveragePooling3D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D",
    "MaxPool1D": "MaxPooling1D",
    "MaxPool2D": "MaxPooling2D",
    "MaxPool3D": "MaxPooling3D",
    "SeparableConvolution1D": "SeparableConv1D",
    "SeparableConvolution2D": "SeparableConv2D",
}
INITIALIZER_ALIASES = {
    "IdentityInitializer": "Identity",
    "OrthogonalInitializer": "Orthogonal",
    "constant": "Constant",
    "glorot_normal": "GlorotNormal",
    "glorot_uniform": "GlorotUniform",
    "he_normal": "HeNormal",
    "he_uniform": "HeUniform",
    "identity": "Identity",
    "lecun_normal": "LecunNormal",
    "lecun_uniform": "LecunUniform",
    "ones": "Ones",
    "orthogonal": "Orthogonal",
    "random_normal": "RandomNormal",
    "random_uniform": "RandomUniform",
    "truncated_normal": "TruncatedNormal",
    "variance_scaling": "VarianceScaling",
    "zeros": "Zeros",
}
TOP_LEVEL = {
    "Initializer": "initializers",
    "Layer": "layers",
    "Loss": "losses",
    "Metric": "metrics",
    "Optimizer": "optimizers",
    "Regularizer": "regularizers",
}
UTILS_FROM_SAVING = [
    "CustomObjectScope",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "register_keras_serializable",
    "serialize_keras_object",
]


@pytest.mark.parametrize(
    "namespace, alias, name",
    [("layers", a, n) for a, n in LAYER_ALIASES.items()]
    + [("initializers", a, n) for a, n in INITIALIZER_ALIASES.items()],
)
def test_alias_is_the_same_class_as_in_keras(keras, namespace, alias, name):
    assert getattr(getattr(keras, namespace), alias) is getattr(getattr(keras, namespace), name)
    assert getattr(getattr(strata, namespace), alias) is getattr(getattr(strata, namespace), name)


def test_layer_alias_saves_under_the_canonical_name_as_keras(keras, tmp_path):
    model = strata.Sequential([strata.Input((8, 8, 2)), strata.layers.MaxPool2D(2)])
    keras_model = keras.Sequential([keras.Input((8, 8, 2)), keras.layers.MaxPool2D(2)])
    assert model.layers[0].get_config() == keras_model.layers[0].get_config() | {
        "name": model.layers[0].name
    }
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded.layers[0]).__name__ == "MaxPooling2D"


def test_initializer_function_form_draws_keras_numbers(keras):
    ours = strata.initializers.glorot_uniform(seed=3)((4, 5))
    theirs = keras.initializers.glorot_uniform(seed=3)((4, 5))
    np.testing.assert_allclose(np.asarray(ours), np.asarray(theirs), atol=1e-6)


def test_aliases_reject_bad_arguments_like_their_classes():
    with pytest.raises(ValueError, match="Conv2D 'c': .* expected a positive integer"):
        strata.layers.Convolution2D(filters=0, kernel_size=3, name="c")
    with pytest.raises(ValueError, match="mode"):
        strata.initializers.variance_scaling(mode="fan_sideways")


@pytest.mark.parametrize("name, namespace", TOP_LEVEL.items())
def test_base_classes_are_exported_at_the_top_as_in_keras(keras, name, namespace):
    assert getattr(keras, name) is getattr(getattr(keras, namespace), name)
    assert getattr(strata, name) is getattr(getattr(strata, namespace), name)


def test_keras_tensor_is_the_symbolic_tensor():
    assert isinstance(strata.Input((3,)), strata.KerasTensor)
    assert strata.version() == strata.__version__


@pytest.mark.parametrize("name", UTILS_FROM_SAVING)
def test_utils_reexports_the_serialization_registry_as_keras(keras, name):
    assert getattr(keras.utils, name) is getattr(keras.saving, name)
    assert getattr(strata.utils, name) is getattr(strata.saving, name)


def test_custom_object_scope_takes_keras_keyword():
    def triple(x):
        return 3 * x

    with strata.utils.custom_object_scope(custom_objects={"triple": triple}):
        assert strata.utils.get_registered_object("triple") is triple
    with pytest.raises(TypeError, match="custom_object_scope takes dicts"):
        strata.utils.custom_object_scope(custom_objects=[triple])
