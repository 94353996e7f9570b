"""Loading is safe by construction: every crafted file below is refused with a clear ValueError
before anything is built, and truncated or corrupted files never escape as raw errors."""

import base64
import copy
import json
import marshal
import os
import random
import re
import subprocess
import sys
import warnings
import zipfile

import h5py
import numpy as np
import pytest

import strata
from strata import layers
from strata.saving import archive as archive_lib

# ---- a small model, and tools to craft files from it ----------------------------------------


def small_model():
    x = strata.Input((3,), name="x")
    hidden = layers.Dense(4, activation="relu", name="hidden")(x)
    model = strata.Model(x, layers.Dense(2, name="out")(hidden), name="small")
    model.compile("adam", "mse")
    return model


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A saved small model: its parts, and the paths of its .keras/.weights.h5/.h5 files."""
    folder = tmp_path_factory.mktemp("base")
    model = small_model()
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=1, verbose=0)
    paths = {ext: str(folder / f"small{ext}") for ext in (".keras", ".weights.h5", ".h5")}
    model.save(paths[".keras"])
    model.save_weights(paths[".weights.h5"])
    model.save(paths[".h5"])
    contents = archive_lib.read(paths[".keras"])
    return {"model": model, "paths": paths, "config": contents.config, "weights": contents.weights}


def write_keras(path, config, weights, members=()):
    """A .keras zip with this config and weights (and extra raw members)."""
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate-name attack
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.15.1"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", weights)
        for info, data in members:
            archive.writestr(info, data)
    return str(path)


def tensor(layer, node=0, index=0, shape=(None, 4)):
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": list(shape), "dtype": "float32", "keras_history": [layer, node, index]},
    }


def with_layer_between(config, entry):
    """Insert `entry` between layers `hidden` and `out` of the small model's config."""
    config = copy.deepcopy(config)
    layer_list = config["config"]["layers"]
    entry = {
        "name": entry["config"]["name"],
        "inbound_nodes": [{"args": [tensor("hidden")], "kwargs": {}}],
        **entry,
    }
    out = next(e for e in layer_list if e["name"] == "out")
    out["inbound_nodes"] = [{"args": [tensor(entry["name"])], "kwargs": {}}]
    layer_list.insert(layer_list.index(out), entry)
    return config


def lambda_entry(function, name="evil"):
    return {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {"name": name, "trainable": True, "dtype": "float32", "function": function},
        "registered_name": None,
    }


def serialized_lambda(fn):
    closure = [cell.cell_contents for cell in fn.__closure__] if fn.__closure__ else None
    code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
    return {
        "class_name": "__lambda__",
        "config": {"code": code, "defaults": None, "closure": closure},
    }


def marker_lambda(marker):
    """A lambda that leaves a file behind when it runs (so a test can see whether it ran)."""
    return lambda t: (open(marker, "w").close(), t)[1]


# ---- safe mode: serialized bytecode ----------------------------------------------------------
def test_lambda_bytecode_is_refused_unless_the_caller_opts_out(base, tmp_path):
    marker = str(tmp_path / "code-ran")
    config = with_layer_between(
        base["config"], lambda_entry(serialized_lambda(marker_lambda(marker)))
    )
    path = write_keras(tmp_path / "lambda.keras", config, base["weights"])
    for kwargs in ({}, {"safe_mode": True}, {"custom_objects": {"Lambda": layers.Lambda}}):
        with pytest.raises(ValueError, match=r"Lambda.*Python lambda.*safe_mode=False"):
            strata.saving.load_model(path, **kwargs)
    assert not os.path.exists(marker)
    # A metadata or config flag cannot turn safe mode off: only the caller's argument can.
    config["safe_mode"] = False
    config["config"]["safe_mode"] = False
    sneaky = write_keras(tmp_path / "sneaky.keras", config, base["weights"])
    with pytest.raises(ValueError, match="safe_mode=False"):
        strata.saving.load_model(sneaky)
    assert not os.path.exists(marker)
    model = strata.saving.load_model(path, safe_mode=False)
    assert os.path.exists(marker)  # the unsafe path really runs the file's code
    assert model.predict(np.ones((1, 3)), verbose=0).shape == (1, 2)


def test_keras_written_lambda_is_refused(keras, tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: t * 2)])
    path = str(tmp_path / "keras_lambda.keras")
    model.save(path)
    with pytest.raises(ValueError, match="Python lambda"):
        strata.saving.load_model(path)
    loaded = strata.saving.load_model(path, safe_mode=False)
    assert loaded.predict(np.ones((1, 2)), verbose=0).tolist() == [[2.0, 2.0]]


def test_legacy_h5_honours_safe_mode(base, tmp_path):
    marker = str(tmp_path / "code-ran")
    config = with_layer_between(
        base["config"], lambda_entry(serialized_lambda(marker_lambda(marker)))
    )
    path = str(tmp_path / "lambda.h5")
    with h5py.File(base["paths"][".h5"], "r") as src, h5py.File(path, "w") as dst:
        for key in src:
            src.copy(key, dst)
        for key, value in src.attrs.items():
            dst.attrs[key] = value
        legacy = {"class_name": config["class_name"], "config": config["config"]}
        dst.attrs["model_config"] = json.dumps(legacy)
    with pytest.raises(ValueError, match="Python lambda"):
        strata.saving.load_model(path)
    assert not os.path.exists(marker)


# ---- only registered names resolve -------------------------------------------------------------
GADGETS = [
    ("os", "system"),
    ("builtins", "exec"),
    ("builtins", "eval"),
    ("subprocess", "Popen"),
    ("keras.utils", "get_file"),
    ("keras.models", "load_model"),
    ("keras.saving", "load_model"),
    ("keras.src.saving.saving_lib", "load_model"),
    ("keras.config", "enable_unsafe_deserialization"),
    ("strata.saving", "load_model"),
    ("keras.layers", "TFSMLayer"),
    ("keras.layers", "TorchModuleWrapper"),
    ("keras.src.utils.file_utils", "File"),
]


@pytest.mark.parametrize("module, name", GADGETS)
def test_classes_and_functions_outside_the_registry_are_refused(base, tmp_path, module, name):
    as_class = {
        "module": module,
        "class_name": name,
        "config": {"name": "gadget", "filepath": "/etc/passwd", "vocabulary": "/etc/passwd"},
        "registered_name": None,
    }
    as_function = {
        "module": module,
        "class_name": "function",
        "config": name,
        "registered_name": "function",
    }
    as_activation = copy.deepcopy(base["config"])
    as_activation["config"]["layers"][1]["config"]["activation"] = as_function
    as_call_argument = copy.deepcopy(base["config"])
    as_call_argument["config"]["layers"][2]["inbound_nodes"][0]["kwargs"]["fn"] = as_function
    as_loss = copy.deepcopy(base["config"])
    as_loss["compile_config"]["loss"] = as_function
    crafted = {
        "layer": with_layer_between(base["config"], as_class),
        "lambda function": with_layer_between(base["config"], lambda_entry(as_function)),
        "activation": as_activation,
        "call argument": as_call_argument,
        "loss": as_loss,
    }
    for where, config in crafted.items():
        path = write_keras(tmp_path / f"{where}.keras", config, base["weights"])
        with pytest.raises(ValueError, match=rf"Could not locate (class|function) '{name}'") as err:
            strata.saving.load_model(path)
        assert "never imports" in str(err.value), where


def test_refusal_comes_before_any_object_is_built(base, tmp_path):
    built = []

    @strata.saving.register_keras_serializable(package="SafetyTest")
    class Recorder(layers.Layer):
        def __init__(self, **kwargs):
            built.append(kwargs.get("name"))
            super().__init__(**kwargs)

        def call(self, x):
            return x

    config = with_layer_between(
        base["config"],
        {
            "module": None,
            "class_name": "Recorder",
            "config": {"name": "recorder"},
            "registered_name": "SafetyTest>Recorder",
        },
    )
    fine = write_keras(tmp_path / "fine.keras", config, base["weights"])
    assert strata.saving.load_model(fine).get_layer("recorder") is not None
    built.clear()
    config["config"]["layers"][-1]["config"]["activation"] = {
        "module": "os",
        "class_name": "function",
        "config": "system",
        "registered_name": "function",
    }
    evil = write_keras(tmp_path / "evil.keras", config, base["weights"])
    with pytest.raises(ValueError, match="Could not locate function 'system'"):
        strata.saving.load_model(evil)
    assert built == []


def test_model_from_json_and_from_config_use_the_same_checks(base):
    config = with_layer_between(
        base["config"],
        {"module": "os", "class_name": "system", "config": {"name": "x"}, "registered_name": None},
    )
    with pytest.raises(ValueError, match="Could not locate class 'system'"):
        strata.models.model_from_json(json.dumps(config))
    with pytest.raises(ValueError, match="Could not locate class 'system'"):
        strata.Model.from_config(config["config"])
    with pytest.raises(ValueError, match="Could not locate function 'get_file'"):
        strata.saving.deserialize_keras_object(
            {
                "module": "keras.utils",
                "class_name": "function",
                "config": "get_file",
                "registered_name": "function",
            }
        )


def test_vocabulary_paths_are_never_read(base, tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root\nadmin\n")
    entry = {
        "module": "keras.layers",
        "class_name": "StringLookup",
        "config": {"name": "lookup", "vocabulary": str(secret)},
        "registered_name": None,
    }
    path = write_keras(
        tmp_path / "vocab.keras", with_layer_between(base["config"], entry), base["weights"]
    )
    with pytest.raises(ValueError, match="does not read vocabulary files"):
        strata.saving.load_model(path)


def test_object_arrays_in_configs_are_refused(base, tmp_path):
    config = copy.deepcopy(base["config"])
    config["config"]["layers"][1]["config"]["kernel_initializer"] = {
        "class_name": "__numpy__",
        "config": {"value": [1], "dtype": "object"},
    }
    path = write_keras(tmp_path / "object.keras", config, base["weights"])
    with pytest.raises(ValueError, match="must be numeric"):
        strata.saving.load_model(path)


OPENED_FILES = """
import json, sys
import strata
path = sys.argv[1]
strata.saving.load_model(path)  # once, so that imports and compiling happen before recording
opened = []
sys.addaudithook(lambda event, args: opened.append(args[0]) if event == "open" else None)
strata.saving.load_model(path)
cache = strata.config.compilation_cache_dir() or "<no cache>"
print(json.dumps([p for p in opened if isinstance(p, str) and not p.startswith(cache)]))
"""


def test_loading_opens_no_file_but_the_one_named(base):
    # An audit hook cannot be removed (PEP 578), so it is installed in a child process.
    src = os.path.join(os.path.dirname(__file__), os.pardir, "src")
    done = subprocess.run(
        [sys.executable, "-c", OPENED_FILES, base["paths"][".keras"]],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": src},
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    opened = json.loads(done.stdout.strip().splitlines()[-1])
    # JAX may read its compiled-program cache (strata's own folder, not named by the file).
    assert {p for p in opened if os.path.isabs(p) and "site-packages" not in p} == {
        base["paths"][".keras"]
    }


# ---- HDF5: links, external data, size bombs ---------------------------------------------------
@pytest.fixture
def secret(tmp_path):
    """A file an attacker would like to read into weights, and an HDF5 file pointing at it."""
    raw = tmp_path / "secret.bin"
    raw.write_bytes(np.arange(8, dtype="float32").tobytes())
    h5_path = tmp_path / "secret.h5"
    with h5py.File(h5_path, "w") as h5file:
        h5file["data"] = np.arange(8, dtype="float32").reshape(2, 4)
    return {"raw": str(raw), "h5": str(h5_path)}


def craft_weights(base, tmp_path, name, change):
    path = str(tmp_path / name)
    with open(base["paths"][".weights.h5"], "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    with h5py.File(path, "a") as h5file:
        change(h5file)
    return path


def replace(target, make):
    def change(h5file):
        del h5file[target]
        make(h5file, target)

    return change


HDF5_ATTACKS = {
    "external link": (
        lambda s: replace(
            "layers/dense_1/vars/0",
            lambda f, t: f.__setitem__(t, h5py.ExternalLink(s["h5"], "/data")),
        ),
        "external link",
    ),
    "soft link": (
        lambda s: replace(
            "layers/dense_1/vars/0",
            lambda f, t: f.__setitem__(t, h5py.SoftLink("/layers/dense/vars/0")),
        ),
        "SoftLink",
    ),
    "external storage": (
        lambda s: replace(
            "layers/dense_1/vars/1",
            lambda f, t: f.create_dataset(
                t, shape=(2,), dtype="float32", external=[(s["raw"], 0, 8)]
            ),
        ),
        "external file",
    ),
    "virtual dataset": (
        lambda s: replace(
            "layers/dense_1/vars/0",
            lambda f, t: f.create_virtual_dataset(t, _virtual_layout(s["h5"])),
        ),
        "virtual dataset",
    ),
    "unused external link": (
        lambda s: lambda f: f.__setitem__("junk", h5py.ExternalLink(s["h5"], "/data")),
        "external link",
    ),
}


def _virtual_layout(source_file):
    layout = h5py.VirtualLayout(shape=(2, 4), dtype="float32")
    layout[:] = h5py.VirtualSource(source_file, "data", shape=(2, 4))
    return layout


@pytest.mark.parametrize("attack", list(HDF5_ATTACKS))
def test_hdf5_links_and_external_data_are_refused(base, tmp_path, secret, attack):
    make_change, message = HDF5_ATTACKS[attack]
    path = craft_weights(base, tmp_path, "crafted.weights.h5", make_change(secret))
    model = small_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match=message):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    with open(path, "rb") as handle:
        keras_path = write_keras(tmp_path / "crafted.keras", base["config"], handle.read())
    with pytest.raises(ValueError, match=message):
        strata.saving.load_model(keras_path)


@pytest.mark.parametrize(
    "shape, message",
    [
        ((1 << 20, 1 << 12), "more than the 4294967296-byte limit"),  # 16 GiB declared, sparse
        ((1 << 14, 1 << 14), "shape bomb"),  # 1 GiB declared, nothing stored
        ((3, 40), r"has shape \(3, 4\), but the file holds shape \(3, 40\)"),
    ],
)
def test_shape_bombs_are_refused_before_allocation(base, tmp_path, shape, message):
    def change(h5file):
        del h5file["layers/dense/vars/0"]
        h5file.create_dataset("layers/dense/vars/0", shape=shape, dtype="float32", chunks=True)

    path = craft_weights(base, tmp_path, "bomb.weights.h5", change)
    with pytest.raises(ValueError, match=message):
        small_model().load_weights(path)


# ---- zip: traversal, links, bombs ----------------------------------------------------------------
def zip_member(name, *, symlink=False, deflate=False):
    info = zipfile.ZipInfo(name)
    if symlink:
        info.external_attr = 0o120777 << 16
    if deflate:
        info.compress_type = zipfile.ZIP_DEFLATED
    return info


@pytest.mark.parametrize(
    "member, data, message",
    [
        (zip_member("../escape.txt"), b"x", r"absolute or parent \('\.\.'\) path"),
        (zip_member("assets/../../escape.txt"), b"x", r"parent \('\.\.'\) path"),
        (zip_member("/etc/cron.d/evil"), b"x", "absolute"),
        (zip_member("assets/link", symlink=True), b"/etc/passwd", "symbolic link"),
        (zip_member("assets/bomb.bin", deflate=True), bytes(32 << 20), "zip bomb"),
        (zip_member("config.json"), b"{}", "two members named"),
    ],
)
def test_unsafe_zip_members_are_refused(base, tmp_path, member, data, message):
    path = write_keras(tmp_path / "zip.keras", base["config"], base["weights"], [(member, data)])
    with pytest.raises(ValueError, match=message):
        strata.saving.load_model(path)
    assert not (tmp_path.parent / "escape.txt").exists()


def test_oversized_config_is_refused(base, tmp_path):
    path = str(tmp_path / "huge.keras")
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", b" " * ((64 << 20) + 1))
        archive.writestr("model.weights.h5", base["weights"])
    with pytest.raises(ValueError, match="config.json` declares"):
        strata.saving.load_model(path)


# ---- wrong, truncated and corrupted files -------------------------------------------------------
def test_wrong_formats_fail_with_the_file_named(base, tmp_path):
    text = tmp_path / "notes.keras"
    text.write_text("not a model")
    cases = {
        str(text): "is not a valid .keras file: it is not a zip",
        str(tmp_path / "missing.keras"): "File not found",
        base["paths"][".weights.h5"]: "holds no model config",
        str(tmp_path / "empty.keras"): "is not a valid .keras file",
    }
    (tmp_path / "empty.keras").write_bytes(b"")
    no_config = tmp_path / "no_config.keras"
    with zipfile.ZipFile(no_config, "w") as archive:
        archive.writestr("model.weights.h5", base["weights"])
    cases[str(no_config)] = "has no `config.json`"
    bad_json = write_keras(tmp_path / "bad_json.keras", {}, base["weights"])
    with zipfile.ZipFile(tmp_path / "bad_json2.keras", "w") as archive:
        archive.writestr("config.json", "{not json")
        archive.writestr("model.weights.h5", base["weights"])
    cases[str(tmp_path / "bad_json2.keras")] = "is not valid JSON"
    cases[bad_json] = "does not describe a model"
    other = tmp_path / "model.pkl"
    other.write_bytes(b"\x80\x04K\x01.")
    cases[str(other)] = "File format not supported"
    for path, message in cases.items():
        with pytest.raises(ValueError, match=message) as err:
            strata.saving.load_model(path)
        assert path in str(err.value)
    with pytest.raises(ValueError, match=r"has shape \(5, 3\), but the file holds shape \(3, 4\)"):
        strata.Sequential([strata.Input((5,)), layers.Dense(3, name="hidden")]).load_weights(
            base["paths"][".weights.h5"]
        )
    deeper = strata.Sequential(
        [strata.Input((3,)), layers.Dense(4), layers.Dense(2), layers.Dense(2)]
    )
    with pytest.raises(ValueError, match=r"no weights for layer .* 'layers/dense_2/vars'"):
        deeper.load_weights(base["paths"][".weights.h5"])


def mutations(data: bytes, seed: int, count: int):
    """Truncations (every length class) and byte flips, deterministically."""
    rng = random.Random(seed)
    for i in range(count):
        mutated = bytearray(data)
        if i % 3 == 0:
            mutated = mutated[: rng.randrange(len(mutated))]
        else:
            for _ in range(rng.randint(1, 6)):
                position = rng.randrange(len(mutated))
                mutated[position] ^= 1 << rng.randrange(8)
        yield bytes(mutated)


@pytest.mark.parametrize("ext", [".keras", ".weights.h5", ".h5"])
@pytest.mark.filterwarnings("ignore:.*optimizer.*:UserWarning")
def test_fuzzed_files_fail_cleanly(base, tmp_path, ext):
    with open(base["paths"][ext], "rb") as handle:
        data = handle.read()
    model = small_model()
    model.build((None, 3))
    outcomes = {"ok": 0, "ValueError": 0}
    for i, mutated in enumerate(mutations(data, seed=len(ext), count=60)):
        path = str(tmp_path / f"fuzz{i}{ext}")
        with open(path, "wb") as handle:
            handle.write(mutated)
        try:
            if ext == ".weights.h5":
                model.load_weights(path)
            else:
                strata.saving.load_model(path)
            outcomes["ok"] += 1
        except ValueError as err:
            assert path in str(err), str(err)
            outcomes["ValueError"] += 1
    assert outcomes["ValueError"] >= 20, outcomes


def test_a_failed_load_leaves_the_model_unchanged(base, tmp_path):
    def change(h5file):
        del h5file["layers/dense_1/vars/1"]
        h5file["layers/dense_1/vars/1"] = np.zeros((5,), "float32")

    path = craft_weights(base, tmp_path, "half.weights.h5", change)
    model = small_model()
    before = model.get_weights()
    with pytest.raises(ValueError, match="has shape"):
        model.load_weights(path)
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_a_config_asking_for_huge_weights_is_refused_before_allocation(base, tmp_path):
    config = copy.deepcopy(base["config"])
    hidden = next(e for e in config["config"]["layers"] if e["name"] == "hidden")
    hidden["config"]["units"] = 10**9  # 3 * 10**9 floats: 12 GB for a file of a few KB
    path = write_keras(tmp_path / "huge_units.keras", config, base["weights"])
    with pytest.raises(ValueError, match=r"asks for more weights than the file holds.*'hidden'"):
        strata.saving.load_model(path)


@pytest.mark.parametrize("module", ["some_module", "__main__", "my_package.activations"])
def test_a_function_of_an_unknown_module_is_refused_naming_the_module(base, tmp_path, module):
    config = copy.deepcopy(base["config"])
    layer = config["config"]["layers"][1]["config"]
    layer["activation"] = {
        "module": module,
        "class_name": "function",
        "config": "relu",
        "registered_name": "function",
    }
    path = write_keras(tmp_path / "unknown.keras", config, base["weights"])
    message = rf"Could not locate function 'relu' of module '{re.escape(module)}'.*never imports"
    with pytest.raises(ValueError, match=message):
        strata.saving.load_model(path)


def test_a_function_of_an_unknown_module_loads_once_registered(base, tmp_path):
    def relu(x):
        return strata.ops.relu(x) * 2.0

    config = copy.deepcopy(base["config"])
    config["config"]["layers"][1]["config"]["activation"] = {
        "module": "some_module",
        "class_name": "function",
        "config": "relu",
        "registered_name": "function",
    }
    path = write_keras(tmp_path / "mine.keras", config, base["weights"])
    model = strata.saving.load_model(path, custom_objects={"relu": relu})
    assert model.get_layer(index=1).activation is relu


@pytest.mark.parametrize("module", ["builtins", "keras.activations", "keras.src.activations"])
def test_functions_as_keras_writes_them_still_load(keras, tmp_path, module):
    k_model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2, activation=keras.activations.relu)]
    )
    k_model.compile(loss=keras.losses.mean_squared_error)
    k_model.save(tmp_path / "k.keras")
    contents = archive_lib.read(str(tmp_path / "k.keras"))
    config = copy.deepcopy(contents.config)
    assert config["compile_config"]["loss"]["module"] == "builtins"  # Keras's own form
    config["config"]["layers"][1]["config"]["activation"] = {
        "module": module,
        "class_name": "function",
        "config": "relu",
        "registered_name": "function",
    }
    path = write_keras(tmp_path / "k2.keras", config, contents.weights)
    model = strata.saving.load_model(path)
    x = np.linspace(-1, 1, 6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0), k_model.predict(x, verbose=0), 1e-6)
