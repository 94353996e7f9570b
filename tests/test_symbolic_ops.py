"""Ops and Python operators on symbolic tensors, against Keras 3: shapes, dtypes, op nodes,
predictions, training, summaries and `.keras` files both ways."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strata
from strata import ops
from strata.state.variable import Variable
from strata.utils.naming import reset_names

# (description, build(lib, x, k, b)): x float32 (None, 4), k int32 (None, 4), b bool (None, 4).
CASES = [
    ("x * 2.0 + 1.0", lambda L, x, k, b: x * 2.0 + 1.0),
    ("reflected", lambda L, x, k, b: 1.0 - x / 2.0 + 3.0 * x),
    ("2 ** x", lambda L, x, k, b: 2.0**x),
    ("floor/mod", lambda L, x, k, b: (k // 2) % 3),
    ("int / int", lambda L, x, k, b: k / 2),
    ("int * float", lambda L, x, k, b: k * 2.0),
    ("int + int", lambda L, x, k, b: k + 1),
    ("mixed", lambda L, x, k, b: x / k),
    ("matmul", lambda L, x, k, b: x @ np.ones((4, 2), "float32")),
    ("abs neg", lambda L, x, k, b: abs(-x)),
    ("logical", lambda L, x, k, b: ~((b & b) | (b ^ b))),
    ("int &", lambda L, x, k, b: k & k),
    ("compare", lambda L, x, k, b: (x < 1.0) | (x >= 2.0) | (x != 0.5) | (x > x) | (x <= 0)),
    ("sum", lambda L, x, k, b: L.ops.sum(x, axis=-1, keepdims=True)),
    ("sum bool", lambda L, x, k, b: L.ops.sum(b, axis=-1)),
    ("mean int", lambda L, x, k, b: L.ops.mean(k, axis=-1)),
    ("concatenate", lambda L, x, k, b: L.ops.concatenate([x, x * 2.0], axis=-1)),
    ("slice", lambda L, x, k, b: x[:, 1:3]),
    ("index", lambda L, x, k, b: x[:, -1]),
    ("strided", lambda L, x, k, b: x[..., ::-2]),
    ("ellipsis newaxis", lambda L, x, k, b: x[..., None, 1:]),
    ("reshape method", lambda L, x, k, b: x.reshape((-1, 2, 2))),
    ("squeeze method", lambda L, x, k, b: x[:, :1].squeeze(axis=-1)),
    ("argmax", lambda L, x, k, b: L.ops.argmax(x, axis=-1)),
    ("softmax", lambda L, x, k, b: L.ops.nn.softmax(x)),
    ("cast", lambda L, x, k, b: L.ops.cast(x, "float16") * 2.0),
    ("where", lambda L, x, k, b: L.ops.where(b, x, 0.0)),
    ("transpose expand", lambda L, x, k, b: L.ops.transpose(L.ops.expand_dims(x, 1), (0, 2, 1))),
    ("einsum", lambda L, x, k, b: L.ops.einsum("bi,bj->bij", x, x)),
    ("take", lambda L, x, k, b: L.ops.take(x, np.array([0, 2]), axis=1)),
    ("split", lambda L, x, k, b: L.ops.split(x, 2, axis=1)[1]),
    ("top_k", lambda L, x, k, b: L.ops.top_k(x, 2)[1]),
    ("clip", lambda L, x, k, b: L.ops.clip(x, 0.0, 1.0)),
    ("one_hot", lambda L, x, k, b: L.ops.one_hot(k, 5)),
]


# Keras cannot run its own symbolic `norm` with an axis (a list reaches `jit` as a static
# argument), so this case compares shapes only.
SHAPE_ONLY = [("norm", lambda L, x, k, b: L.ops.linalg.norm(x, axis=-1))]


def _inputs(lib):
    return (
        lib.Input((4,), name="x"),
        lib.Input((4,), dtype="int32", name="k"),
        lib.Input((4,), dtype="bool", name="b"),
    )


@pytest.mark.parametrize(
    "build", [c[1] for c in CASES + SHAPE_ONLY], ids=[c[0] for c in CASES + SHAPE_ONLY]
)
def test_shapes_and_dtypes_match_keras(keras, build):
    ours = build(strata, *_inputs(strata))
    theirs = build(keras, *_inputs(keras))
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype == theirs.dtype


def _data(rng):
    return {
        "x": rng.normal(size=(6, 4)).astype("float32"),
        "k": rng.integers(1, 5, size=(6, 4)).astype("int32"),
        "b": rng.random((6, 4)) > 0.5,
    }


@pytest.mark.parametrize("build", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_models_of_ops_predict_as_keras(keras, rng, build):
    data = _data(rng)
    results = []
    for lib in (strata, keras):
        inputs = _inputs(lib)
        out = lib.ops.cast(build(lib, *inputs), "float32")
        model = lib.Model(list(inputs), out)
        results.append(np.asarray(model.predict(data, verbose=0)))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-5)


def _mixed_model(lib):
    x = lib.Input((4,), name="x")
    h = lib.layers.Dense(3, name="d1")(x * 2.0 + 1.0)
    h = lib.ops.concatenate([h, lib.ops.sum(x, axis=-1, keepdims=True)], axis=-1)
    h = -h[:, 1:]
    return lib.Model(x, lib.layers.Dense(1, name="d2")(lib.ops.nn.relu(h)))


def test_op_nodes_appear_in_the_summary_as_in_keras(keras):
    texts = []
    for lib in (strata, keras):
        reset_names()
        model = _mixed_model(lib)
        lines = []
        model.summary(print_fn=lambda line, *a, _lines=lines, **k: _lines.append(line))
        texts.append("\n".join(lines))
    assert "multiply (Multiply)" in texts[0]
    assert "get_item (GetItem)" in texts[0]
    assert texts[0] == texts[1]


def test_op_nodes_are_operations_not_layers_as_in_keras(keras):
    reset_names()
    model = _mixed_model(strata)
    reset_names()
    keras_model = _mixed_model(keras)
    for attr in ("layers", "operations"):
        ours = [type(layer).__name__ for layer in getattr(model, attr)]
        assert ours == [type(layer).__name__ for layer in getattr(keras_model, attr)]
    with pytest.raises(ValueError, match="No such layer: 'multiply'"):
        model.get_layer("multiply")
    ours = {layer.name: layer.get_config() for layer in model.operations}
    assert ours["sum"] == {"name": "sum", "axis": -1, "keepdims": True}
    assert ours["get_item"] == {"name": "get_item"}


def test_a_model_of_ops_trains(rng):
    model = _mixed_model(strata)
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(64, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_strata_file_with_op_nodes_predicts_the_same_in_keras(keras, rng, tmp_path):
    model = _mixed_model(strata)
    model.compile(optimizer="adam", loss="mse")
    x = rng.normal(size=(8, 4)).astype("float32")
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    model.save(tmp_path / "ops.keras")
    theirs = keras.saving.load_model(tmp_path / "ops.keras")
    assert [type(op).__name__ for op in theirs.operations][1:3] == ["Multiply", "Add"]
    np.testing.assert_allclose(theirs.predict(x, verbose=0), model.predict(x, verbose=0), 1e-5)


def test_keras_file_with_op_nodes_predicts_the_same_in_strata(keras, rng, tmp_path):
    model = _mixed_model(keras)
    model.save(tmp_path / "ops.keras")
    ours = strata.saving.load_model(tmp_path / "ops.keras")
    assert [type(op).__name__ for op in ours.operations] == [
        type(op).__name__ for op in model.operations
    ]
    x = rng.normal(size=(8, 4)).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), model.predict(x, verbose=0), 1e-5)


def test_every_recorded_op_loads_back_in_keras(keras, rng, tmp_path):
    """Each case's node class and configuration is one Keras can rebuild and run."""
    data = _data(rng)
    inputs = _inputs(strata)
    outs = [ops.cast(build(strata, *inputs), "float32") for _, build in CASES]
    model = strata.Model(list(inputs), outs)
    model.save(tmp_path / "all.keras")
    theirs = keras.saving.load_model(tmp_path / "all.keras")
    for ours, other in zip(model.predict(data, verbose=0), theirs.predict(data, verbose=0)):
        np.testing.assert_allclose(ours, other, rtol=1e-5, atol=1e-5)


def test_keras_ops_submodules_are_mirrored(keras):
    assert ops.nn.relu is ops.relu and ops.numpy.sum is ops.sum and ops.linalg.norm is ops.norm
    for name in ("nn", "numpy", "linalg", "image"):
        ours = set(getattr(ops, name).__all__)
        assert ours <= set(dir(getattr(keras.ops, name))), sorted(
            ours - set(dir(getattr(keras.ops, name)))
        )


def test_image_resize_matches_keras(keras, rng):
    images = rng.random((2, 5, 7, 3)).astype("float32")
    for interpolation in ("nearest", "bilinear", "bicubic"):
        ours = ops.image.resize(images, (3, 4), interpolation=interpolation)
        theirs = keras.ops.image.resize(images, (3, 4), interpolation=interpolation)
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
    x = strata.Input((8, 8, 3))
    assert ops.image.resize(x, (4, 4)).shape == (None, 4, 4, 3)
    with pytest.raises(ValueError, match="`interpolation` must be one of"):
        ops.image.resize(images, (3, 4), interpolation="area")
    with pytest.raises(ValueError, match="`crop_to_aspect_ratio`"):
        ops.image.resize(images, (3, 4), crop_to_aspect_ratio=True)


def test_symbolic_tensor_has_keras_attributes(keras):
    x = strata.Input((4,), name="x")
    assert strata.KerasTensor is type(x)
    assert (x.shape, x.dtype, x.ndim, x.name, x.sparse, x.ragged) == (
        (None, 4),
        "float32",
        2,
        "x",
        False,
        False,
    )
    assert getattr(x, "_keras_mask", None) is None
    history = x._keras_history
    assert history.operation is history.layer
    assert (history.node_index, history.tensor_index) == (0, 0)
    assert +x is x
    assert (x == x) is True and (x == 1) is False  # identity, as Keras's `==`


def test_reading_values_of_a_symbolic_tensor_fails_clearly():
    x = strata.Input((4,))
    with pytest.raises(AttributeError, match="no values"):
        x.numpy()
    assert not hasattr(x, "numpy")
    with pytest.raises(TypeError, match="cannot be used as a boolean"):
        bool(x)
    with pytest.raises(NotImplementedError, match="iterated"):
        list(x)
    with pytest.raises(ValueError, match="NumPy array"):
        np.asarray(x)
    with pytest.raises(ValueError, match="float"):
        float(x)


def test_bad_op_arguments_on_symbolic_tensors_fail_clearly():
    x = strata.Input((4,))
    with pytest.raises(ValueError, match=r"`sum` cannot be applied .*\(None, 4\).*axis=5"):
        ops.sum(x, axis=5)
    with pytest.raises(ValueError, match="out of bounds"):
        x[:, 7]
    with pytest.raises(ValueError, match="Too many indices|too many indices"):
        x[0, 0, 0]
    with pytest.raises(ValueError, match="`add` cannot be applied"):
        x + np.ones(3)
    with pytest.raises(TypeError, match="`sum`: got an unexpected keyword argument 'axes'"):
        ops.sum(x, axes=1)


def test_sparse_and_tensor_arguments_of_input():
    with pytest.raises(ValueError, match="`sparse=True` is not supported"):
        strata.Input((3,), sparse=True)
    with pytest.raises(ValueError, match="`input_tensor` .* must be a symbolic tensor"):
        strata.Input(tensor=np.ones((2, 3)))
    x = strata.Input((3,))
    hidden = strata.layers.Dense(2)(x)
    wrapped = strata.Input(tensor=hidden)
    assert wrapped is hidden
    assert type(wrapped._keras_history.operation).__name__ == "InputLayer"
    model = strata.Model(wrapped, wrapped * 3.0)
    np.testing.assert_allclose(model.predict(np.ones((1, 2)), verbose=0), [[3.0, 3.0]])


def test_ops_still_run_on_arrays_and_variables():
    assert float(ops.sum(np.ones((2, 3)))) == 6.0
    assert ops.add(Variable(np.ones((2,), "float32")), 1.0).tolist() == [2.0, 2.0]
    # A key read back from a file is a list; it indexes as the tuple it was.
    assert ops.get_item(np.arange(6).reshape(2, 3), [slice(None), 1]).tolist() == [1, 4]


# ---- indexing: any key NumPy accepts on a (batch, 5, 6) array ---------------------------------
def _axis_key(size):
    return st.one_of(
        st.integers(-size, size - 1),
        st.builds(
            slice,
            st.none() | st.integers(-size - 2, size + 2),
            st.none() | st.integers(-size - 2, size + 2),
            st.none() | st.sampled_from([-3, -2, -1, 1, 2, 3]),
        ),
    )


@st.composite
def _keys(draw):
    parts = [slice(None)]
    for size in (5, 6):
        if draw(st.booleans()):
            parts.append(None)
        parts.append(draw(_axis_key(size)))
    if draw(st.booleans()):
        cut = draw(st.integers(1, len(parts)))
        parts = parts[:cut] + [Ellipsis]
    return tuple(parts)


@settings(max_examples=30, deadline=None)
@given(key=_keys())
def test_indexing_shapes_and_values_match_numpy(key):
    x = strata.Input((5, 6))
    out = x[key]
    data = np.arange(3 * 5 * 6, dtype="float32").reshape(3, 5, 6)
    expected = data[key]
    assert out.shape == (None, *expected.shape[1:])
    assert out.dtype == "float32"
    values = ops.get_item(data, key)
    np.testing.assert_array_equal(values, expected)


def test_plot_model_draws_op_nodes_as_keras_does():
    # Keras draws a functional model's `operations`: op nodes get boxes and edges of their own.
    import xml.etree.ElementTree as ET

    reset_names()
    model = _mixed_model(strata)
    plot = strata.utils.plot_model(model, to_file=None, show_shapes=True)
    groups = [g for g in ET.fromstring(plot.svg).iter() if g.tag.endswith("}g")]
    boxes = {g.get("id") for g in groups if g.get("class") == "node"}
    edges = {g.get("id") for g in groups if g.get("class") == "edge"}
    assert boxes == {op.name for op in model.operations}
    assert {"x->multiply", "multiply->add", "get_item->negative"} <= edges


def test_numpy_values_on_the_left_defer_to_the_symbolic_tensor():
    x = strata.Input((4,))
    assert (np.float32(2.0) * x).shape == (None, 4)
    assert (np.ones((2, 4), "float32") @ ops.transpose(x)).shape == (2, None)


def _control_flow(lib, x):
    return [
        lib.ops.map(lambda row: row * 2.0, x),
        lib.ops.vectorized_map(lambda row: lib.ops.sum(row), x),
        lib.ops.fori_loop(0, 3, lambda i, value: value + 1.0, x),
        lib.ops.scan(lambda carry, row: (carry + row, carry * 2.0), lib.ops.zeros((4,)), x)[1],
    ]


def test_control_flow_ops_on_symbolic_tensors_match_keras(keras, rng):
    data = rng.normal(size=(3, 4)).astype("float32")
    results = []
    for lib in (strata, keras):
        x = lib.Input((4,))
        outs = _control_flow(lib, x)
        results.append(
            ([tuple(o.shape) for o in outs], lib.Model(x, outs).predict(data, verbose=0))
        )
    assert results[0][0] == results[1][0]
    for ours, theirs in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_a_lambda_inside_an_op_node_is_not_saved():
    x = strata.Input((4,))
    model = strata.Model(x, ops.map(lambda row: row * 2.0, x))
    with pytest.raises(ValueError, match="Cannot save the Python lambda"):
        model.to_json()


_DTYPES = ["bool", "int8", "uint8", "int16", "int32", "float16", "bfloat16", "float32"]


@settings(max_examples=40, deadline=None)
@given(
    op=st.sampled_from(["add", "subtract", "multiply", "true_divide", "maximum", "power"]),
    dtypes=st.tuples(st.sampled_from(_DTYPES), st.sampled_from(_DTYPES)).filter(
        lambda pair: pair != ("bool", "bool")  # Keras keeps bool where JAX promotes or refuses
    ),
)
def test_binary_op_dtypes_match_keras(op, dtypes):
    import keras

    found = []
    for lib in (strata, keras):
        x1, x2 = (lib.Input((3,), dtype=dtype) for dtype in dtypes)
        found.append(getattr(lib.ops, op)(x1, x2).dtype)
    assert found[0] == found[1]


@pytest.mark.parametrize("op", ["floor", "ceil", "sqrt", "exp", "mean", "sum", "argmax", "abs"])
@pytest.mark.parametrize("dtype", ["int8", "int32", "float16", "float32"])
def test_unary_op_dtypes_match_keras(keras, op, dtype):
    ours = getattr(ops, op)(strata.Input((3,), dtype=dtype)).dtype
    assert ours == getattr(keras.ops, op)(keras.Input((3,), dtype=dtype)).dtype


def test_two_ops_cannot_claim_one_keras_class_name():
    from strata.ops._dispatch import keras_op

    with pytest.raises(ValueError, match="Two ops claim the Keras class name 'Add'"):

        @keras_op("keras.src.ops.numpy")
        def add(x1, x2):
            return x1


def test_keras_tensor_constructor_arguments():
    tensor = strata.KerasTensor((None, 2), "int32", name="t")
    assert (tensor.shape, tensor.dtype, tensor.name, tensor._keras_history) == (
        (None, 2),
        "int32",
        "t",
        None,
    )
    with pytest.raises(ValueError, match="sparse and ragged tensors are not supported"):
        strata.KerasTensor((None, 2), sparse=True)
    with pytest.raises(ValueError, match="`record_history=False` is not supported"):
        strata.KerasTensor((None, 2), record_history=False)


def test_clone_model_and_json_keep_the_op_nodes(rng):
    model = _mixed_model(strata)
    clone = strata.models.clone_model(model)
    clone.set_weights(model.get_weights())
    x = rng.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(clone.predict(x, verbose=0), model.predict(x, verbose=0), 1e-6)
    rebuilt = strata.models.model_from_json(model.to_json())
    kinds = [type(op).__name__ for op in model.operations]
    assert [type(op).__name__ for op in clone.operations] == kinds
    assert [type(op).__name__ for op in rebuilt.operations] == kinds
