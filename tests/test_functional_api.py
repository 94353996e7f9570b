"""The functional API: symbolic calls, graphs, shared layers, nesting, sub-models, errors."""

import numpy as np
import pytest

import strata
from strata import layers


def test_symbolic_call_infers_shapes_and_names():
    x = strata.Input(shape=(5,), name="features")
    assert x.shape == (None, 5) and x.dtype == "float32"
    y = layers.Dense(3, name="proj")(x)
    assert y.shape == (None, 3)
    assert layers.Flatten()(strata.Input(shape=(2, 3, 4))).shape == (None, 24)
    assert layers.Reshape((-1, 2))(strata.Input(shape=(6,))).shape == (None, 3, 2)
    assert layers.concatenate([x, y]).shape == (None, 8)


def test_int_shape_and_batch_size():
    assert strata.Input(shape=10).shape == (None, 10)
    assert strata.Input(shape=(3,), batch_size=8).shape == (8, 3)
    assert strata.Input(batch_shape=(None, 2, 2)).shape == (None, 2, 2)


def test_model_structures_positional_keyword_list_and_dict():
    a = strata.Input(shape=(2,), name="a")
    b = strata.Input(shape=(3,), name="b")
    merged = layers.concatenate([a, b])
    out1 = layers.Dense(1, name="out1")(merged)
    out2 = layers.Dense(2, name="out2")(merged)
    by_list = strata.Model([a, b], [out1, out2])
    by_keyword = strata.Model(inputs={"a": a, "b": b}, outputs={"first": out1, "second": out2})
    xa, xb = np.ones((4, 2), "float32"), np.ones((4, 3), "float32")
    list_out = by_list.predict([xa, xb], verbose=0)
    dict_out = by_keyword.predict({"a": xa, "b": xb}, verbose=0)
    assert isinstance(list_out, list) and isinstance(dict_out, dict)
    np.testing.assert_allclose(list_out[0], dict_out["first"])
    np.testing.assert_allclose(list_out[1], dict_out["second"])
    assert by_list.input_names == ["a", "b"] and by_list.output_names == ["out1", "out2"]


def test_shared_layer_shares_weights():
    shared = layers.Dense(4, name="shared")
    a, b = strata.Input(shape=(3,)), strata.Input(shape=(3,))
    model = strata.Model([a, b], layers.add([shared(a), shared(b)]))
    assert len(model.weights) == 2
    assert model.count_params() == 16
    x = np.arange(6, dtype="float32").reshape(2, 3)
    out = model.predict([x, x], verbose=0)
    np.testing.assert_allclose(out, 2 * shared(x), rtol=1e-6)


def test_model_called_as_a_layer_nests_and_shares_weights():
    inner_in = strata.Input(shape=(3,))
    inner = strata.Model(inner_in, layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    outer_in = strata.Input(shape=(3,))
    hidden = inner(outer_in)
    outer = strata.Model(outer_in, layers.Dense(1)(hidden), name="outer")
    assert hidden.shape == (None, 2)
    assert inner in outer.layers
    assert outer.count_params() == 8 + 3
    x = np.ones((5, 3), "float32")
    np.testing.assert_allclose(
        outer.get_layer("inner").predict(x, verbose=0), inner.predict(x, verbose=0)
    )
    outer.compile("sgd", "mse")
    before = inner.get_weights()[0].copy()
    outer.fit(x, np.ones((5, 1)), epochs=2, verbose=0)
    assert not np.allclose(before, inner.get_weights()[0])


def test_feature_extraction_from_intermediate_output():
    inputs = strata.Input(shape=(4,))
    hidden = layers.Dense(3, activation="relu", name="hidden")(inputs)
    model = strata.Model(inputs, layers.Dense(1)(hidden))
    extractor = strata.Model(model.input, model.get_layer("hidden").output)
    x = np.random.default_rng(0).normal(size=(6, 4)).astype("float32")
    kernel, bias = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(
        extractor.predict(x, verbose=0), np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6
    )
    assert model.get_layer(index=0) is model.layers[0]


def test_model_call_on_concrete_arrays_matches_predict():
    inputs = strata.Input(shape=(3,))
    model = strata.Model(inputs, layers.Dense(2, activation="softmax")(inputs))
    x = np.random.default_rng(1).normal(size=(7, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x)), model.predict(x, verbose=0), rtol=1e-6)


def test_frozen_layer_is_not_trained():
    inputs = strata.Input(shape=(3,))
    frozen = layers.Dense(4, name="frozen")
    model = strata.Model(inputs, layers.Dense(1, name="head")(frozen(inputs)))
    frozen.trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    before = [w.copy() for w in model.get_weights()]
    model.compile("adam", "mse")
    model.fit(np.ones((8, 3)), np.zeros((8, 1)), epochs=3, verbose=0)
    after = model.get_weights()
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    assert not np.allclose(before[2], after[2])


def test_set_weights_round_trip_and_errors():
    inputs = strata.Input(shape=(2,))
    model = strata.Model(inputs, layers.Dense(2, name="d")(inputs))
    weights = [np.ones((2, 2), "float32"), np.zeros(2, "float32")]
    model.set_weights(weights)
    np.testing.assert_array_equal(model.get_weights()[0], weights[0])
    with pytest.raises(ValueError, match=r"expects 2 weight arrays .* received 1"):
        model.set_weights(weights[:1])
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*shape \(3, 2\)"):
        model.set_weights([np.ones((3, 2)), np.zeros(2)])


def test_shape_mismatch_at_layer_call_names_layer_and_shapes():
    dense = layers.Dense(2, name="dense_a")
    dense(strata.Input(shape=(4,)))
    with pytest.raises(ValueError, match=r"'dense_a'.*last dimension 4.*\(None, 5\)"):
        dense(strata.Input(shape=(5,)))
    with pytest.raises(ValueError, match=r"'cat'.*matching shapes.*\(None, 2, 3\)"):
        layers.Concatenate(name="cat")([strata.Input(shape=(2, 3)), strata.Input(shape=(4, 3))])
    with pytest.raises(ValueError, match=r"'sum'.*compatible shapes"):
        layers.Add(name="sum")([strata.Input(shape=(2,)), strata.Input(shape=(3,))])
    with pytest.raises(ValueError, match=r"Reshape.*\(5,\).*\(2, 2\)"):
        layers.Reshape((2, 2))(strata.Input(shape=(5,)))


def test_graph_disconnected_names_the_missing_input():
    a = strata.Input(shape=(2,), name="a")
    b = strata.Input(shape=(2,), name="b_missing")
    out = layers.add([a, b])
    with pytest.raises(ValueError, match=r"Graph disconnected.*'b_missing'"):
        strata.Model(a, out)


def test_keras1_keywords_and_non_symbolic_outputs_are_rejected():
    a = strata.Input(shape=(2,))
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Model"):
        strata.Model(input=a, output=a)
    with pytest.raises(TypeError, match="symbolic tensor"):
        strata.Model(a, np.ones(2))


def test_duplicate_layer_names_are_rejected():
    a = strata.Input(shape=(2,))
    x = layers.Dense(2, name="same")(a)
    with pytest.raises(ValueError, match="'same'.*more than once"):
        strata.Model(a, layers.Dense(2, name="same")(x))


def test_symbolic_tensor_has_no_values():
    # Keras raises a ValueError here too.
    with pytest.raises(ValueError, match="symbolic tensor"):
        np.asarray(strata.Input(shape=(2,)))


def test_layer_output_and_input_properties():
    a = strata.Input(shape=(2,))
    dense = layers.Dense(3)
    y = dense(a)
    assert dense.input is a and dense.output is y
    with pytest.raises(AttributeError, match="never been called"):
        _ = layers.Dense(1).output


def test_subclassed_model_trains_like_a_functional_one():
    class TwoLayer(strata.Model):
        def __init__(self):
            super().__init__(name="two_layer")
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayer()
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert len(model.trainable_weights) == 4
    assert model.predict(x, verbose=0).shape == (32, 1)


def test_calling_build_directly_marks_the_layer_built():
    layer = layers.Dense(3)
    layer.build((None, 4))
    assert layer.built and len(layer.weights) == 2
    layer(np.ones((2, 4), "float32"))
    layer.build((None, 4))
    assert len(layer.weights) == 2


def test_freezing_a_model_freezes_its_layers():
    inputs = strata.Input(shape=(3,))
    inner = layers.Dense(2, name="inner")
    model = strata.Model(inputs, inner(inputs))
    model.trainable = False
    assert not inner.trainable and model.trainable_weights == []
    model.trainable = True
    assert inner.trainable and len(model.trainable_weights) == 2
