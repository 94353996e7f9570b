"""Saving interop with Keras 3, both ways: golden files Keras wrote load in strata and predict
what Keras predicted; files strata writes load in Keras and predict the same; the configs and
weight layouts of the same model code are identical."""

import gzip
import io
import json
import os
import re
import shutil
import zipfile

import h5py
import numpy as np
import pytest

import strata
from strata import layers

GOLDEN = os.path.join(os.path.dirname(__file__), "data", "golden")
TOL = 1e-5


# ---- the same model code for both libraries ------------------------------------------------------
def sequential_lstm(lib):
    model = lib.Sequential(
        [
            lib.Input((5, 3)),
            lib.layers.LSTM(6),
            lib.layers.Dense(8, activation="relu", kernel_regularizer=lib.regularizers.L2(0.01)),
            lib.layers.Dense(3),
            lib.layers.Activation("softmax"),
        ],
        name="seq_lstm",
    )
    model.compile(lib.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    return model


def functional_zoo(lib):
    L = lib.layers
    a, b = lib.Input((6,), name="a"), lib.Input((6,), name="b")
    s = lib.Input((4, 3), name="seq")
    shared = L.Dense(5, activation="relu", name="shared")
    ha, hb = shared(a), shared(b)
    merges = (L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum)
    merged = [cls(name=cls.__name__.lower())([ha, hb]) for cls in merges]
    inner_seq = lib.Sequential(
        [lib.Input((5,)), L.Dense(4, activation="tanh"), L.Dropout(0.3)], name="inner_seq"
    )
    x_in = lib.Input((4,), name="inner_in")
    inner_fn = lib.Model(x_in, L.Dense(3, activation="sigmoid")(x_in), name="inner_fn")
    sequence, h, c = L.LSTM(4, return_sequences=True, return_state=True, name="lstm")(s)
    flat = L.Flatten(name="flatten")(sequence)
    reshaped = L.Reshape((4, 4), name="reshape")(L.Dense(16, name="to16")(flat))
    cat = L.Concatenate(name="cat")(
        [*merged, inner_fn(inner_seq(ha)), h, c, L.Flatten(name="flatten_1")(reshaped)]
    )
    probs = L.Dense(3, activation="softmax", name="probs")(cat)
    value = L.Dense(1, name="value")(L.Activation("gelu", name="gelu")(cat))
    model = lib.Model({"a": a, "b": b, "seq": s}, [probs, value], name="zoo")
    model.compile(
        lib.optimizers.SGD(0.05, momentum=0.9, nesterov=True), ["categorical_crossentropy", "mse"]
    )
    return model


def two_tower_class(lib):
    @lib.saving.register_keras_serializable(package="Golden")
    class TwoTower(lib.Model):
        def __init__(self, hidden=6, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.left = lib.layers.Dense(hidden, activation="relu")
            self.right = lib.layers.Dense(hidden, activation="tanh")
            self.merge = lib.layers.Concatenate()
            self.head = lib.layers.Dense(2)

        def call(self, x):
            return self.head(self.merge([self.left(x), self.right(x)]))

    return TwoTower


def subclassed(lib):
    model = two_tower_class(lib)(hidden=6, name="two_tower")
    model.compile(lib.optimizers.RMSprop(0.01), "mse")
    return model


def data_for(name, rng):
    if name == "sequential_lstm":
        x = rng.normal(size=(16, 5, 3)).astype("float32")
        return x, np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]
    if name == "functional_zoo":
        x = {
            "a": rng.normal(size=(16, 6)).astype("float32"),
            "b": rng.normal(size=(16, 6)).astype("float32"),
            "seq": rng.normal(size=(16, 4, 3)).astype("float32"),
        }
        y = [np.eye(3, dtype="float32")[rng.integers(0, 3, 16)], rng.normal(size=(16, 1))]
        return x, [v.astype("float32") for v in y]
    x = rng.normal(size=(16, 5)).astype("float32")
    return x, rng.normal(size=(16, 2)).astype("float32")


BUILDERS = {"sequential_lstm": sequential_lstm, "functional_zoo": functional_zoo, "subclassed": subclassed}


def as_list(outputs):
    return list(outputs) if isinstance(outputs, list | tuple) else [outputs]


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


@pytest.fixture(scope="module")
def golden(tmp_path_factory):
    """Unpack the gzipped Keras files into a folder; return ``name -> path``."""
    folder = tmp_path_factory.mktemp("golden")
    paths = {}
    for file_name in os.listdir(GOLDEN):
        source = os.path.join(GOLDEN, file_name)
        if file_name.endswith(".gz"):
            target = folder / file_name[: -len(".gz")]
            with gzip.open(source, "rb") as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            target = folder / file_name
            shutil.copy(source, target)
        paths[target.name] = str(target)
    return paths


@pytest.fixture(scope="module")
def strata_two_tower():
    return two_tower_class(strata)


def golden_inputs(golden, name):
    arrays = np.load(golden[f"{name}.npz"])
    inputs = {k[2:]: arrays[k] for k in arrays.files if k.startswith("x_")}
    outputs = [arrays[f"y_{i}"] for i in range(sum(k.startswith("y_") for k in arrays.files))]
    return (inputs["x"] if list(inputs) == ["x"] else inputs), outputs, arrays


# ---- Keras -> strata --------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sequential_lstm", "functional_zoo", "subclassed"])
def test_keras_golden_file_predicts_the_same_in_strata(golden, strata_two_tower, name):
    x, expected, _ = golden_inputs(golden, name)
    model = strata.saving.load_model(golden[f"{name}.keras"])
    assert max_diff(as_list(model.predict(x, verbose=0)), expected) <= TOL
    assert model.compiled and model.optimizer.iterations > 0


def test_keras_legacy_h5_and_weights_h5_load_in_strata(golden):
    x, expected, arrays = golden_inputs(golden, "sequential_lstm")
    legacy = strata.models.load_model(golden["sequential_lstm.h5"])
    assert max_diff([legacy.predict(x, verbose=0)], expected) <= TOL
    assert legacy.optimizer.iterations == int(arrays["iterations"])
    fresh = sequential_lstm(strata)
    fresh.build((None, 5, 3))
    fresh.load_weights(golden["sequential_lstm.weights.h5"])
    assert max_diff([fresh.predict(x, verbose=0)], expected) <= TOL
    assert fresh.optimizer.iterations == int(arrays["iterations"])
    by_order = sequential_lstm(strata)
    by_order.build((None, 5, 3))
    by_order.load_weights(golden["sequential_lstm.h5"])
    assert max_diff([by_order.predict(x, verbose=0)], expected) <= TOL


def test_training_continues_from_keras_optimizer_state(golden):
    x, _, arrays = golden_inputs(golden, "sequential_lstm")
    model = strata.models.load_model(golden["sequential_lstm.keras"])
    loss = model.train_on_batch(x[:8], arrays["train_y"])[0]
    assert abs(loss - float(arrays["next_loss"])) <= TOL
    assert max_diff([model.predict(x, verbose=0)], [arrays["next_y"]]) <= TOL


# ---- strata -> Keras --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(tmp_path_factory, strata_two_tower):
    """Each strata model trained one epoch and saved as .keras: ``name -> (model, x, path)``."""
    folder = tmp_path_factory.mktemp("strata_files")
    cache = {}

    def get(name):
        if name not in cache:
            x, y = data_for(name, np.random.default_rng(1))
            model = BUILDERS[name](strata)
            model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
            path = str(folder / f"{name}.keras")
            model.save(path)
            cache[name] = (model, x, path)
        return cache[name]

    return get


@pytest.mark.parametrize("name", ["sequential_lstm", "functional_zoo", "subclassed"])
def test_strata_file_predicts_the_same_in_keras(keras, trained, name):
    if name == "subclassed":
        two_tower_class(keras)
    model, x, path = trained(name)
    theirs = keras.saving.load_model(path)
    ours = model.predict(x, verbose=0)
    assert max_diff(as_list(theirs.predict(x, verbose=0)), as_list(ours)) <= TOL
    # The optimizer state went across: Keras's variables hold strata's values, in order.
    assert int(theirs.optimizer.iterations) == model.optimizer.iterations == 2
    keras_state = [np.asarray(v) for v in theirs.optimizer.variables]
    assert max_diff(keras_state, model.optimizer.variables) <= TOL


def test_strata_weights_h5_and_legacy_h5_load_in_keras(keras, trained, tmp_path):
    model, x, _ = trained("sequential_lstm")
    expected = model.predict(x, verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    model.save(tmp_path / "m.h5")
    theirs = keras.saving.load_model(tmp_path / "m.h5")
    assert max_diff([theirs.predict(x, verbose=0)], [expected]) <= TOL
    fresh = sequential_lstm(keras)
    fresh.build((None, 5, 3))
    fresh.optimizer.build(fresh.trainable_variables)  # Keras needs it built to load its state
    fresh.load_weights(tmp_path / "m.weights.h5")
    assert max_diff([fresh.predict(x, verbose=0)], [expected]) <= TOL
    assert int(fresh.optimizer.iterations) == model.optimizer.iterations
    ours = strata.models.load_model(tmp_path / "m.h5")
    assert max_diff([ours.predict(x, verbose=0)], [expected]) <= TOL
    assert ours.optimizer.iterations == model.optimizer.iterations


# ---- the same code gives the same file ---------------------------------------------------------
def h5_layout(data: bytes) -> dict:
    layout = {}
    with h5py.File(io.BytesIO(data), "r") as h5file:

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                layout[name] = (obj.shape, obj.dtype.str)
            else:
                # Auto-generated layer names carry process-wide counters (`dense_3`).
                name_attr = dict(obj.attrs).get("name")
                layout[name] = re.sub(r"_\d+$", "", name_attr) if name_attr else None

        h5file.visititems(visit)
    return layout


def strip_ids(config):
    """A config as JSON gives it back (tuples as lists), without `shared_object_id`s."""
    config = json.loads(json.dumps(config))
    return _strip(config)


def _strip(config):
    if isinstance(config, dict):
        return {k: _strip(v) for k, v in config.items() if k != "shared_object_id"}
    if isinstance(config, list):
        return [_strip(v) for v in config]
    return config


def test_config_and_weight_layout_match_keras_for_the_same_code(keras, tmp_path):
    files = {}
    for lib in (strata, keras):
        model = functional_zoo(lib)
        model.optimizer.build(model.trainable_weights)
        path = tmp_path / f"{lib.__name__}.keras"
        model.save(path)
        with zipfile.ZipFile(path) as archive:
            files[lib.__name__] = {
                "names": archive.namelist(),
                "compress": {i.compress_type for i in archive.infolist()},
                "config": json.loads(archive.read("config.json")),
                "layout": h5_layout(archive.read("model.weights.h5")),
            }
    ours, theirs = files["strata"], files["keras"]
    assert ours["names"] == theirs["names"] == ["metadata.json", "config.json", "model.weights.h5"]
    assert ours["compress"] == theirs["compress"] == {zipfile.ZIP_STORED}
    assert ours["layout"] == theirs["layout"]
    ours_config, theirs_config = strip_ids(ours["config"]), strip_ids(theirs["config"])
    for config in (ours_config, theirs_config):  # auto-named (`sgd`, `sgd_1`) per process
        config["compile_config"]["optimizer"]["config"].pop("name")
    assert ours_config["compile_config"] == theirs_config["compile_config"]
    assert ours_config["config"]["input_layers"] == theirs_config["config"]["input_layers"]
    assert ours_config["config"]["output_layers"] == theirs_config["config"]["output_layers"]
    for mine, keras_entry in zip(ours_config["config"]["layers"], theirs_config["config"]["layers"]):
        assert mine["class_name"] == keras_entry["class_name"]
        assert mine["module"] == keras_entry["module"]
        assert mine["name"] == keras_entry["name"]
        if mine["class_name"] not in ("Sequential", "Functional"):
            # Keras also records the default call arguments `training`/`mask` of RNNs.
            assert mine["inbound_nodes"] == [
                {**node, "kwargs": {k: v for k, v in node["kwargs"].items() if v}}
                for node in keras_entry["inbound_nodes"]
            ]
            assert mine["config"] == keras_entry["config"], mine["name"]


def test_sequential_config_matches_keras(keras):
    ours = serialize(sequential_lstm(strata))
    theirs = strip_ids(keras.saving.serialize_keras_object(sequential_lstm(keras)))
    for config in (ours, theirs):
        config["config"]["layers"][1]["config"].pop("seed", None)
        config["config"]["layers"][1]["config"]["name"] = "lstm"
        for i in (2, 3):
            config["config"]["layers"][i]["config"]["name"] = f"dense_{i}"
        config["config"]["layers"][4]["config"]["name"] = "activation"
        config["config"]["layers"][0]["config"]["name"] = "input_layer"
        config["config"]["layers"][2]["config"]["kernel_regularizer"]["config"]["l2"] = 0.01
    # Keras rounds the regularizer factor to float32 when it stores it.
    assert ours["config"] == theirs["config"]
    assert ours["module"] == theirs["module"] == "keras"


def serialize(model):
    return strip_ids(strata.saving.serialize_keras_object(model))


# ---- configs, JSON, cloning and registration -------------------------------------------------
def test_get_config_from_config_and_json_round_trip():
    model = functional_zoo(strata)
    x, _ = data_for("functional_zoo", np.random.default_rng(5))
    clone = strata.Model.from_config(model.get_config())
    assert [type(v) for v in clone.layers] == [type(v) for v in model.layers]
    clone.set_weights(model.get_weights())
    assert max_diff(as_list(clone.predict(x, verbose=0)), as_list(model.predict(x, verbose=0))) == 0
    from_json = strata.models.model_from_json(model.to_json())
    assert from_json.get_config() == model.get_config()
    assert json.loads(model.to_json())["class_name"] == "Functional"


def test_sequential_round_trips_through_json():
    model = sequential_lstm(strata)
    model.build((None, 5, 3))
    rebuilt = strata.models.model_from_json(model.to_json())
    assert isinstance(rebuilt, strata.Sequential)
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in model.weights]
    assert serialize(rebuilt)["config"] == serialize(model)["config"]


def test_clone_model_builds_new_layers_with_the_same_architecture():
    model = functional_zoo(strata)
    clone = strata.models.clone_model(model)
    assert all(a is not b for a, b in zip(clone.layers, model.layers))
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    new_inputs = {
        "a": strata.Input((6,), name="a2"),
        "b": strata.Input((6,), name="b2"),
        "seq": strata.Input((4, 3), name="s2"),
    }
    rewired = strata.models.clone_model(model, input_tensors=new_inputs)
    assert [t.history.layer.name for t in rewired.inputs] == ["a2", "b2", "s2"]
    seq = sequential_lstm(strata)
    seq_clone = strata.models.clone_model(seq)
    assert seq_clone.count_params() == seq.count_params()
    relu_clone = strata.models.clone_model(
        seq,
        clone_function=lambda layer: layers.Activation("relu")
        if isinstance(layer, layers.Activation)
        else type(layer).from_config(layer.get_config()),
    )
    assert relu_clone.layers[-1].get_config()["activation"] == "relu"


def test_registered_objects_and_custom_objects_resolve(tmp_path):
    @strata.saving.register_keras_serializable(package="Tests")
    def scaled_tanh(x):
        return 2.0 * strata.activations.tanh(x)

    class Unregistered(layers.Layer):
        def call(self, x):
            return x + 1.0

    x = strata.Input((3,))
    model = strata.Model(x, Unregistered(name="plus")(layers.Dense(2, activation=scaled_tanh)(x)))
    entry = model.get_config()["layers"][1]["config"]["activation"]
    assert entry == {
        "module": __name__,
        "class_name": "function",
        "config": "Tests>scaled_tanh",
        "registered_name": "function",
    }
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(ValueError, match=r"Could not locate class 'Unregistered'.*custom_objects"):
        strata.saving.load_model(path)
    data = np.ones((2, 3), "float32")
    loaded = strata.saving.load_model(path, custom_objects={"Unregistered": Unregistered})
    assert np.allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    with strata.saving.custom_object_scope({"Unregistered": Unregistered}):
        assert strata.saving.load_model(path).layers[-1].name == "plus"
    assert strata.saving.get_registered_object("Tests>scaled_tanh") is scaled_tanh
    assert strata.saving.get_registered_name(scaled_tanh) == "Tests>scaled_tanh"


def test_unbuilt_and_lambda_models_fail_clearly(tmp_path):
    model = strata.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="has not been built"):
        model.save_weights(tmp_path / "x.weights.h5")
    with pytest.warns(UserWarning, match="not been built"):
        model.save(tmp_path / "unbuilt.keras")
    assert strata.saving.load_model(tmp_path / "unbuilt.keras").layers[0].units == 2
    x = strata.Input((2,))
    lambda_model = strata.Model(x, layers.Dense(1, activation=lambda t: t)(x))
    with pytest.raises(ValueError, match="Cannot save the Python lambda"):
        lambda_model.save(tmp_path / "lambda.keras")
    assert not (tmp_path / "lambda.keras").exists()
    with pytest.raises(ValueError, match="Invalid filepath extension"):
        lambda_model.save(tmp_path / "model.pkl")
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        lambda_model.save_weights(tmp_path / "model.h5")
