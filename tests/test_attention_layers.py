"""Attention layers against Keras 3: the shared checks, masks (padding, causal, explicit),
attention scores, dropout, weights layout and argument errors."""

import numpy as np
import pytest
from tests.stateful_layer_harness import check_stateful_layer

import strata
from strata import layers


@pytest.fixture(scope="module")
def keras():
    """Keras, cleared once per module: `clear_session` per test costs more than these tests."""
    import keras as keras_module

    assert keras_module.backend.backend() == "jax"
    keras_module.utils.clear_session(free_memory=False)
    return keras_module


@pytest.mark.parametrize(
    ("kwargs", "shapes"),
    [
        ({"num_heads": 2, "key_dim": 3}, [(4, 5), (6, 5)]),
        (
            {"num_heads": 3, "key_dim": 2, "value_dim": 2, "use_bias": False, "output_shape": 3},
            [(4, 5), (6, 3), (6, 7)],
        ),
        ({"num_heads": 2, "key_dim": 2, "attention_axes": (1, 2)}, [(2, 3, 4), (2, 3, 4)]),
    ],
)
def test_multi_head_attention_matches_keras(keras, kwargs, shapes):
    layer, k_layer = check_stateful_layer(
        lambda: layers.MultiHeadAttention(**kwargs),
        lambda: keras.layers.MultiHeadAttention(**kwargs),
        shapes,
        keras,
        style="positional",
    )
    # Same weights in the same order, with Keras's shapes and paths.
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in k_layer.weights]

    def inner(path):  # the path below the layer's (automatically numbered) name
        return path.split("/", 1)[1]

    assert [inner(w.path) for w in layer.weights] == [inner(w.path) for w in k_layer.weights]


def _mha_pair(keras, **kwargs):
    k_layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, **kwargs)
    q = np.zeros((1, 4, 5), "float32")
    v = np.zeros((1, 6, 5), "float32")
    k_layer(q, v)
    layer(q, v)
    layer.set_weights(k_layer.get_weights())
    return layer, k_layer


def _sequences(rng):
    q = rng.normal(size=(3, 4, 5)).astype("float32")
    v = rng.normal(size=(3, 6, 5)).astype("float32")
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 1, 0, 0], [1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], bool)
    return q, v, q_mask, v_mask


def test_multi_head_attention_padding_masks_match_keras(keras, rng):
    q, v, q_mask, v_mask = _sequences(rng)
    layer, k_layer = _mha_pair(keras)
    # Keras takes padding masks from its inputs' masks: zeroed steps behind `Masking` layers.
    q_in, v_in = keras.Input((4, 5)), keras.Input((6, 5))
    masked = [keras.layers.Masking()(q_in), keras.layers.Masking()(v_in)]
    k_out, k_scores = k_layer(*masked, return_attention_scores=True)
    k_model = keras.Model([q_in, v_in], [k_out, k_scores])
    qz, vz = q * q_mask[..., None], v * v_mask[..., None]
    expected, expected_scores = k_model.predict([qz, vz], verbose=0)

    out, scores = layer(qz, vz, query_mask=q_mask, value_mask=v_mask, return_attention_scores=True)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-6)
    assert np.all(np.asarray(scores)[1, :, :, 1:] == 0)  # padded values get no weight

    # In a functional model the masks arrive from the graph, in the order query, value.
    s_q, s_v = strata.Input((4, 5)), strata.Input((6, 5))
    model = strata.Model([s_q, s_v], layer(s_q, s_v))
    np.testing.assert_allclose(model([qz, vz], mask=[q_mask, v_mask]), expected, atol=1e-5)


@pytest.mark.parametrize("scores", [False, True])
def test_multi_head_attention_causal_and_explicit_masks_match_keras(keras, rng, scores):
    q, v, _, v_mask = _sequences(rng)
    layer, k_layer = _mha_pair(keras)
    attention_mask = rng.random((3, 4, 6)) > 0.3
    causal = np.tril(np.ones((4, 6), bool))
    for kwargs, allowed in (
        ({"use_causal_mask": True}, causal),
        ({"attention_mask": attention_mask}, attention_mask),
        (
            {"attention_mask": attention_mask, "use_causal_mask": True, "value_mask": v_mask},
            attention_mask & causal & v_mask[:, None, :],
        ),
    ):
        ours = layer(q, v, return_attention_scores=scores, **kwargs)
        theirs = k_layer(q, v, return_attention_scores=scores, **kwargs)
        if scores:  # Keras's explicit path: rows with nothing to attend to get zero weights
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(a, b, atol=1e-5)
        else:  # Keras's fused kernel gives such rows equal weights; all other rows agree
            rows = np.broadcast_to(allowed, (3, 4, 6)).any(-1)
            np.testing.assert_allclose(np.asarray(ours)[rows], np.asarray(theirs)[rows], atol=1e-5)


def test_multi_head_attention_value_dim_and_output_shape_match_keras(keras, rng):
    # Keras 3.15 fails in its fused kernel when value_dim != key_dim unless it computes the
    # scores explicitly, so compare with return_attention_scores=True.
    q, v, _, v_mask = _sequences(rng)
    kwargs = {"num_heads": 2, "key_dim": 3, "value_dim": 4, "output_shape": (2, 3)}
    k_layer = keras.layers.MultiHeadAttention(**kwargs)
    layer = layers.MultiHeadAttention(**kwargs)
    k_out = k_layer(q, v, value_mask=v_mask, return_attention_scores=True)
    layer(q, v)
    layer.set_weights(k_layer.get_weights())
    out = layer(q, v, value_mask=v_mask, return_attention_scores=True)
    assert out[0].shape == (3, 4, 2, 3)
    for a, b in zip(out, k_out):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_multi_head_attention_dropout_only_while_training(keras, rng):
    q, v, _, _ = _sequences(rng)
    layer, k_layer = _mha_pair(keras, dropout=0.5, seed=3)
    np.testing.assert_allclose(layer(q, v), k_layer(q, v), atol=1e-5)
    dropped = layer(q, v, training=True)
    assert not np.allclose(dropped, layer(q, v), atol=1e-3)


def _causal_model(lib, **kwargs):
    query = lib.Input((4, 5))
    outputs = lib.layers.MultiHeadAttention(2, 3, **kwargs)(query, query, use_causal_mask=True)
    return lib.Model(query, outputs)


def test_multi_head_attention_fit_matches_keras(keras, rng):
    x = rng.normal(size=(10, 4, 5)).astype("float32")
    y = rng.normal(size=(10, 4, 5)).astype("float32")
    k_model, model = _causal_model(keras), _causal_model(strata)
    model.set_weights(k_model.get_weights())
    k_model.compile(keras.optimizers.SGD(0.1), "mse")
    model.compile(strata.optimizers.SGD(0.1), "mse")
    fit = {"batch_size": 4, "epochs": 2, "shuffle": False, "verbose": 0}
    k_losses = k_model.fit(x, y, **fit).history["loss"]
    np.testing.assert_allclose(model.fit(x, y, **fit).history["loss"], k_losses, rtol=1e-5)
    for w, kw in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(w, kw, atol=1e-5)
    assert model.trace_counts["train"] == 1

    # With dropout the step draws its masks from the step's key: training still compiles once.
    dropped = _causal_model(strata, dropout=0.3)
    dropped.compile("sgd", "mse")
    assert np.isfinite(dropped.fit(x, y, **fit).history["loss"]).all()
    assert dropped.trace_counts["train"] == 1


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"use_scale": True, "score_mode": "concat", "dropout": 0.2}],
)
def test_attention_matches_keras(keras, kwargs):
    check_stateful_layer(
        lambda: layers.Attention(**kwargs),
        lambda: keras.layers.Attention(**kwargs),
        [(4, 3), (5, 3), (5, 3)],
        keras,
        style="list",
    )


def test_additive_attention_matches_keras(keras):
    check_stateful_layer(
        layers.AdditiveAttention,
        keras.layers.AdditiveAttention,
        [(4, 3), (5, 2), (5, 3)],
        keras,
        style="list",
    )


@pytest.mark.parametrize("name", ["Attention", "AdditiveAttention"])
def test_attention_masks_causal_and_scores_match_keras(keras, rng, name):
    q = rng.normal(size=(3, 4, 5)).astype("float32")
    v = rng.normal(size=(3, 6, 5)).astype("float32")
    _, _, q_mask, v_mask = _sequences(rng)
    k_layer = getattr(keras.layers, name)()
    layer = getattr(layers, name)()
    k_layer([q, v])
    layer([q, v])
    layer.set_weights(k_layer.get_weights())
    for kwargs in ({"mask": [q_mask, v_mask]}, {"use_causal_mask": True}, {"mask": [None, v_mask]}):
        out, scores = layer([q, v], return_attention_scores=True, **kwargs)
        k_out, k_scores = k_layer([q, v], return_attention_scores=True, **kwargs)
        np.testing.assert_allclose(out, k_out, atol=1e-5)
        np.testing.assert_allclose(scores, k_scores, atol=1e-6)
    # Masked query steps output zeros and keep their mask.
    out = layer([q, v], mask=[q_mask, v_mask])
    assert np.all(np.asarray(out)[~q_mask] == 0)
    assert layer.compute_mask([q, v], [q_mask, v_mask]) is q_mask


# ---- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_heads": 2, "key_dim": 0}, r"`key_dim` must be a positive int; received key_dim=0"),
        ({"num_heads": 0, "key_dim": 2}, r"`num_heads` must be a positive int"),
        ({"num_heads": 2, "key_dim": 2, "value_dim": -1}, r"`value_dim` must be a positive"),
        ({"num_heads": 2, "key_dim": 2, "dropout": 1.5}, r"`dropout` must be in \[0, 1\)"),
        ({"num_heads": 2, "key_dim": 2, "output_shape": "wide"}, r"`output_shape` must be"),
    ],
)
def test_multi_head_attention_argument_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.MultiHeadAttention(**kwargs)


def test_multi_head_attention_input_and_mask_errors():
    layer = layers.MultiHeadAttention(2, 3, name="mha")
    q, v = np.ones((2, 4, 5), "float32"), np.ones((2, 6, 5), "float32")
    with pytest.raises(ValueError, match=r"'mha': `query_mask` must have shape \(2, 4\).*\(2, 6\)"):
        layer(q, v, query_mask=np.ones((2, 6), bool))
    with pytest.raises(ValueError, match=r"`value_mask` must have shape \(2, 6\)"):
        layer(q, v, value_mask=np.ones((2, 4, 1), bool))
    with pytest.raises(ValueError, match=r"`attention_mask` must be broadcastable.*\(2, 4, 6\)"):
        layer(q, v, attention_mask=np.ones((2, 6, 4), bool))
    with pytest.raises(ValueError, match=r"`value` and `key` must agree"):
        layer(q, v, np.ones((2, 5, 5), "float32"))
    with pytest.raises(ValueError, match=r"rank >= 3"):
        layers.MultiHeadAttention(2, 3)(strata.Input((5,)), strata.Input((5,)))
    with pytest.raises(ValueError, match=r"built for query/value/key feature sizes \(5, 5, 5\)"):
        layer(np.ones((2, 4, 7), "float32"), v)


def test_attention_input_and_mask_errors():
    q, v = np.ones((2, 4, 3), "float32"), np.ones((2, 5, 3), "float32")
    layer = layers.Attention(name="att")
    with pytest.raises(ValueError, match=r"'att': call it on a list \[query, value\]"):
        layer(q)
    with pytest.raises(ValueError, match=r"`mask` must be a list \[query_mask, value_mask\]"):
        layer([q, v], mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match=r"value mask must have shape \(2, 5\).*\(2, 4\)"):
        layer([q, v], mask=[None, np.ones((2, 4), bool)])
    with pytest.raises(ValueError, match=r"same feature size"):
        layers.Attention()([q, np.ones((2, 5, 2), "float32")])
    with pytest.raises(ValueError, match="`score_mode` must be one of"):
        layers.Attention(score_mode="cosine")


def test_configs_match_keras_keys(keras):
    for name, kwargs in [
        ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}),
        ("Attention", {}),
        ("AdditiveAttention", {}),
    ]:
        config = getattr(layers, name)(**kwargs).get_config()
        k_config = getattr(keras.layers, name)(**kwargs).get_config()
        unsupported = {"sliding_window", "use_gate", "flash_attention"}
        assert set(config) == set(k_config) - unsupported, name
        clone = getattr(layers, name).from_config(k_config)
        assert clone.get_config() == config | {"name": clone.name}


def test_keras_file_with_attention_and_normalization_round_trips(keras, rng, tmp_path):
    # Weights are found by Keras's paths (query_dense/, key_dense/, ... inside the layer).
    x = rng.normal(size=(3, 4, 5)).astype("float32")
    inputs = keras.Input((4, 5))
    hidden = keras.layers.MultiHeadAttention(2, 3)(inputs, inputs)
    hidden = keras.layers.BatchNormalization(moving_mean_initializer="random_normal")(hidden)
    outputs = keras.layers.Attention()([keras.layers.LayerNormalization()(hidden), inputs])
    k_model = keras.Model(inputs, outputs)
    k_model.save(tmp_path / "k.keras")
    model = strata.saving.load_model(tmp_path / "k.keras")
    expected = k_model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, atol=1e-5)
    model.save(tmp_path / "s.keras")
    reloaded = keras.saving.load_model(tmp_path / "s.keras")
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), expected, atol=1e-5)


def test_mixed_precision_attention_computes_in_bfloat16(keras):
    rng = np.random.default_rng(3)
    q = rng.normal(size=(2, 4, 5)).astype("float32")
    v = rng.normal(size=(2, 3, 5)).astype("float32")
    mha = layers.MultiHeadAttention(2, 3, dropout=0.1, dtype="mixed_bfloat16")
    assert mha(q, v, training=True).dtype == "bfloat16"
    assert mha.weights[0].dtype == "float32"
    k_mha = keras.layers.MultiHeadAttention(2, 3, dtype="mixed_bfloat16")
    k_mha(q, v)
    mha.set_weights(k_mha.get_weights())
    ours, theirs = mha(q, v), k_mha(q, v)
    assert str(theirs.dtype) == "bfloat16"
    # Both compute in bfloat16 (8 bits of mantissa), so they agree to bfloat16 rounding.
    np.testing.assert_allclose(
        np.asarray(ours, "float32"), np.asarray(theirs, "float32"), rtol=2e-2, atol=2e-2
    )
    attention = layers.Attention(dtype="mixed_bfloat16")([q, v, v])
    k_attention = keras.layers.Attention(dtype="mixed_bfloat16")([q, v, v])
    assert attention.dtype == "bfloat16"
    np.testing.assert_allclose(
        np.asarray(attention, "float32"), np.asarray(k_attention, "float32"), rtol=2e-2, atol=2e-2
    )
