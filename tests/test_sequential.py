"""Sequential: constructor list, add/pop, declared or lazy input shape, same engine as Functional."""

import numpy as np
import pytest

import strata
from strata import layers


def test_constructor_list_with_input():
    model = strata.Sequential([strata.Input(shape=(4,)), layers.Dense(3), layers.Dense(1)])
    assert model.built and model.count_params() == 15 + 4
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dense"]
    assert model.output_shape == (None, 1)


def test_legacy_input_dim_and_input_shape_warn_and_build():
    with pytest.warns(UserWarning, match="input_shape`/`input_dim"):
        model = strata.Sequential([layers.Dense(3, input_dim=4, activation="softmax")])
    assert model.count_params() == 15
    with pytest.warns(UserWarning, match="input_shape`/`input_dim"):
        model = strata.Sequential([layers.Dense(2, input_shape=(5,))])
    assert model.input_shape == (None, 5)


def test_add_and_pop_rebuild_the_graph():
    model = strata.Sequential()
    model.add(strata.Input(shape=(2,)))
    model.add(layers.Dense(4))
    model.add(layers.Dense(1))
    assert model.count_params() == 12 + 5
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and model.output_shape == (None, 4)
    assert model.count_params() == 12
    x = np.ones((3, 2), "float32")
    assert model.predict(x, verbose=0).shape == (3, 4)


def test_lazy_build_from_first_data_leaves_batch_unknown():
    model = strata.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    assert not model.built
    model.compile("adam", "mse")
    model.fit(np.ones((10, 3)), np.ones((10, 1)), batch_size=4, epochs=1, verbose=0)
    assert model.built and model.input_shape == (None, 3)
    assert model.predict(np.ones((7, 3)), verbose=0).shape == (7, 1)


def test_sequential_nests_in_functional_model():
    block = strata.Sequential([layers.Dense(4), layers.Dense(2)], name="block")
    inputs = strata.Input(shape=(3,))
    model = strata.Model(inputs, layers.Dense(1)(block(inputs)))
    assert block.built and model.count_params() == 16 + 10 + 3


def test_errors():
    model = strata.Sequential([layers.Dense(2, name="dup")])
    with pytest.raises(ValueError, match="'dup' is already in the model"):
        model.add(layers.Dense(2, name="dup"))
    with pytest.raises(TypeError, match="takes a Layer"):
        model.add("dense")
    with pytest.raises(ValueError, match="InputLayer must be the first layer"):
        model.add(layers.InputLayer(shape=(2,)))
    with pytest.raises(TypeError, match="no layers to pop"):
        strata.Sequential().pop()
    unbuilt = strata.Sequential([layers.Dense(1, name="d1")])
    with pytest.raises(ValueError, match="not built yet"):
        unbuilt.count_params()
