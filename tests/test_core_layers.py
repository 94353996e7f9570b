"""Core, reshaping and merging layers against Keras 3, through the shared harness."""

import numpy as np
import pytest
from tests.layer_harness import check_layer

from strata import layers
from strata import models as strata_models


@pytest.mark.parametrize(
    "kwargs",
    [
        {"units": 4},
        {"units": 3, "activation": "relu"},
        {"units": 2, "activation": "softmax", "use_bias": False},
        {"units": 5, "activation": "tanh", "kernel_initializer": "he_normal"},
    ],
)
def test_dense(keras, kwargs):
    check_layer(lambda: layers.Dense(**kwargs), lambda: keras.layers.Dense(**kwargs), (6,), keras)


def test_dense_on_rank_3_inputs(keras):
    check_layer(lambda: layers.Dense(3), lambda: keras.layers.Dense(3), (4, 5), keras)


@pytest.mark.parametrize(
    "activation",
    ["relu", "sigmoid", "softmax", "tanh", "gelu", "leaky_relu", "hard_sigmoid", "selu"],
)
def test_activation(keras, activation):
    check_layer(
        lambda: layers.Activation(activation),
        lambda: keras.layers.Activation(activation),
        (5,),
        keras,
    )


def test_flatten_and_reshape(keras):
    check_layer(layers.Flatten, keras.layers.Flatten, (2, 3, 4), keras)
    check_layer(
        lambda: layers.Reshape((3, -1)), lambda: keras.layers.Reshape((3, -1)), (6, 2), keras
    )


def test_dropout_at_inference_is_identity(keras):
    check_layer(lambda: layers.Dropout(0.4), lambda: keras.layers.Dropout(0.4), (7,), keras)


@pytest.mark.parametrize("name", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"])
def test_elementwise_merges(keras, name):
    count = 2 if name == "Subtract" else 3
    check_layer(
        lambda: getattr(layers, name)(),
        lambda: getattr(keras.layers, name)(),
        [(4,)] * count,
        keras,
    )


@pytest.mark.parametrize("axis", [-1, 1])
def test_concatenate(keras, axis):
    shapes = [(2, 3), (2, 5)] if axis == -1 else [(2, 3), (4, 3)]
    check_layer(
        lambda: layers.Concatenate(axis=axis),
        lambda: keras.layers.Concatenate(axis=axis),
        shapes,
        keras,
    )


def test_functional_merge_forms_match_classes():
    a = np.ones((2, 3), "float32")
    b = np.full((2, 3), 2.0, "float32")
    assert np.asarray(layers.add([a, b])).tolist() == [[3.0] * 3] * 2
    assert np.asarray(layers.subtract([a, b])).tolist() == [[-1.0] * 3] * 2
    assert np.asarray(layers.multiply([a, b])).tolist() == [[2.0] * 3] * 2
    assert np.asarray(layers.average([a, b])).tolist() == [[1.5] * 3] * 2
    assert np.asarray(layers.maximum([a, b])).tolist() == [[2.0] * 3] * 2
    assert np.asarray(layers.minimum([a, b])).tolist() == [[1.0] * 3] * 2
    assert np.asarray(layers.concatenate([a, b], axis=0)).shape == (4, 3)


def test_merge_errors():
    with pytest.raises(ValueError, match="exactly 2 inputs; received 3"):
        layers.Subtract(name="s")([np.ones((1, 2))] * 3)
    with pytest.raises(ValueError, match="must be called on a list"):
        layers.Add()(np.ones((1, 2)))


def test_eager_calls_keep_only_the_latest_added_losses(keras):
    x = np.ones((3, 4), "float32")
    dense = layers.Dense(2, activity_regularizer="l2")
    k_dense = keras.layers.Dense(2, activity_regularizer="l2")
    for layer in (dense, k_dense):
        layer(x)
        layer(x)
    assert len(dense.losses) == len(k_dense.losses) == 1

    class AddsItsSum(layers.Layer):
        def call(self, inputs):
            self.add_loss(inputs.sum())
            return inputs

    outer = strata_models.Sequential([layers.Input((4,)), AddsItsSum(), AddsItsSum()])
    outer.layers[0](x)
    outer.layers[0](2 * x)
    assert [float(v) for v in outer.layers[0].losses] == [24.0]
