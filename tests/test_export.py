"""`model.export` and `ExportArchive`: artefacts that serve without strata and agree with predict.

The JAX artefact is loaded by a subprocess in which strata cannot be imported (only `jax` and
`numpy`), using the loader printed in `strata.export.jax_format`'s docs. The ONNX file runs in
ONNX Runtime. Both are run at batch sizes other than any seen at export (dynamic batch).
"""

import json
import os
import subprocess
import sys

import jax
import numpy as np
import pytest

import strata
from strata import layers as L
from strata.export import ExportArchive

LOADER = """
import sys
sys.modules["strata"] = None  # the artefact must not need strata
import json, jax, numpy as np
from jax import export

def load(path, endpoint="serve"):
    with open(f"{path}/{endpoint}.jax", "rb") as f:
        exported = export.deserialize(bytearray(f.read()))
    with np.load(f"{path}/weights.npz") as w:
        weights = [w[f"w{i}"] for i in range(len(w.files))]
    return lambda *inputs: exported.call(weights, *inputs)

# Each job: an artefact, an endpoint, a file of inputs and a file for the outputs.
for path, endpoint, inputs, output in json.loads(sys.argv[1]):
    with np.load(inputs) as data:
        args = [data[f"x{i}"] for i in range(len(data.files))]
    result = load(path, endpoint)(*args)
    np.savez(output, *[np.asarray(r) for r in jax.tree_util.tree_leaves(result)])
"""


def _seeded(build):
    strata.utils.set_random_seed(1)
    return build()


def _dense():
    return strata.Sequential([L.Input((5,)), L.Dense(4, activation="relu"), L.Dense(2)])


def _conv():
    x = L.Input((8, 8, 3))
    h = L.Conv2D(4, 3, padding="same", activation="relu")(x)
    h = L.BatchNormalization()(h)
    h = L.MaxPooling2D()(h)
    h = L.DepthwiseConv2D(3, padding="same")(h)
    h = L.AveragePooling2D(2)(h)
    h = L.MaxPooling2D(3, strides=1, padding="same")(h)
    return strata.Model(x, L.Dense(3, activation="softmax")(L.GlobalAveragePooling2D()(h)))


def _recurrent():
    x = L.Input((6, 4))
    h = L.LSTM(5, return_sequences=True)(x)
    return strata.Model(x, L.GRU(3)(h))


def _attention():
    x = L.Input((5, 8))
    h = L.MultiHeadAttention(2, 4)(x, x)
    return strata.Model(x, L.LayerNormalization()(h))


def _two_inputs():
    a, b = L.Input((3,), name="a"), L.Input((2,), name="b")
    return strata.Model({"a": a, "b": b}, L.Dense(2)(L.Concatenate()([a, b])))


MODELS = {
    "dense": (_dense, [(5,)]),
    "conv": (_conv, [(8, 8, 3)]),
    "recurrent": (_recurrent, [(6, 4)]),
    "attention": (_attention, [(5, 8)]),
}


def _inputs(shapes, batch, rng):
    return [rng.normal(size=(batch, *shape)).astype("float32") for shape in shapes]


def _train_a_little(model, shapes, rng):
    """A few steps, so BatchNormalization's moving statistics are no longer their defaults."""
    model.compile("adam", "mse")
    x = _inputs(shapes, 16, rng)
    y = np.asarray(model.predict(x[0], verbose=0))
    model.fit(x[0], y + 1, epochs=1, batch_size=8, verbose=0)


def _run_loader(tmp_path, jobs):
    """Outputs of ``(artefact, endpoint, inputs)`` jobs, all run by one subprocess that has only
    jax and numpy (one process start for many artefacts keeps the test fast)."""
    listed = []
    for n, (artefact, endpoint, inputs) in enumerate(jobs):
        np.savez(tmp_path / f"in{n}.npz", **{f"x{i}": x for i, x in enumerate(inputs)})
        listed.append(
            [str(artefact), endpoint, str(tmp_path / f"in{n}.npz"), str(tmp_path / f"out{n}.npz")]
        )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run(
        [sys.executable, "-c", LOADER, json.dumps(listed)],
        check=True,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
    )
    results = []
    for n in range(len(jobs)):
        with np.load(tmp_path / f"out{n}.npz") as out:
            results.append([out[f"arr_{i}"] for i in range(len(out.files))])
    return results


def test_jax_artefacts_run_without_strata(tmp_path, rng):
    jobs, expected = [], []
    for name, (build, shapes) in sorted(MODELS.items()):
        model = _seeded(build)
        _train_a_little(model, shapes, rng)
        model.export(tmp_path / name, format="jax", verbose=False)
        described = json.loads((tmp_path / name / "signature.json").read_text())
        assert described["endpoints"]["serve"]["inputs"][0]["shape"] == [None, *shapes[0]]
        for batch in (1, 7):
            x = _inputs(shapes, batch, rng)
            jobs.append((tmp_path / name, "serve", x))
            expected.append(model.predict(x[0], verbose=0))
    two = _seeded(_two_inputs)
    two.export(tmp_path / "two", format="jax", verbose=False)
    described = json.loads((tmp_path / "two" / "signature.json").read_text())
    assert [i["name"] for i in described["endpoints"]["serve"]["inputs"]] == ["a", "b"]
    a, b = _inputs([(3,)], 4, rng)[0], _inputs([(2,)], 4, rng)[0]
    jobs.append((tmp_path / "two", "serve", [a, b]))
    expected.append(two.predict({"a": a, "b": b}, verbose=0))
    for (got,), want in zip(_run_loader(tmp_path, jobs), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_onnx_agrees_with_predict(tmp_path, rng, name):
    pytest.importorskip("jax2onnx", reason="optional dependency jax2onnx: the strata[onnx] extra")
    ort = pytest.importorskip(
        "onnxruntime", reason="optional dependency onnxruntime: runs the ONNX file"
    )
    build, shapes = MODELS[name]
    model = _seeded(build)
    _train_a_little(model, shapes, rng)
    model.export(tmp_path / "model.onnx", format="onnx", verbose=False)
    session = ort.InferenceSession(str(tmp_path / "model.onnx"))
    for batch in (1, 5):
        (x,) = _inputs(shapes, batch, rng)
        (got,) = session.run(None, {session.get_inputs()[0].name: x})
        np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_export_prints_where_it_wrote(tmp_path, capsys):
    _dense().export(tmp_path / "served", format="jax")
    assert capsys.readouterr().out == f"Saved artifact at '{tmp_path / 'served'}'.\n"


def test_export_archive_endpoints_and_collections(tmp_path, rng, capsys):
    model = _seeded(_dense)
    extra = strata.Sequential([L.Input((2,)), L.Dense(1)])
    archive = ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serve",
        lambda x: model(x, training=False),
        input_signature=[jax.ShapeDtypeStruct((None, 5), "float32")],
    )
    archive.track_and_add_endpoint(
        "head", extra, input_signature=[jax.ShapeDtypeStruct((None, 2), "float32")]
    )
    archive.add_variable_collection("head_weights", extra.weights)
    archive.write_out(tmp_path / "archive")
    assert "Saved artifact at" in capsys.readouterr().out
    x, h = _inputs([(5,)], 3, rng), _inputs([(2,)], 2, rng)
    (served,), (head,) = _run_loader(
        tmp_path, [(tmp_path / "archive", "serve", x), (tmp_path / "archive", "head", h)]
    )
    np.testing.assert_allclose(served, model.predict(x[0], verbose=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(head, extra.predict(h[0], verbose=0), rtol=1e-5, atol=1e-6)
    described = json.loads((tmp_path / "archive" / "signature.json").read_text())
    with np.load(tmp_path / "archive" / "weights.npz") as weights:
        stored = [weights[f"w{i}"] for i in described["variable_collections"]["head_weights"]]
    for a, b in zip(stored, extra.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


class BatchAsPythonInt(L.Layer):
    """Reads the batch size as a Python int, which a dynamic-batch export cannot do."""

    def call(self, x):
        return x.reshape((int(x.shape[0]), -1))


class Eigenvalues(L.Layer):
    """An eigen-decomposition, which jax2onnx cannot convert beyond 2 x 2."""

    def call(self, x):
        return jax.numpy.linalg.eigh(x @ jax.numpy.swapaxes(x, -1, -2))[0]


def test_failed_jax_export_names_the_layer_and_leaves_nothing(tmp_path):
    x = L.Input((2, 3))
    model = strata.Model(x, BatchAsPythonInt(name="flatten_by_int")(x))
    (tmp_path / "served").mkdir()
    (tmp_path / "served" / "signature.json").write_text("an earlier artefact")
    with pytest.raises(
        ValueError,
        match=r"could not export endpoint 'serve' in layer "
        r"'flatten_by_int' \(BatchAsPythonInt\)",
    ):
        model.export(tmp_path / "served", format="jax", verbose=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["served"]
    assert (tmp_path / "served" / "signature.json").read_text() == "an earlier artefact"


def test_export_replaces_an_artefact_but_not_another_folder(tmp_path, capsys):
    model = _dense()
    model.export(tmp_path / "served", format="jax", verbose=False)
    model.export(tmp_path / "served", format="jax", verbose=False)
    assert sorted(os.listdir(tmp_path)) == ["served"]
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.png").write_bytes(b"")
    with pytest.raises(ValueError, match="does not hold an exported artefact; it is not replaced"):
        model.export(tmp_path / "photos", format="jax")
    assert os.listdir(tmp_path / "photos") == ["cat.png"]


def test_failed_onnx_export_names_the_op_and_leaves_nothing(tmp_path):
    pytest.importorskip("jax2onnx", reason="optional dependency jax2onnx: the strata[onnx] extra")
    x = L.Input((3, 3))
    model = strata.Model(x, Eigenvalues()(x))
    with pytest.raises(ValueError, match=r"could not export the model to ONNX: .*eigh"):
        model.export(tmp_path / "model.onnx", format="onnx", verbose=False)
    assert list(tmp_path.iterdir()) == []


def test_subclassed_model_needs_a_signature(tmp_path, rng):
    class Twice(strata.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(2)

        def call(self, x):
            return 2 * self.dense(x)

    model = Twice()
    x = rng.normal(size=(3, 4)).astype("float32")
    model(x)
    with pytest.raises(ValueError, match="has no symbolic inputs .* Pass `input_signature="):
        model.export(tmp_path / "served", format="jax")
    model.export(
        tmp_path / "served",
        format="jax",
        verbose=False,
        input_signature=[jax.ShapeDtypeStruct((None, 4), "float32")],
    )
    ((got,),) = _run_loader(tmp_path, [(tmp_path / "served", "serve", [x])])
    np.testing.assert_allclose(got, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"format": "tflite"}, "unknown format='tflite'; supported formats are"),
        ({}, "format='tf_saved_model' writes a TensorFlow SavedModel"),
        ({"format": "jax", "input_signature": "x"}, "`input_signature` must be a non-empty list"),
        ({"format": "jax", "input_signature": [3]}, "needs a `shape` and a `dtype`"),
        ({"format": "jax", "opset_version": 17}, "unexpected arguments \\['opset_version'\\]"),
    ],
)
def test_bad_export_arguments(tmp_path, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        _dense().export(tmp_path / "x", **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_bad_archive_use(tmp_path):
    archive = ExportArchive()
    with pytest.raises(ValueError, match="expected a strata Layer or Model; received int"):
        archive.track(3)
    with pytest.raises(ValueError, match="layer 'later' is not built yet"):
        archive.track(L.Dense(2, name="later"))
    with pytest.raises(ValueError, match="needs an `input_signature`"):
        archive.add_endpoint("serve", lambda x: x)
    with pytest.raises(ValueError, match="`name` must be a Python identifier"):
        archive.add_endpoint("a b", lambda x: x, [jax.ShapeDtypeStruct((1,), "float32")])
    with pytest.raises(ValueError, match="no endpoints"):
        archive.write_out(tmp_path / "x")
    with pytest.raises(ValueError, match="`options` .* does not apply"):
        archive.write_out(tmp_path / "x", options=object())
