"""`stateful=True` recurrent layers: the final states of one batch start the next.

The oracle: running a stateful layer over consecutive batches x1, x2, ... (each (B, T, F)) must
give what a plain layer gives on the sequences joined along time, [x1 x2 ...] of length k*T.
(Keras 3's JAX backend does not carry the states at all, so it cannot serve as the oracle here.)
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strata
from strata import layers

BATCH, TIME, FEATURES = 4, 5, 3


def _stateful_and_plain(kind, units=2, **kwargs):
    """A stateful model with a fixed batch and a plain one sharing its recurrent weights."""
    inp = strata.Input(batch_shape=(BATCH, TIME, FEATURES))
    stateful = getattr(layers, kind)(units, stateful=True, **kwargs)
    model = strata.Model(inp, stateful(inp))
    plain = getattr(layers, kind)(units, **kwargs)
    plain(np.zeros((1, TIME, FEATURES), "float32"))
    plain.set_weights(stateful.get_weights())
    return model, stateful, plain


def _batches(n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, BATCH, TIME, FEATURES)).astype("float32")


def _joined(batches, upto):
    """Batches 0..upto joined along time: one long sequence per row."""
    return np.concatenate(list(batches[: upto + 1]), axis=1)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "SimpleRNN"])
def test_predict_carries_states_across_batches_and_calls(kind):
    model, _, plain = _stateful_and_plain(kind)
    batches = _batches(3)
    # One predict over three batches: row i of batch k continues row i of batch k-1.
    out = model.predict(np.concatenate(list(batches)), verbose=0).reshape(3, BATCH, -1)
    for k in range(3):
        np.testing.assert_allclose(out[k], plain(_joined(batches, k)), atol=1e-5)
    # A further call continues from there; reset_states starts over.
    more = _batches(1, seed=1)
    np.testing.assert_allclose(
        model.predict(more[0], verbose=0),
        plain(np.concatenate([_joined(batches, 2), more[0]], axis=1)),
        atol=1e-5,
    )
    model.reset_states()
    np.testing.assert_allclose(model.predict(batches[0], verbose=0), plain(batches[0]), atol=1e-5)


def test_eager_calls_and_layer_reset_state():
    model, stateful, plain = _stateful_and_plain("LSTM")
    batches = _batches(2)
    first, second = model(batches[0]), model(batches[1])
    np.testing.assert_allclose(first, plain(batches[0]), atol=1e-5)
    np.testing.assert_allclose(second, plain(_joined(batches, 1)), atol=1e-5)
    h, c = (np.asarray(s.value) for s in stateful.states)
    assert h.shape == c.shape == (BATCH, 2) and np.abs(h).sum() > 0
    np.testing.assert_allclose(h, np.asarray(second), atol=1e-6)  # the last output is h
    stateful.reset_state()
    assert all(np.all(np.asarray(s.value) == 0) for s in stateful.states)


def test_evaluate_and_fit_carry_states():
    model, stateful, plain = _stateful_and_plain("GRU")
    batches = _batches(3)
    x = np.concatenate(list(batches))
    y = np.zeros((3 * BATCH, 2), "float32")
    model.compile(strata.optimizers.SGD(0.0), "mse")
    model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(stateful.states[0].value, plain(_joined(batches, 2)), atol=1e-5)
    model.reset_states()
    # With a zero learning rate the weights stay put, so after one epoch of fit (no shuffling)
    # the states are those of the joined sequence.
    model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(stateful.states[0].value, plain(_joined(batches, 2)), atol=1e-5)
    assert model.trace_counts["train"] == 1


def test_training_updates_weights_and_states_together():
    model, stateful, _ = _stateful_and_plain("LSTM", 3)
    model.compile("adam", "mse")
    x = np.concatenate(list(_batches(4)))
    before = model.get_weights()
    history = model.fit(x, np.ones((len(x), 3), "float32"), epochs=3, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, model.get_weights()))
    assert np.abs(np.asarray(stateful.states[1].value)).sum() > 0


def test_states_are_not_weights_and_are_not_saved(tmp_path):
    model, stateful, _ = _stateful_and_plain("LSTM")
    assert [v.path for v in model.carried_state] == [s.path for s in stateful.states]
    assert len(model.weights) == 3 and model.non_trainable_weights == []
    model.predict(_batches(1)[0], verbose=0)
    path = tmp_path / "stateful.keras"
    model.save(path)
    loaded = strata.saving.load_model(path)
    assert loaded.layers[1].stateful
    assert all(np.all(np.asarray(s.value) == 0) for s in loaded.layers[1].states)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_keras_reads_a_stateful_model(tmp_path, keras):
    model, _, _ = _stateful_and_plain("LSTM")
    path = tmp_path / "stateful.keras"
    model.save(path)
    k_model = keras.saving.load_model(path)
    assert k_model.layers[1].stateful
    x = _batches(1)[0]
    # Keras's JAX backend starts every batch from zeros; so does a freshly reset strata model.
    model.reset_states()
    np.testing.assert_allclose(k_model.predict(x, batch_size=BATCH, verbose=0), model(x), atol=1e-5)


def test_sequential_batch_input_shape_idiom():
    # The tf.keras 2 way: batch_input_shape on the first layer, reset_states between epochs.
    with pytest.warns(UserWarning, match="prefer using an `Input"):
        model = strata.Sequential(
            [
                layers.LSTM(4, batch_input_shape=(BATCH, TIME, FEATURES), stateful=True),
                layers.Dense(1),
            ]
        )
    model.compile("adam", "mse")
    x = np.concatenate(list(_batches(2)))
    for _ in range(2):
        model.fit(x, np.zeros((len(x), 1)), epochs=1, shuffle=False, verbose=0)
        model.reset_states()
    assert all(np.all(np.asarray(v.value) == 0) for v in model.carried_state)
    assert model.predict(x, verbose=0).shape == (2 * BATCH, 1)


def test_stateful_errors_name_the_layer_and_the_fix():
    inp = strata.Input(shape=(TIME, FEATURES))
    with pytest.raises(ValueError, match=r"'lstm_x'.*fixed batch size.*batch_shape"):
        layers.LSTM(2, stateful=True, name="lstm_x")(inp)
    model, _, _ = _stateful_and_plain("LSTM")
    with pytest.raises(ValueError, match=r"fixed batch size of 4.*batch_size=8.*batch_size=4"):
        model.predict(np.zeros((8, TIME, FEATURES)), batch_size=8)
    model.compile("adam", "mse")
    with pytest.raises(ValueError, match=r"fit: .*fixed batch size of 4"):
        model.fit(np.zeros((8, TIME, FEATURES)), np.zeros((8, 2)), batch_size=2, verbose=0)
    layer = layers.SimpleRNN(2, stateful=True, name="rnn_y")
    layer(np.zeros((3, TIME, FEATURES), "float32"))
    with pytest.raises(ValueError, match=r"'rnn_y'.*batch size 3.*batch of 5"):
        layer(np.zeros((5, TIME, FEATURES), "float32"))


@settings(max_examples=8, deadline=None)
@given(full_batches=st.integers(0, 3), last_rows=st.integers(1, BATCH))
def test_partial_last_batch_keeps_real_rows_exact(full_batches, last_rows):
    # Rows beyond a multiple of the batch are padded; the real rows' outputs are unaffected.
    model, _, plain = _stateful_and_plain("SimpleRNN")
    batches = _batches(full_batches + 1, seed=last_rows)
    rows = full_batches * BATCH + last_rows
    out = model.predict(np.concatenate(list(batches))[:rows], verbose=0)
    assert out.shape == (rows, 2)
    expected = plain(_joined(batches, full_batches))[:last_rows]
    np.testing.assert_allclose(out[full_batches * BATCH :], expected, atol=1e-5)
