"""SimpleRNN, GRU, the cells, RNN, Bidirectional, TimeDistributed and ConvLSTM against Keras 3:
same weights -> same outputs, states, gradients, masks and training curves."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import strata
from layer_harness import check_layer
from strata.state.scope import StateScope


def _max_diff(a, b):
    a = a if isinstance(a, list | tuple) else [a]
    b = b if isinstance(b, list | tuple) else [b]
    assert len(a) == len(b)
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


def _random_weights(layers, scale=0.5, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.normal(scale=scale, size=w.shape).astype("float32") for w in layers.get_weights()]


# ---- every path of the shared harness ------------------------------------------------------------
HARNESS_CASES = {
    "simple_rnn_sequences": (
        lambda lib: lib.layers.SimpleRNN(4, return_sequences=True),
        (5, 3),
    ),
    "gru_states_backwards": (
        lambda lib: lib.layers.GRU(4, return_state=True, go_backwards=True),
        (5, 3),
    ),
    "rnn_stacked_cells": (
        lambda lib: lib.layers.RNN([lib.layers.LSTMCell(4), lib.layers.GRUCell(4)]),
        (5, 3),
    ),
    "bidirectional_lstm": (
        lambda lib: lib.layers.Bidirectional(lib.layers.LSTM(4, return_sequences=True)),
        (5, 3),
    ),
    "time_distributed_dense": (
        lambda lib: lib.layers.TimeDistributed(lib.layers.Dense(4, activation="tanh")),
        (5, 3),
    ),
    "conv_lstm2d": (
        lambda lib: lib.layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True),
        (3, 5, 4, 2),
    ),
}


@pytest.mark.parametrize("case", sorted(HARNESS_CASES))
def test_layer_matches_keras_through_the_harness(keras, case):
    make, shape = HARNESS_CASES[case]
    check_layer(lambda: make(strata), lambda: make(keras), shape, keras)


# (factory, sample shape, whether to compare gradients too)
DIRECT_CASES = {
    "gru_reset_before": (lambda lib: lib.layers.GRU(4, reset_after=False), (5, 3), True),
    "rnn_lstm_cell_all": (
        lambda lib: lib.layers.RNN(
            lib.layers.LSTMCell(4), return_sequences=True, return_state=True, go_backwards=True
        ),
        (5, 3),
        True,
    ),
    "gru_unrolled": (
        lambda lib: lib.layers.GRU(4, unroll=True, return_sequences=True),
        (5, 3),
        False,
    ),
    "conv_lstm1d_strided": (
        lambda lib: lib.layers.ConvLSTM1D(3, 2, strides=2, return_state=True),
        (3, 7, 2),
        False,
    ),
    "conv_lstm3d_same": (
        lambda lib: lib.layers.ConvLSTM3D(2, 2, padding="same", return_sequences=True),
        (2, 3, 3, 3, 2),
        True,
    ),
    "conv_lstm2d_channels_first": (
        lambda lib: lib.layers.ConvLSTM2D(2, 2, data_format="channels_first", go_backwards=True),
        (3, 2, 4, 4),
        False,
    ),
}


@pytest.mark.parametrize("case", sorted(DIRECT_CASES))
def test_variant_outputs_and_gradients_match_keras(keras, case):
    make, shape, compare_gradients = DIRECT_CASES[case]
    x = np.random.default_rng(0).normal(size=(2, *shape)).astype("float32")
    k_layer, layer = make(keras), make(strata)
    k_layer.build((None, *shape))
    layer(x)
    weights = _random_weights(k_layer)
    k_layer.set_weights(weights)
    layer.set_weights(weights)
    assert _max_diff(k_layer(x), layer(x)) <= 1e-5
    assert type(layer).from_config(layer.get_config()).get_config() == layer.get_config()
    if not compare_gradients:  # the harness covers the gradients of these layers' paths
        return

    def total(outputs):
        outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
        return sum(jnp.sum(jnp.sin(o)) for o in outputs)

    def strata_loss(values):
        with StateScope(list(zip(layer.weights, values))):
            return total(layer(x))

    non_trainable = [v.value for v in k_layer.non_trainable_variables]

    def keras_loss(values):
        return total(k_layer.stateless_call(values, non_trainable, x)[0])

    values = [jnp.asarray(w) for w in weights]
    assert _max_diff(jax.grad(keras_loss)(values), jax.grad(strata_loss)(values)) <= 1e-4


# ---- Bidirectional -------------------------------------------------------------------------------
@pytest.mark.parametrize("merge_mode", ["sum", "mul", "ave", None])
def test_bidirectional_merge_modes_with_masks_match_keras(keras, rng, merge_mode):
    x = rng.normal(size=(3, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)

    def make(lib):
        backward = None
        if merge_mode == "mul":  # an explicit backward layer: the directions run separately
            backward = lib.layers.GRU(4, return_sequences=True, go_backwards=True)
        layer = lib.layers.GRU(4, return_sequences=True)
        return lib.layers.Bidirectional(layer, merge_mode=merge_mode, backward_layer=backward)

    k_layer, layer = make(keras), make(strata)
    k_layer.build((None, 5, 3))
    layer(x)
    weights = _random_weights(k_layer)
    k_layer.set_weights(weights)
    layer.set_weights(weights)
    expected, got = k_layer(x, mask=mask), layer(x, mask=mask)
    assert _max_diff(expected, got) <= 1e-5
    # With sequence outputs the masked steps are zeros in both directions, as in Keras.
    for out in got if merge_mode is None else [got]:
        np.testing.assert_array_equal(np.asarray(out)[2, 1:], 0.0)


def test_bidirectional_states_names_and_weight_order_follow_keras(keras, rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    k_layer = keras.layers.Bidirectional(keras.layers.LSTM(4, return_state=True, name="enc"))
    layer = strata.layers.Bidirectional(strata.layers.LSTM(4, return_state=True, name="enc"))
    k_layer.build((None, 5, 3))
    layer(x)
    assert (layer.forward_layer.name, layer.backward_layer.name) == ("forward_enc", "backward_enc")
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    assert [w.shape for w in layer.weights] == [tuple(w.shape) for w in k_layer.weights]
    weights = _random_weights(k_layer)
    k_layer.set_weights(weights)
    layer.set_weights(weights)
    initial = [rng.normal(size=(2, 4)).astype("float32") for _ in range(4)]
    got = layer(x, initial_state=initial)
    assert len(got) == 5  # output, forward h and c, backward h and c
    assert _max_diff(k_layer(x, initial_state=initial), got) <= 1e-5
    config = layer.get_config()
    assert config["layer"]["config"]["name"] == "forward_enc"
    clone = strata.layers.Bidirectional.from_config(config)
    assert clone.get_config() == config


# ---- masks ---------------------------------------------------------------------------------------
def _masked_text_model(lib, kind):
    inputs = lib.Input(shape=(7,), dtype="int32")
    x = lib.layers.Embedding(20, 3, mask_zero=True)(inputs)
    if kind == "gru":
        x = lib.layers.GRU(4)(x)
    elif kind == "simple_rnn":
        x = lib.layers.SimpleRNN(4, go_backwards=True)(x)
    else:
        x = lib.layers.Bidirectional(lib.layers.LSTM(4))(x)
    return lib.Model(inputs, lib.layers.Dense(2)(x))


@pytest.mark.parametrize("kind", ["gru", "simple_rnn", "bidirectional_lstm"])
def test_masked_padded_sequences_match_keras(keras, kind):
    rng = np.random.default_rng(2)
    tokens = rng.integers(1, 20, size=(4, 7))
    for row, length in enumerate([7, 4, 2, 1]):
        tokens[row, length:] = 0  # right padding
    tokens[3] = [0, 0, 0, 5, 9, 0, 3]  # padding in the middle
    k_model = _masked_text_model(keras, kind)
    model = _masked_text_model(strata, kind)
    model.set_weights(_random_weights(k_model))
    k_model.set_weights(model.get_weights())
    assert _max_diff(k_model.predict(tokens, verbose=0), model.predict(tokens, verbose=0)) <= 1e-5
    # The mask matters: the same model ignoring it gives other outputs.
    unmasked = np.where(tokens == 0, 1, tokens)
    assert _max_diff(model.predict(tokens, verbose=0), model.predict(unmasked, verbose=0)) > 1e-3

    def strata_loss(values):
        with StateScope(list(zip(model.weights, values))):
            return jnp.sum(jnp.sin(model(tokens)))

    non_trainable = [v.value for v in k_model.non_trainable_variables]  # seed states

    def keras_loss(values):
        out, _ = k_model.stateless_call(values, non_trainable, tokens)
        return jnp.sum(jnp.sin(out))

    weights = [jnp.asarray(w) for w in model.get_weights()]
    assert _max_diff(jax.grad(keras_loss)(weights), jax.grad(strata_loss)(weights)) <= 1e-4


def test_zero_output_for_mask_and_unmasked_states(keras, rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 0, 1, 1, 0], [0, 0, 1, 1, 1]], bool)
    options = dict(return_sequences=True, return_state=True, zero_output_for_mask=True)
    k_layer = keras.layers.SimpleRNN(4, **options)
    layer = strata.layers.SimpleRNN(4, **options)
    k_layer.build((None, 5, 3))
    layer(x)
    layer.set_weights(k_layer.get_weights())
    expected, got = k_layer(x, mask=mask), layer(x, mask=mask)
    assert _max_diff(expected, got) <= 1e-5
    np.testing.assert_array_equal(np.asarray(got[0])[0, 1], np.zeros(4))


def test_user_cell_runs_like_keras(keras, rng):
    def make(lib):
        class Minimal(lib.layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units
                self.state_size = units

            def build(self, input_shape):
                self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
                self.recurrent_kernel = self.add_weight(
                    shape=(self.units, self.units), name="recurrent_kernel"
                )

            def call(self, inputs, states):
                h = lib.ops.matmul(inputs, self.kernel)
                output = lib.ops.tanh(h + lib.ops.matmul(states[0], self.recurrent_kernel))
                return output, [output]

        return lib.layers.RNN(Minimal(4), return_sequences=True)

    x = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 1, 1], [1, 0, 0, 0, 0]], bool)
    k_layer, layer = make(keras), make(strata)
    k_layer.build((None, 5, 3))
    layer(x)
    layer.set_weights(k_layer.get_weights())
    assert _max_diff(k_layer(x, mask=mask), layer(x, mask=mask)) <= 1e-5
    model = strata.Sequential([strata.Input(shape=(5, 3)), layer])
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((2, 5, 4), "float32"), verbose=0)
    assert not np.allclose(model.get_weights()[0], k_layer.get_weights()[0])


def test_cells_compute_one_step_like_keras(keras, rng):
    x = rng.normal(size=(2, 3)).astype("float32")
    for name in ("SimpleRNNCell", "GRUCell", "LSTMCell"):
        k_cell, cell = getattr(keras.layers, name)(4), getattr(strata.layers, name)(4)
        sizes = cell.state_size if isinstance(cell.state_size, list) else [cell.state_size]
        states = [rng.normal(size=(2, s)).astype("float32") for s in sizes]
        k_cell.build((None, 3))
        cell(x, states)
        cell.set_weights(_random_weights(k_cell))
        k_cell.set_weights(cell.get_weights())
        assert _max_diff(list(k_cell(x, states)[1]), list(cell(x, states)[1])) <= 1e-5
        assert cell.get_config() == type(cell).from_config(cell.get_config()).get_config()


# ---- initial weights, dropout, errors ------------------------------------------------------------
def _seeded_model(lib):
    inputs = lib.Input(shape=(6,), dtype="int32")
    x = lib.layers.Embedding(30, 4, mask_zero=True)(inputs)
    x = lib.layers.Bidirectional(lib.layers.GRU(3, return_sequences=True))(x)
    x = lib.layers.SimpleRNN(3, return_sequences=True)(x)
    x = lib.layers.RNN(lib.layers.LSTMCell(2), return_sequences=True)(x)
    x = lib.layers.Bidirectional(lib.layers.SimpleRNN(2), merge_mode="sum")(x)
    return lib.Model(inputs, lib.layers.Dense(1)(x))


def test_seeded_initial_weights_equal_keras(keras):
    keras.utils.set_random_seed(11)
    k_model = _seeded_model(keras)
    strata.utils.set_random_seed(11)
    model = _seeded_model(strata)
    for k_w, w in zip(k_model.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(w, np.asarray(k_w))
    keras.utils.set_random_seed(3)
    k_conv = keras.layers.ConvLSTM2D(2, 3)
    k_conv.build((None, 2, 5, 5, 1))
    strata.utils.set_random_seed(3)
    conv = strata.layers.ConvLSTM2D(2, 3)
    conv(np.zeros((1, 2, 5, 5, 1), "float32"))
    for k_w, w in zip(k_conv.get_weights(), conv.get_weights(), strict=True):
        np.testing.assert_array_equal(w, np.asarray(k_w))


def test_dropout_is_active_only_in_training(rng):
    x = rng.normal(size=(4, 5, 3)).astype("float32")
    for layer in (
        strata.layers.GRU(4, dropout=0.5, recurrent_dropout=0.5, seed=1),
        strata.layers.SimpleRNN(4, dropout=0.3, recurrent_dropout=0.3, seed=3),
    ):
        inference = layer(x)
        np.testing.assert_array_equal(inference, layer(x, training=False))
        train_a, train_b = layer(x, training=True), layer(x, training=True)
        assert np.all(np.isfinite(train_a)) and not np.allclose(train_a, train_b)


def test_bad_inputs_and_arguments_raise_clear_errors():
    gru = strata.layers.GRU(3, name="enc")
    with pytest.raises(ValueError, match=r"'enc' \(GRU\) expects inputs of rank 3.*\(4, 5\)"):
        gru(np.ones((4, 5), "float32"))
    gru(np.ones((2, 4, 5), "float32"))
    with pytest.raises(ValueError, match=r"'enc' \(GRU\) expects a mask of shape \(batch, time\)"):
        gru(np.ones((2, 4, 5), "float32"), mask=np.ones((2, 5), bool))
    with pytest.raises(ValueError, match=r"`initial_state=\[h\]`"):
        gru(np.ones((2, 4, 5), "float32"), initial_state=[np.zeros((2, 3))] * 2)
    with pytest.raises(ValueError, match=r"invalid `merge_mode` 'max'"):
        strata.layers.Bidirectional(strata.layers.GRU(2), merge_mode="max")
    with pytest.raises(ValueError, match=r"`layer` must be a recurrent layer.*Dense"):
        strata.layers.Bidirectional(strata.layers.Dense(2))
    with pytest.raises(ValueError, match=r"must have different `go_backwards`"):
        strata.layers.Bidirectional(strata.layers.GRU(2), backward_layer=strata.layers.GRU(2))
    with pytest.raises(ValueError, match=r"needs a `state_size` attribute"):
        strata.layers.RNN(strata.layers.Dense(2))
    with pytest.raises(ValueError, match=r"\(TimeDistributed\) expects inputs of rank >= 3"):
        strata.layers.TimeDistributed(strata.layers.Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"\(ConvLSTM2D\) expects inputs of rank 5"):
        strata.layers.ConvLSTM2D(2, 3)(strata.Input(shape=(4, 5, 5)))
    with pytest.raises(ValueError, match=r"Cell 'c' \(GRUCell\) computes one step"):
        strata.layers.GRUCell(2, name="c")(np.ones((2, 4, 5), "float32"), [np.zeros((2, 2))])
    with pytest.raises(ValueError, match=r"`units`, expected a positive integer.*units=0"):
        strata.layers.SimpleRNN(0)


# ---- training ------------------------------------------------------------------------------------
def _bigru_text_model(lib):
    inputs = lib.Input(shape=(40,), dtype="int32")
    x = lib.layers.Embedding(1000, 16)(inputs)
    x = lib.layers.Bidirectional(lib.layers.GRU(8))(x)
    return lib.Model(inputs, lib.layers.Dense(1, activation="sigmoid")(x))


def test_bidirectional_gru_text_model_trains_like_keras(keras):
    rng = np.random.default_rng(5)
    tokens = rng.integers(0, 1000, size=(128, 40)).astype("int32")
    labels = (tokens[:, :20].mean(axis=1) > 500).astype("float32")
    k_model = _bigru_text_model(keras)
    model = _bigru_text_model(strata)
    model.set_weights([np.asarray(w) for w in k_model.get_weights()])
    for m in (k_model, model):
        m.compile("adam", "binary_crossentropy")
    fit = dict(epochs=2, batch_size=32, shuffle=False, verbose=0)
    expected = k_model.fit(tokens, labels, **fit).history["loss"]
    got = model.fit(tokens, labels, **fit).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert got[1] < got[0]
