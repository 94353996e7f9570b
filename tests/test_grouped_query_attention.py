"""`GroupedQueryAttention` against Keras 3: the shared checks (outputs, gradients, fit, config),
masks (padding, carried, causal, sliding window, explicit), scores, dropout, saving, errors."""

import warnings

import numpy as np
import pytest
from tests.stateful_layer_harness import check_stateful_layer

import strata
from strata import layers
from strata.layers.attention.grouped_query_attention import (
    GroupedQueryAttention,
    GroupQueryAttention,
)


@pytest.fixture(scope="module")
def keras():
    """Keras, cleared once per module: `clear_session` per test costs more than these tests."""
    import keras as keras_module

    assert keras_module.backend.backend() == "jax"
    keras_module.utils.clear_session(free_memory=False)
    return keras_module


def _inner(path):  # the path below the layer's (automatically numbered) name
    return path.split("/", 1)[1]


@pytest.mark.parametrize(
    ("kwargs", "shapes"),
    [
        # Self-attention, multi-query (one key/value head).
        ({"head_dim": 3, "num_query_heads": 2, "num_key_value_heads": 1}, [(4, 5), (4, 5)]),
        # Cross-attention with a separate key, no biases, gated.
        (
            {
                "head_dim": 2,
                "num_query_heads": 4,
                "num_key_value_heads": 2,
                "use_bias": False,
                "use_gate": True,
            },
            [(4, 5), (6, 5), (6, 7)],
        ),
    ],
)
def test_grouped_query_attention_matches_keras(keras, kwargs, shapes):
    layer, k_layer = check_stateful_layer(
        lambda: GroupedQueryAttention(**kwargs),
        lambda: keras.layers.GroupQueryAttention(**kwargs),
        shapes,
        keras,
        style="positional",
    )
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in k_layer.weights]
    assert [_inner(w.path) for w in layer.weights] == [_inner(w.path) for w in k_layer.weights]


def _pair(keras, sliding_window=None, **kwargs):
    args = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2, **kwargs}
    k_layer = keras.layers.GroupQueryAttention(sliding_window=sliding_window, **args)
    layer = GroupedQueryAttention(sliding_window=sliding_window, **args)
    q, v = np.zeros((1, 4, 5), "float32"), np.zeros((1, 6, 5), "float32")
    k_layer(q, v)
    layer(q, v)
    layer.set_weights(k_layer.get_weights())
    return layer, k_layer


def _sequences(rng):
    q = rng.normal(size=(3, 4, 5)).astype("float32")
    v = rng.normal(size=(3, 6, 5)).astype("float32")
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], bool)
    # The second sequence is all padding: Keras gives its rows zero weights when it computes
    # the scores explicitly and equal weights in its fused kernel; strata follows both.
    v_mask = np.array([[1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
    return q, v, q_mask, v_mask


@pytest.mark.parametrize("scores", [False, True])
def test_grouped_query_attention_masks_match_keras(keras, rng, scores):
    q, v, q_mask, v_mask = _sequences(rng)
    key = rng.normal(size=(3, 6, 5)).astype("float32")
    attention_mask = rng.random((3, 4, 6)) > 0.3
    layer, k_layer = _pair(keras)
    cases = [
        {},
        {"use_causal_mask": True},
        {"attention_mask": attention_mask},
        {"query_mask": q_mask, "value_mask": v_mask},
        {"key": key, "key_mask": v_mask[::-1], "use_causal_mask": True},
        {"attention_mask": attention_mask[:1], "use_causal_mask": True, "value_mask": v_mask},
    ]
    for kwargs in cases:
        ours = layer(q, v, return_attention_scores=scores, **kwargs)
        theirs = k_layer(q, v, return_attention_scores=scores, **kwargs)
        if scores:
            assert ours[1].shape == (3, 4, 4, 6)
            np.testing.assert_allclose(ours[1], theirs[1], atol=1e-6)
            ours, theirs = ours[0], theirs[0]
        np.testing.assert_allclose(ours, theirs, atol=1e-5, err_msg=str(list(kwargs)))

    window, k_window = _pair(keras, sliding_window=2)
    for kwargs in ({}, {"use_causal_mask": True, "value_mask": v_mask}):
        out = window(q, v, return_attention_scores=scores, **kwargs)
        k_out = k_window(q, v, return_attention_scores=scores, **kwargs)
        for a, b in zip(out if scores else [out], k_out if scores else [k_out]):
            np.testing.assert_allclose(a, b, atol=1e-5)


def test_grouped_query_attention_carried_masks_match_keras(keras, rng):
    q, v, q_mask, v_mask = _sequences(rng)
    v_mask[1, 0] = True  # keep one step so every row attends to something
    qz, vz = q * q_mask[..., None], v * v_mask[..., None]
    layer, k_layer = _pair(keras)
    # Keras takes padding masks from its inputs' masks: zeroed steps behind `Masking` layers.
    q_in, v_in = keras.Input((4, 5)), keras.Input((6, 5))
    with warnings.catch_warnings():
        # Keras warns that its inner projections drop the mask they are handed; harmless here.
        warnings.filterwarnings("ignore", ".*does not support masking")
        masked = [keras.layers.Masking()(q_in), keras.layers.Masking()(v_in)]
        k_out, k_scores = k_layer(*masked, return_attention_scores=True)
        k_model = keras.Model([q_in, v_in], [k_out, k_scores])
        expected, expected_scores = k_model.predict([qz, vz], verbose=0)

    out, scores = layer(qz, vz, query_mask=q_mask, value_mask=v_mask, return_attention_scores=True)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-6)
    # Eagerly, masks carried by the query and the value arrays are used.
    carried = layer(layers.Masking()(qz), layers.Masking()(vz), return_attention_scores=True)
    for a, b in zip(carried, (expected, expected_scores)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    # In a functional model the masks come from the graph, and the output keeps the query's.
    s_q, s_v = strata.Input((4, 5)), strata.Input((6, 5))
    s_out = layer(layers.Masking()(s_q), layers.Masking()(s_v), return_attention_scores=True)
    model = strata.Model([s_q, s_v], list(s_out))
    for a, b in zip(model.predict([qz, vz], verbose=0), (expected, expected_scores)):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert layer.compute_mask([qz, vz], [q_mask, v_mask]) is q_mask


def test_grouped_query_attention_dropout_and_fit(keras, rng):
    q, v, _, _ = _sequences(rng)
    layer, k_layer = _pair(keras, dropout=0.5, seed=3)
    np.testing.assert_allclose(layer(q, v), k_layer(q, v), atol=1e-5)
    dropped, weights = layer(q, v, training=True, return_attention_scores=True)
    assert not np.allclose(dropped, layer(q, v), atol=1e-3)
    # The returned scores are the weights before dropout, as in Keras.
    np.testing.assert_allclose(weights, k_layer(q, v, return_attention_scores=True)[1], atol=1e-6)

    # In `fit` the dropout masks come from the step's key: the step compiles once.
    inputs = strata.Input((4, 5))
    outputs = GroupedQueryAttention(3, 4, 2, dropout=0.3)(inputs, inputs, use_causal_mask=True)
    model = strata.Model(inputs, outputs)
    model.compile("sgd", "mse")
    history = model.fit(q, q, batch_size=2, epochs=2, verbose=0).history
    assert np.isfinite(history["loss"]).all()
    assert model.trace_counts["train"] == 1


def test_grouped_query_attention_activity_regularizer_matches_keras(keras, rng):
    q, v, _, _ = _sequences(rng)
    args = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}
    k_layer = keras.layers.GroupQueryAttention(activity_regularizer="l2", **args)
    layer = GroupedQueryAttention(activity_regularizer="l2", **args)
    k_layer.build((3, 4, 5), (3, 6, 5))
    layer.build((3, 4, 5), (3, 6, 5))
    layer.set_weights(k_layer.get_weights())
    layer(q, v)
    k_layer(q, v)
    assert len(layer.losses) == len(k_layer.losses) == 5  # four projections and the output
    np.testing.assert_allclose(sum(layer.losses), sum(k_layer.losses), rtol=1e-5)


def test_grouped_query_attention_config_matches_keras(keras):
    assert GroupQueryAttention is GroupedQueryAttention
    kwargs = {
        "head_dim": 3,
        "num_query_heads": 4,
        "num_key_value_heads": 2,
        "dropout": 0.1,
        "sliding_window": 3,
        "kernel_regularizer": "l2",
        "seed": 7,
    }
    config = GroupedQueryAttention(**kwargs).get_config()
    k_config = keras.layers.GroupQueryAttention(**kwargs).get_config()
    assert set(config) == set(k_config)
    clone = GroupedQueryAttention.from_config(k_config)
    assert clone.get_config() == config | {"name": clone.name}
    assert GroupedQueryAttention.from_config(config).get_config() == config


def test_keras_file_with_grouped_query_attention_loads(keras, rng, tmp_path):
    x = rng.normal(size=(3, 4, 5)).astype("float32")
    inputs = keras.Input((4, 5))
    hidden = keras.layers.GroupQueryAttention(3, 4, 2, use_gate=True)(
        inputs, inputs, use_causal_mask=True
    )
    outputs = keras.layers.LayerNormalization()(hidden)
    k_model = keras.Model(inputs, outputs)
    k_model.save(tmp_path / "k.keras")
    # Keras 3.15 writes the class under its exported name, `GroupQueryAttention`; strata
    # reads and writes that name too, so neither side needs custom objects.
    model = strata.saving.load_model(tmp_path / "k.keras")
    expected = k_model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)
    assert model.layers[1].name == k_model.layers[1].name
    assert model.layers[1].name.startswith("grouped_query_attention")
    model.save(tmp_path / "s.keras")
    config = strata.saving.serialize_keras_object(model.layers[1])
    assert (config["module"], config["class_name"]) == ("keras.layers", "GroupQueryAttention")
    reloaded = keras.saving.load_model(tmp_path / "s.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, atol=1e-5)


# ---- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"num_query_heads": 3, "num_key_value_heads": 2},
            ValueError,
            r"'gqa': `num_query_heads` must be divisible by `num_key_value_heads`; received "
            r"num_query_heads=3, num_key_value_heads=2",
        ),
        ({"head_dim": 0}, ValueError, r"`head_dim` must be a positive int; received head_dim=0"),
        ({"num_key_value_heads": 0}, ValueError, r"`num_key_value_heads` must be a positive"),
        ({"dropout": 1.0}, ValueError, r"`dropout` must be in \[0, 1\); received dropout=1.0"),
        ({"sliding_window": -1}, ValueError, r"`sliding_window` must be a positive int"),
        ({"flash_attention": True}, NotImplementedError, r"flash attention is not supported"),
    ],
)
def test_grouped_query_attention_argument_errors(kwargs, error, message):
    args = {"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2, "name": "gqa"}
    with pytest.raises(error, match=message):
        GroupedQueryAttention(**(args | kwargs))


def test_grouped_query_attention_input_and_mask_errors():
    layer = GroupedQueryAttention(3, 4, 2, name="gqa")
    q, v = np.ones((2, 4, 5), "float32"), np.ones((2, 6, 5), "float32")
    with pytest.raises(ValueError, match=r"'gqa': `query_mask` must have shape \(2, 4\).*\(2, 6\)"):
        layer(q, v, query_mask=np.ones((2, 6), bool))
    with pytest.raises(ValueError, match=r"`value_mask` must have shape \(2, 6\)"):
        layer(q, v, value_mask=np.ones((2, 4, 1), bool))
    with pytest.raises(ValueError, match=r"`attention_mask` must be broadcastable.*\(2, 4, 6\)"):
        layer(q, v, attention_mask=np.ones((2, 6, 4), bool))
    with pytest.raises(ValueError, match=r"`value` and `key` must agree"):
        layer(q, v, np.ones((2, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r"`query` must have rank 3.*\(None, 2, 4, 5\)"):
        GroupedQueryAttention(3, 4, 2)(strata.Input((2, 4, 5)), strata.Input((6, 5)))
    with pytest.raises(ValueError, match=r"built for query/value/key feature sizes \(5, 5, 5\)"):
        layer(np.ones((2, 4, 7), "float32"), v)
