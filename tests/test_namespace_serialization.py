"""`serialize`/`deserialize` (and `get`) in every namespace Keras gives them: strata's dicts
equal Keras's key by key, and `deserialize` accepts what Keras writes."""

import numpy as np
import pytest

import strata

NAMESPACES = [
    "layers",
    "losses",
    "metrics",
    "optimizers",
    "optimizers.schedules",
    "activations",
    "initializers",
    "regularizers",
    "constraints",
]

# namespace -> builds one object the same way in either library
OBJECTS = {
    "dense": ("layers", lambda lib: lib.layers.Dense(3, activation="relu", name="d")),
    "built_dense": ("layers", lambda lib: built(lib.layers.Dense(2, name="b"), (None, 4))),
    "dropout": ("layers", lambda lib: lib.layers.Dropout(0.3, name="drop")),
    "mse": ("losses", lambda lib: lib.losses.MeanSquaredError()),
    "crossentropy": (
        "losses",
        lambda lib: lib.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.25),
    ),
    "loss_function": ("losses", lambda lib: lib.losses.mean_squared_error),
    "accuracy": ("metrics", lambda lib: lib.metrics.Accuracy()),
    "mean": ("metrics", lambda lib: lib.metrics.Mean(name="m")),
    "adam": ("optimizers", lambda lib: lib.optimizers.Adam(learning_rate=0.5, name="adam")),
    "sgd": ("optimizers", lambda lib: lib.optimizers.SGD(momentum=0.5, name="sgd")),
    "exponential_decay": (
        "optimizers.schedules",
        lambda lib: lib.optimizers.schedules.ExponentialDecay(0.5, 10, 0.25),
    ),
    "relu": ("activations", lambda lib: lib.activations.relu),
    "ones": ("initializers", lambda lib: lib.initializers.Ones()),
    "glorot": ("initializers", lambda lib: lib.initializers.GlorotUniform(seed=3)),
    "l1": ("regularizers", lambda lib: lib.regularizers.L1(0.5)),
    "l1_l2": ("regularizers", lambda lib: lib.regularizers.L1L2(l1=0.25, l2=0.5)),
    "non_neg": ("constraints", lambda lib: lib.constraints.NonNeg()),
    "max_norm": ("constraints", lambda lib: lib.constraints.MaxNorm(max_value=3.0, axis=1)),
}


def built(layer, shape):
    layer.build(shape)
    return layer


def namespace(lib, name):
    module = lib
    for part in name.split("."):
        module = getattr(module, part)
    return module


def assert_same(ours, theirs, where="config"):
    """Equal structures; floats equal up to float32 rounding (Keras stores some as float32).
    The order of a dict's keys is not compared (JSON objects are unordered)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        assert sorted(ours) == sorted(theirs), f"{where}: keys {list(ours)} != {list(theirs)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list | tuple):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-6), where
    else:
        assert ours == theirs, where


@pytest.mark.parametrize("name", NAMESPACES)
def test_every_keras_namespace_has_serialize_and_deserialize(name, keras):
    ours, theirs = namespace(strata, name), namespace(keras, name)
    for function in ("serialize", "deserialize", "get"):
        assert hasattr(ours, function) == hasattr(theirs, function), function


@pytest.mark.parametrize("case", sorted(OBJECTS))
def test_serialize_gives_kerass_dict(case, keras):
    kind, make = OBJECTS[case]
    ours = namespace(strata, kind).serialize(make(strata))
    theirs = namespace(keras, kind).serialize(make(keras))
    assert_same(ours, theirs)


@pytest.mark.parametrize("case", sorted(OBJECTS))
def test_deserialize_reads_kerass_dict(case, keras):
    kind, make = OBJECTS[case]
    keras_config = namespace(keras, kind).serialize(make(keras))
    restored = namespace(strata, kind).deserialize(keras_config)
    ours = make(strata)
    if callable(ours) and not hasattr(ours, "get_config"):
        assert restored is ours
        return
    assert type(restored) is type(ours)
    assert_same(restored.get_config(), ours.get_config())


def test_layers_deserialize_builds_the_layer_from_its_build_config(keras):
    config = keras.layers.serialize(built(keras.layers.Dense(2, name="b"), (None, 4)))
    layer = strata.layers.deserialize(config)
    assert layer.built and layer.kernel.shape == (4, 2)


@pytest.mark.parametrize(
    "kind, name, expected",
    [
        ("activations", "relu", "relu"),
        ("losses", "mean_squared_error", None),
        ("initializers", "ones", "Ones"),
        ("regularizers", "l2", "L2"),
        ("constraints", "non_neg", "NonNeg"),
        ("optimizers", "adam", "Adam"),
        ("metrics", "accuracy", None),
    ],
)
def test_deserialize_accepts_names(kind, name, expected):
    obj = namespace(strata, kind).deserialize(name)
    if expected == "relu":
        assert obj is strata.activations.relu
    elif expected is not None:
        assert type(obj).__name__ == expected
    else:
        assert obj is not None


def test_deserialize_resolves_registered_custom_objects(keras):
    @strata.saving.register_keras_serializable(package="NsTest")
    class Twice(strata.layers.Layer):
        def call(self, x):
            return 2 * x

    config = strata.layers.serialize(Twice(name="twice"))
    assert config["registered_name"] == "NsTest>Twice"
    restored = strata.layers.deserialize(config)
    assert type(restored) is Twice
    assert float(restored(np.ones((1, 1)))[0, 0]) == 2.0
    local = {"class_name": "Local", "config": {"name": "local"}}

    class Local(strata.layers.Layer):
        def call(self, x):
            return x

    assert type(strata.layers.deserialize(local, custom_objects={"Local": Local})) is Local


def test_layers_deserialize_rejects_what_is_not_a_layer_config():
    with pytest.raises(ValueError, match=r"expected a dict with 'class_name' and 'config'"):
        strata.layers.deserialize("Dense")
    with pytest.raises(ValueError, match=r"not a layer"):
        strata.layers.deserialize(strata.initializers.serialize(strata.initializers.Ones()))
    with pytest.raises(ValueError, match=r"Nope"):
        strata.layers.deserialize({"class_name": "Nope", "config": {}})


def test_regularizers_serialize_rejects_an_object_without_config():
    with pytest.raises(TypeError, match=r"Cannot serialize"):
        strata.regularizers.serialize(object())
