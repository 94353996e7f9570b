"""`Embedding` and `Masking` against Keras 3, and masks flowing through functional graphs exactly
where Keras sends them (recurrent layers, merges, TimeDistributed, Bidirectional)."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import strata
from strata.state.scope import StateScope


def _max_diff(a, b):
    a = a if isinstance(a, list | tuple) else [a]
    b = b if isinstance(b, list | tuple) else [b]
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


def _same_weights(k_model, model, seed=3):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in k_model.weights]
    k_model.set_weights(weights)
    model.set_weights(weights)


def _padded_tokens(rows=4, steps=6, vocab=12, seed=0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(1, vocab, size=(rows, steps))
    for row in range(rows):
        tokens[row, steps - row :] = 0
    return tokens.astype("int32")


def test_embedding_matches_keras_outputs_gradients_mask_and_config(keras):
    tokens = _padded_tokens()
    k_layer = keras.layers.Embedding(12, 3, mask_zero=True)
    layer = strata.layers.Embedding(12, 3, mask_zero=True)
    k_layer.build((None, 6))
    layer(tokens)
    layer.set_weights(k_layer.get_weights())
    assert [w.name for w in layer.weights] == ["embeddings"]
    assert _max_diff(k_layer(tokens), layer(tokens)) == 0
    np.testing.assert_array_equal(
        layer.compute_mask(tokens), np.asarray(k_layer.compute_mask(tokens))
    )

    def strata_loss(table):
        with StateScope([(layer.embeddings, table)]):
            return jnp.sum(jnp.sin(layer(tokens)) * jnp.arange(3.0))

    def keras_loss(table):
        out, _ = k_layer.stateless_call([table], [], tokens)
        return jnp.sum(jnp.sin(out) * jnp.arange(3.0))

    table = jnp.asarray(k_layer.get_weights()[0])
    assert _max_diff(jax.grad(keras_loss)(table), jax.grad(strata_loss)(table)) <= 1e-6
    config = layer.get_config()
    assert set(config) == set(k_layer.get_config())
    assert config["embeddings_initializer"] == k_layer.get_config()["embeddings_initializer"]
    assert strata.layers.Embedding.from_config(config).get_config() == config


def test_embedding_seeded_weights_legacy_arguments_and_errors(keras):
    keras.utils.set_random_seed(4)
    k_layer = keras.layers.Embedding(50, 8)
    k_layer.build((None, 5))
    strata.utils.set_random_seed(4)
    layer = strata.layers.Embedding(50, 8)
    layer(np.zeros((1, 5), "int32"))
    np.testing.assert_array_equal(layer.get_weights()[0], np.asarray(k_layer.get_weights()[0]))
    assert float(np.abs(layer.get_weights()[0]).max()) <= 0.05
    with pytest.warns(DeprecationWarning, match="`input_length` is deprecated"):
        legacy = strata.layers.Embedding(10, 2, input_length=7)
    assert legacy(np.array([[1, 2, 3]])).shape == (1, 3, 2)
    assert strata.layers.Embedding(4, 2, mask_zero=False).compute_mask(np.ones((1, 2))) is None
    table = np.arange(8, dtype="float32").reshape(4, 2)
    fixed = strata.layers.Embedding(4, 2, weights=[table])
    np.testing.assert_array_equal(fixed(np.array([3, 0])), table[[3, 0]])
    with pytest.raises(ValueError, match=r"`input_dim` must be a positive integer.*input_dim=0"):
        strata.layers.Embedding(0, 3)
    with pytest.raises(ValueError, match=r"`output_dim` must be a positive integer.*2.5"):
        strata.layers.Embedding(3, 2.5)


def test_masking_matches_keras_before_an_lstm(keras, rng):
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    x[0, 3:] = 0.0
    x[1, :2] = 0.0
    x[2, 2] = -1.0

    def model_of(lib, value):
        inputs = lib.Input(shape=(5, 2))
        masked = lib.layers.Masking(mask_value=value)(inputs)
        return lib.Model(inputs, lib.layers.LSTM(3, return_sequences=True)(masked))

    for value in (0.0, -1.0):
        k_model, model = model_of(keras, value), model_of(strata, value)
        _same_weights(k_model, model)
        assert _max_diff(k_model.predict(x, verbose=0), model.predict(x, verbose=0)) <= 1e-5
    layer = strata.layers.Masking(-1.0)
    assert layer.compute_mask(x)[2].tolist() == [True, True, False, True, True]
    assert layer.get_config()["mask_value"] == -1.0
    with pytest.raises(ValueError, match=r"\(Masking\) expects inputs of rank >= 2"):
        layer(np.ones((3,), "float32"))


def _graph(lib):
    """Masks through a merge, TimeDistributed, a Bidirectional sequence layer and a Dense."""
    inputs = lib.Input(shape=(6,), dtype="int32")
    embedded = lib.layers.Embedding(12, 4, mask_zero=True)(inputs)
    forward = lib.layers.GRU(3, return_sequences=True)(embedded)
    backward = lib.layers.SimpleRNN(3, return_sequences=True, go_backwards=True)(embedded)
    merged = lib.layers.Add()([forward, backward])
    stepwise = lib.layers.TimeDistributed(lib.layers.Dense(4, activation="tanh"))(merged)
    both = lib.layers.Bidirectional(lib.layers.LSTM(2, return_sequences=True))(stepwise)
    summary = lib.layers.GRU(2)(lib.layers.Dense(3)(both))
    return lib.Model(inputs, lib.layers.Dense(1)(summary))


def test_masks_propagate_through_merges_time_distributed_and_bidirectional(keras):
    tokens = _padded_tokens()
    k_model, model = _graph(keras), _graph(strata)
    _same_weights(k_model, model)
    expected = k_model.predict(tokens, verbose=0)
    assert _max_diff(expected, model.predict(tokens, verbose=0)) <= 1e-5
    assert _max_diff(expected, model(tokens)) <= 1e-5


def test_sequential_embedding_model_uses_the_mask(keras):
    tokens = _padded_tokens(seed=1)

    def model_of(lib):
        return lib.Sequential(
            [
                lib.Input(shape=(6,), dtype="int32"),
                lib.layers.Embedding(12, 3, mask_zero=True),
                lib.layers.LSTM(2),
                lib.layers.Dense(1),
            ]
        )

    k_model, model = model_of(keras), model_of(strata)
    _same_weights(k_model, model)
    assert _max_diff(k_model.predict(tokens, verbose=0), model.predict(tokens, verbose=0)) <= 1e-5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        summary_free = model.predict(np.zeros((2, 6), "int32"), verbose=0)
    # Fully padded rows keep the zero initial state: the output is the Dense bias.
    np.testing.assert_allclose(summary_free, np.broadcast_to(model.get_weights()[-1], (2, 1)))


def _text_file_model(lib, mask_zero):
    inputs = lib.Input(shape=(6,), dtype="int32")
    x = lib.layers.Embedding(12, 3, mask_zero=mask_zero)(inputs)
    x = lib.layers.Bidirectional(lib.layers.GRU(4, return_sequences=True))(x)
    x = lib.layers.TimeDistributed(lib.layers.Dense(2))(x)
    x = lib.layers.RNN([lib.layers.LSTMCell(2), lib.layers.SimpleRNNCell(3)])(x)
    return lib.Model(inputs, lib.layers.Dense(1)(x))


def test_text_models_move_between_keras_and_strata_files(keras, tmp_path):
    tokens = _padded_tokens()
    # Keras -> strata without masks here; masked files are checked in the test below.
    k_model = _text_file_model(keras, mask_zero=False)
    k_model.save(str(tmp_path / "keras.keras"))
    model = strata.saving.load_model(str(tmp_path / "keras.keras"))
    assert _max_diff(k_model.predict(tokens, verbose=0), model.predict(tokens, verbose=0)) <= 1e-5
    # strata -> Keras, masks included: Keras recomputes them when it rebuilds the graph.
    model = _text_file_model(strata, mask_zero=True)
    model.save(str(tmp_path / "strata.keras"))
    k_model = keras.saving.load_model(str(tmp_path / "strata.keras"))
    assert _max_diff(k_model.predict(tokens, verbose=0), model.predict(tokens, verbose=0)) <= 1e-5


def test_keras_file_with_a_masked_embedding_loads_both_ways(keras, tmp_path):
    inputs = keras.Input(shape=(6,), dtype="int32")
    x = keras.layers.Embedding(12, 3, mask_zero=True)(inputs)
    x = keras.layers.GRU(4)(x)
    k_model = keras.Model(inputs, keras.layers.Dense(1)(x))
    k_model.save(str(tmp_path / "masked.keras"))
    model = strata.saving.load_model(str(tmp_path / "masked.keras"))
    # As in Keras, the mask's op node is one of the model's operations, not one of its layers.
    assert "not_equal" in [op.name for op in model.operations]
    assert "not_equal" not in [layer.name for layer in model.layers]
    tokens = np.array([[1, 2, 0, 0, 0, 0], [3, 4, 5, 6, 0, 0]], "int32")
    assert _max_diff(k_model.predict(tokens, verbose=0), model.predict(tokens, verbose=0)) <= 1e-6
    model.save(str(tmp_path / "again.keras"))
    again = keras.saving.load_model(str(tmp_path / "again.keras"))
    assert _max_diff(again.predict(tokens, verbose=0), k_model.predict(tokens, verbose=0)) <= 1e-6


def _embed_lstm(lib):
    class Tagger(lib.Model):
        def __init__(self):
            super().__init__()
            self.embed = lib.layers.Embedding(10, 3, mask_zero=True)
            self.lstm = lib.layers.LSTM(2, return_sequences=True)
            self.out = lib.layers.Dense(1)

        def call(self, x):
            return self.out(self.lstm(self.embed(x)))

    return Tagger()


def test_masks_travel_between_eager_calls_and_in_subclassed_models(keras):
    # No graph links the layers of a subclassed model: the Embedding's mask rides on its output.
    tokens = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    ours, theirs = _embed_lstm(strata), _embed_lstm(keras)
    theirs(tokens)
    ours(tokens)
    for ours_layer, their_layer in zip(
        (ours.embed, ours.lstm, ours.out), (theirs.embed, theirs.lstm, theirs.out)
    ):
        ours_layer.set_weights(their_layer.get_weights())
    expected = np.asarray(theirs(tokens))
    np.testing.assert_allclose(ours(tokens), expected, atol=1e-5)  # compiled call path
    np.testing.assert_allclose(ours.call(tokens), expected, atol=1e-5)  # layer by layer
    # Padded steps repeat the last real step's output, which needs the mask.
    np.testing.assert_allclose(expected[0, 2], expected[0, 1], atol=1e-6)
    embedded = ours.embed(tokens)
    np.testing.assert_array_equal(strata.state.carried_masks.mask_of(embedded), tokens != 0)
    # An explicit mask wins over the carried one.
    all_steps = np.ones(tokens.shape, bool)
    np.testing.assert_allclose(
        ours.lstm(embedded, mask=all_steps),
        theirs.lstm(theirs.embed(tokens), mask=all_steps),
        atol=1e-5,
    )


def test_subclassed_masked_model_trains_like_keras(keras):
    tokens = np.array([[1, 2, 0, 0], [3, 4, 5, 0], [6, 0, 0, 0], [7, 8, 9, 1]])
    targets = np.linspace(0, 1, 16, dtype="float32").reshape(4, 4, 1)
    ours, theirs = _embed_lstm(strata), _embed_lstm(keras)
    theirs(tokens)
    ours(tokens)
    ours.set_weights(theirs.get_weights())
    for model in (ours, theirs):
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    expected = theirs.fit(tokens, targets, epochs=3, batch_size=2, shuffle=False, verbose=0)
    got = ours.fit(tokens, targets, epochs=3, batch_size=2, shuffle=False, verbose=0)
    # Loss and metric leave the padded steps out, as Keras does.
    for key in ("loss", "mae"):
        np.testing.assert_allclose(got.history[key], expected.history[key], rtol=1e-5)


def test_functional_loss_and_metrics_leave_masked_steps_out(keras):
    def build(lib):
        tokens = lib.Input((4,), dtype="int32")
        embedded = lib.layers.Embedding(10, 3, mask_zero=True)(tokens)
        out = lib.layers.Dense(1)(lib.layers.LSTM(2, return_sequences=True)(embedded))
        model = lib.Model(tokens, out)
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        return model

    ours, theirs = build(strata), build(keras)
    ours.set_weights(theirs.get_weights())
    tokens = np.array([[1, 2, 0, 0], [3, 4, 5, 0], [6, 0, 0, 0]])
    targets = np.ones((3, 4, 1), "float32")
    expected = theirs.evaluate(tokens, targets, verbose=0, return_dict=True)
    got = ours.evaluate(tokens, targets, verbose=0, return_dict=True)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)
    predictions = ours.predict(tokens, verbose=0)
    masked_mse = ((predictions - targets) ** 2)[tokens != 0].mean()
    np.testing.assert_allclose(got["loss"], masked_mse, rtol=1e-5)
