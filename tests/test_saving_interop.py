"""Saving interop with Keras 3, both ways: golden files Keras wrote load in strata and predict
what Keras predicted; files strata writes load in Keras and predict the same; the configs and
weight layouts of the same model code are identical."""

import gzip
import importlib.util
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


# ---- the same model code for both libraries (shared with the golden-file script) ---------------
def _load_golden_script():
    path = os.path.join(os.path.dirname(__file__), "data", "make_golden_keras.py")
    spec = importlib.util.spec_from_file_location("make_golden_keras", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden_script = _load_golden_script()
MODELS = golden_script.MODELS
NAMES = list(MODELS)
sequential_lstm = golden_script.sequential_lstm
functional_zoo = golden_script.functional_zoo


def data_for(name, rng):
    return golden_script.make_data(name, rng)


def register_customs(lib):
    """The golden models' registered objects (``Golden>TwoTower``, ``Golden>halve``)."""
    golden_script.two_tower_class(lib)
    golden_script.halve_function(lib)


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
def strata_customs():
    register_customs(strata)


def golden_inputs(golden, name):
    arrays = np.load(golden[f"{name}.npz"])
    inputs = {k[2:]: arrays[k] for k in arrays.files if k.startswith("x_")}
    outputs = [arrays[f"y_{i}"] for i in range(sum(k.startswith("y_") for k in arrays.files))]
    if list(inputs) == ["x"]:
        inputs = inputs["x"]
    elif "0" in inputs:
        inputs = [inputs[str(i)] for i in range(len(inputs))]
    return inputs, outputs, arrays


# ---- Keras -> strata --------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_keras_golden_file_predicts_the_same_in_strata(golden, strata_customs, name):
    x, expected, arrays = golden_inputs(golden, name)
    model = strata.saving.load_model(golden[f"{name}.keras"])
    assert max_diff(as_list(model.predict(x, verbose=0)), expected) <= TOL
    assert model.compiled and model.optimizer.iterations == int(arrays["iterations"])


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
def trained(tmp_path_factory, strata_customs):
    """Each strata model, trained one epoch (the large ones only get their optimizer built, to
    spare a compile), saved as .keras: ``name -> (model, x, path)``."""
    folder = tmp_path_factory.mktemp("strata_files")
    cache = {}

    def get(name):
        if name not in cache:
            x, y = data_for(name, np.random.default_rng(1))
            model = MODELS[name](strata)
            if name in ("conv_vision", "sequence_attention"):
                model.predict(x, verbose=0)
                model.optimizer.build(model.trainable_weights)
            else:
                model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
            path = str(folder / f"{name}.keras")
            model.save(path)
            cache[name] = (model, x, path)
        return cache[name]

    return get


@pytest.mark.parametrize("name", NAMES)
def test_strata_file_predicts_the_same_in_keras(keras, trained, name):
    register_customs(keras)
    model, x, path = trained(name)
    theirs = keras.saving.load_model(path)
    ours = model.predict(x, verbose=0)
    assert max_diff(as_list(theirs.predict(x, verbose=0)), as_list(ours)) <= TOL
    # The optimizer state went across: Keras's variables hold strata's values, in order.
    assert int(theirs.optimizer.iterations) == model.optimizer.iterations
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
    for mine, keras_entry in zip(
        ours_config["config"]["layers"], theirs_config["config"]["layers"]
    ):
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
        clone_function=lambda layer: (
            layers.Activation("relu")
            if isinstance(layer, layers.Activation)
            else type(layer).from_config(layer.get_config())
        ),
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


# ---- tf.keras 2 legacy files ------------------------------------------------------------------
def tf_keras_2_dense(name, units, activation, batch_input_shape=None):
    config = {
        "name": name,
        "trainable": True,
        "dtype": "float32",
        "units": units,
        "activation": activation,
        "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    if batch_input_shape is not None:
        config["batch_input_shape"] = batch_input_shape
    return {"class_name": "Dense", "config": config}


def write_tf_keras_2_h5(path, model_config, layer_weights, training_config=None):
    """An .h5 laid out as tf.keras 2.x wrote it (bytes names, ``:0`` weight suffixes)."""
    with h5py.File(path, "w") as h5file:
        h5file.attrs["keras_version"] = b"2.12.0"
        h5file.attrs["backend"] = b"tensorflow"
        h5file.attrs["model_config"] = json.dumps(model_config).encode()
        if training_config is not None:
            h5file.attrs["training_config"] = json.dumps(training_config).encode()
        group = h5file.create_group("model_weights")
        group.attrs["layer_names"] = np.array([n.encode() for n in layer_weights], dtype="S")
        for name, arrays in layer_weights.items():
            layer_group = group.create_group(name)
            names = [f"{name}/{w}:0" for w in ("kernel", "bias")][: len(arrays)]
            layer_group.attrs["weight_names"] = np.array([n.encode() for n in names], dtype="S")
            for weight_name, array in zip(names, arrays):
                layer_group.create_dataset(weight_name, data=array)
        optimizer = h5file.create_group("optimizer_weights")
        optimizer.attrs["weight_names"] = np.array([b"Adam/iter:0"], dtype="S")
        optimizer.create_dataset("Adam/iter:0", data=np.int64(7))


def test_tf_keras_2_h5_models_and_weights_load(tmp_path):
    rng = np.random.default_rng(6)
    weights = {
        "dense": [rng.normal(size=(4, 5)).astype("float32"), rng.normal(size=5).astype("float32")],
        "dense_1": [
            rng.normal(size=(5, 2)).astype("float32"),
            rng.normal(size=2).astype("float32"),
        ],
    }
    x = rng.normal(size=(3, 4)).astype("float32")
    expected = np.maximum(x @ weights["dense"][0] + weights["dense"][1], 0)
    expected = expected @ weights["dense_1"][0] + weights["dense_1"][1]
    training = {
        "loss": "mse",
        "metrics": [["mae"]],
        "weighted_metrics": None,
        "loss_weights": None,
        "optimizer_config": {
            "class_name": "Adam",
            "config": {
                "name": "Adam",
                "learning_rate": 0.001,
                "decay": 0.0,
                "beta_1": 0.9,
                "beta_2": 0.999,
                "epsilon": 1e-07,
                "amsgrad": False,
                "is_legacy_optimizer": False,
                "jit_compile": True,
            },
        },
    }
    sequential = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential",
            "layers": [
                tf_keras_2_dense("dense", 5, "relu", batch_input_shape=[None, 4]),
                tf_keras_2_dense("dense_1", 2, "linear"),
            ],
        },
    }
    functional = {
        "class_name": "Model",
        "config": {
            "name": "model",
            "layers": [
                {
                    "class_name": "InputLayer",
                    "config": {
                        "batch_input_shape": [None, 4],
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": "input_1",
                    },
                    "name": "input_1",
                    "inbound_nodes": [],
                },
                {
                    **tf_keras_2_dense("dense", 5, "relu"),
                    "name": "dense",
                    "inbound_nodes": [[["input_1", 0, 0, {}]]],
                },
                {
                    **tf_keras_2_dense("dense_1", 2, "linear"),
                    "name": "dense_1",
                    "inbound_nodes": [[["dense", 0, 0, {}]]],
                },
            ],
            "input_layers": [["input_1", 0, 0]],
            "output_layers": [["dense_1", 0, 0]],
        },
    }
    for config in (sequential, functional):
        path = tmp_path / f"{config['class_name']}.h5"
        write_tf_keras_2_h5(path, config, weights, training)
        with pytest.warns(
            UserWarning, match="optimizer state of a Keras 2.12.0 file is not restored"
        ):
            model = strata.models.load_model(path)
        assert np.allclose(model.predict(x, verbose=0), expected, atol=1e-5)
        assert model.compiled and model.optimizer.learning_rate == pytest.approx(0.001)
    weights_only = tmp_path / "weights.h5"
    with h5py.File(weights_only, "w") as h5file:
        h5file.attrs["layer_names"] = np.array([b"dense", b"dense_1"], dtype="S")
        for name, arrays in weights.items():
            layer_group = h5file.create_group(name)
            names = [f"{name}/kernel:0".encode(), f"{name}/bias:0".encode()]
            layer_group.attrs["weight_names"] = np.array(names, dtype="S")
            for weight_name, array in zip(names, arrays):
                layer_group.create_dataset(weight_name.decode(), data=array)
    fresh = strata.Sequential(
        [strata.Input((4,)), layers.Dense(5, activation="relu"), layers.Dense(2)]
    )
    fresh.load_weights(weights_only)
    assert np.allclose(fresh.predict(x, verbose=0), expected, atol=1e-5)
    renamed = strata.Sequential(
        [
            strata.Input((4,)),
            layers.Dense(5, activation="relu", name="dense_1"),
            layers.Dense(2, name="dense"),
        ]
    )
    with pytest.raises(ValueError, match="has shape"):
        renamed.load_weights(weights_only, by_name=True)


def test_schedules_constraints_and_subclassed_legacy_refusal(tmp_path, strata_customs):
    schedule = strata.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.9)
    x = strata.Input((3,))
    dense = layers.Dense(2, kernel_constraint=strata.constraints.MaxNorm(2.0))
    model = strata.Model(x, dense(x))
    model.compile(strata.optimizers.Adam(schedule), "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    model.save(tmp_path / "schedule.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "schedule.keras").read("config.json"))
    rate = config["compile_config"]["optimizer"]["config"]["learning_rate"]
    assert (rate["module"], rate["class_name"]) == (
        "keras.optimizers.schedules",
        "ExponentialDecay",
    )
    restored = strata.saving.load_model(tmp_path / "schedule.keras")
    assert restored.optimizer.learning_rate == pytest.approx(model.optimizer.learning_rate)
    assert restored.optimizer.iterations == 1
    assert isinstance(restored.layers[1].kernel_constraint, strata.constraints.MaxNorm)
    tower = MODELS["subclassed"](strata)
    tower.predict(np.ones((2, 5), "float32"), verbose=0)
    with pytest.raises(ValueError, match="subclassed model.*Save it as `.keras`"):
        tower.save(tmp_path / "tower.h5")
    assert not (tmp_path / "tower.h5").exists()


def test_sequential_get_config_is_the_keras_config():
    model = sequential_lstm(strata)
    assert "layers" in model.get_config()
    rebuilt = strata.Sequential.from_config(model.get_config())
    assert serialize(rebuilt)["config"] == serialize(model)["config"]
