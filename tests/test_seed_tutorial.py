"""Every code cell of the seed tutorial runs with only `tensorflow.keras` replaced by `strata`."""

import io
import re
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

TUTORIAL = Path(__file__).parent / "data" / "keras-functional-api-tutorial.txt"


def _cells() -> dict[str, str]:
    """Code of each ``In [N]:`` cell (up to the first blank line followed by prose or output)."""
    text = TUTORIAL.read_text(encoding="utf-8")
    cells = {}
    for match in re.finditer(r"In \[(\d+)\]:\n(.*?)(?=\n\n\n|\nEpoch 1/|\n####|\Z)", text, re.S):
        cells[match.group(1)] = match.group(2).strip("\n")
    return cells


@pytest.fixture(scope="module")
def notebook() -> dict[str, dict]:
    """Run the cells in order in one namespace, as the notebook did; snapshot after each cell."""
    namespace: dict = {}
    snapshots = {}
    for number, code in sorted(_cells().items(), key=lambda item: int(item[0])):
        code = code.replace("tensorflow.keras", "strata")
        assert "tensorflow" not in code
        out = io.StringIO()
        with redirect_stdout(out), warnings.catch_warnings():
            # The tf.keras-2 idioms (input_dim, lr=) warn by design; their warnings are tested
            # in test_sequential.py (input_dim) and test_optimizers.py (lr=).
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", SyntaxWarning)
            exec(compile(code, f"<seed cell {number}>", "exec"), namespace)
        snapshots[number] = {**namespace, "__stdout__": out.getvalue()}
    return snapshots


def keras_agrees(model, keras, tmp_path, seed=0):
    """Keras loads the model strata built and predicts the same: same layers, activations,
    connections and weights, not just the same parameter count."""
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    theirs = keras.saving.load_model(path, compile=False)
    rng = np.random.default_rng(seed)
    x = [rng.normal(size=(3, *i.shape[1:])).astype("float32") for i in model.inputs]
    x = x[0] if len(x) == 1 else x
    np.testing.assert_allclose(
        model.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )
    assert [type(layer).__name__ for layer in model.layers] == [
        type(layer).__name__ for layer in theirs.layers
    ]


def test_tutorial_has_the_seven_cells():
    assert sorted(_cells(), key=int) == ["2", "4", "5", "6", "7", "10", "11"]


def test_cell_2_sequential_with_input_dim_is_built_at_once(notebook, keras, tmp_path):
    ns = notebook["2"]
    model = ns["model"]
    assert model.count_params() == 15
    assert [w.shape for w in model.weights] == [(4, 3), (3,)]
    keras_agrees(model, keras, tmp_path)
    probabilities = model.predict(np.ones((2, 4), "float32"), verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)  # softmax


def test_cell_4_int_shape_and_string_compile_arguments(notebook, keras, tmp_path):
    ns = notebook["4"]
    model = ns["model"]
    assert model.count_params() == 4929
    assert model.input.shape == (None, 10)
    assert type(model.optimizer).__name__ == "RMSprop"
    keras_agrees(model, keras, tmp_path)


def test_cell_5_positional_inputs_outputs(notebook, keras, tmp_path):
    ns = notebook["5"]
    assert ns["model"].count_params() == 10 * 8 + 8 + 8 * 4 + 4 + 4 + 1
    keras_agrees(ns["model"], keras, tmp_path)


def test_cell_6_regression_on_python_lists_converges_with_a_line_per_epoch(notebook):
    ns = notebook["6"]
    model = ns["linear_model"]
    history = model.history
    assert type(history).__name__ == "History"
    assert len(history.history["loss"]) == 300
    assert history.history["loss"][-1] < 2.0 < history.history["loss"][0]
    stdout = ns["__stdout__"]
    assert stdout.count("Epoch ") == 300
    assert "Epoch 300/300" in stdout
    prediction = float(model.predict([9.5], verbose=0)[0, 0])
    assert prediction == pytest.approx(102.1, abs=1.0)


def test_cell_7_logistic_regression_model(notebook, keras, tmp_path):
    ns = notebook["7"]
    model = ns["logistic_model"]
    assert model.count_params() == 4
    keras_agrees(model, keras, tmp_path)
    kernel, bias = model.get_weights()
    x = np.array([[1.0, -2.0, 0.5]], "float32")
    expected = 1 / (1 + np.exp(-(x @ kernel + bias)))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)


def test_cell_10_two_input_model_from_sub_model_inputs_and_outputs(notebook, keras, tmp_path):
    ns = notebook["10"]
    model = ns["model"]
    assert model.count_params() == 11813
    assert len(model.layers) == 10
    assert model.inputs == [ns["x"].input, ns["y"].input]
    assert model.output.shape == (None, 1)
    keras_agrees(model, keras, tmp_path)


def test_cell_11_lstm_model(notebook, keras, tmp_path):
    ns = notebook["11"]
    model = ns["model"]
    assert model.get_layer(index=1).count_params() == 480
    assert model.count_params() == 480 + 110 + 11
    keras_agrees(model, keras, tmp_path)
