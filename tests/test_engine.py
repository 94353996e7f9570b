"""The training engine: one trace per fit, chunked execution equal to step-by-step, callbacks."""

import numpy as np
import pytest

import strata
from strata import layers


def _data(n=50, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x.sum(axis=1) > 0).astype("float32")
    return x, y


def _model(seed=0, dropout=0.0):
    strata.utils.set_random_seed(seed)
    inputs = strata.Input(shape=(4,))
    x = layers.Dense(8, activation="relu")(inputs)
    if dropout:
        x = layers.Dropout(dropout)(x)
    return strata.Model(inputs, layers.Dense(1, activation="sigmoid")(x))


def test_train_step_traced_once_per_fit_including_partial_batch():
    x, y = _data(50)  # 50 = 3 * 16 + 2: the last batch is partial
    model = _model()
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=16, epochs=3, validation_split=0.2, verbose=0)
    assert model.trace_counts["train"] == 1
    assert model.trace_counts["test"] == 1
    # Same shapes: no new trace.
    model.fit(x[::-1], y[::-1], batch_size=16, epochs=2, validation_split=0.2, verbose=0)
    assert model.trace_counts["train"] == 1
    model.evaluate(x, y, batch_size=16, verbose=0)
    model.evaluate(x, y, batch_size=16, verbose=0)
    assert model.trace_counts["test"] == 2  # the 50-row data set is a new shape; once only
    model.predict(x, batch_size=16, verbose=0)
    model.predict(x, batch_size=16, verbose=0)
    assert model.trace_counts["predict"] == 1


# 2 divides the 9 batches of an epoch unevenly; 100 is more than an epoch (the reference runs 1).
@pytest.mark.parametrize("steps_per_execution", [2, 3, 100])
def test_chunked_execution_gives_identical_results(steps_per_execution):
    x, y = _data(70)
    reference = _model(seed=3, dropout=0.25)
    reference.compile("adam", "binary_crossentropy", metrics=["accuracy"], steps_per_execution=1)
    np.random.seed(0)
    strata.utils.set_random_seed(11)
    expected = reference.fit(x, y, batch_size=8, epochs=3, verbose=0).history
    model = _model(seed=3, dropout=0.25)
    model.compile(
        "adam", "binary_crossentropy", metrics=["accuracy"], steps_per_execution=steps_per_execution
    )
    np.random.seed(0)
    strata.utils.set_random_seed(11)
    got = model.fit(x, y, batch_size=8, epochs=3, verbose=0).history
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-6, err_msg=key)
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_padding_is_excluded_exactly_from_loss_and_metrics():
    x, y = _data(10)
    model = _model()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    whole = model.evaluate(x, y, batch_size=10, verbose=0)
    padded = model.evaluate(x, y, batch_size=4, verbose=0)  # batches of 4, 4, 2 (+2 padding)
    np.testing.assert_allclose(padded, whole, rtol=1e-6)


class Recorder(strata.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, round(logs["loss"], 6)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, tuple(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))


def test_batch_level_callback_sees_every_batch_in_order():
    x, y = _data(20)
    model = _model()
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
    recorder = Recorder()
    history = model.fit(
        x, y, batch_size=8, epochs=2, validation_split=0.2, callbacks=[recorder], verbose=0
    )
    kinds = [event[0] for event in recorder.events]
    assert kinds == ["train_begin", "epoch_begin", "batch_end", "batch_end", "epoch_end"] * 1 + [
        "epoch_begin",
        "batch_end",
        "batch_end",
        "epoch_end",
        "train_end",
    ]
    assert [e[1] for e in recorder.events if e[0] == "batch_end"] == [0, 1, 0, 1]
    assert recorder.events[4][2] == ("accuracy", "loss", "val_accuracy", "val_loss")
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 2}


def test_epoch_only_callbacks_do_not_force_single_steps():
    class EpochOnly(strata.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.last = logs

    assert not EpochOnly().uses_batch_hooks()
    assert Recorder().uses_batch_hooks()
    x, y = _data(64)
    model = _model()
    model.compile("sgd", "binary_crossentropy")
    callback = EpochOnly()
    model.fit(x, y, batch_size=8, epochs=1, callbacks=[callback], verbose=0)
    assert set(callback.last) == {"loss"}


def test_stop_training_from_a_callback():
    class StopAfterFirst(strata.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    x, y = _data(16)
    model = _model()
    model.compile("sgd", "binary_crossentropy")
    history = model.fit(x, y, epochs=5, callbacks=[StopAfterFirst()], verbose=0)
    assert history.epoch == [0]


def test_history_epochs_initial_epoch_and_validation_freq():
    x, y = _data(20)
    model = _model()
    model.compile("sgd", "binary_crossentropy")
    assert model.fit(x, y, epochs=0, verbose=0).history == {}
    history = model.fit(
        x, y, epochs=5, initial_epoch=3, validation_data=(x, y), validation_freq=2, verbose=0
    )
    assert history.epoch == [3, 4]
    assert len(history.history["loss"]) == 2 and len(history.history["val_loss"]) == 1
    assert model.history is history


def test_evaluate_return_forms():
    x, y = _data(20)
    model = _model()
    model.compile("sgd", "binary_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)
    model.compile("sgd", "binary_crossentropy", metrics=["accuracy", "mse"])
    values = model.evaluate(x, y, verbose=0)
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["accuracy", "loss", "mse"]
    assert values == [as_dict["loss"], as_dict["accuracy"], as_dict["mse"]]


def test_set_random_seed_makes_runs_identical():
    x, y = _data(40)

    def run():
        model = _model(seed=5, dropout=0.5)
        model.compile("adam", "binary_crossentropy")
        np.random.seed(1)
        strata.utils.set_random_seed(5)
        return model.fit(x, y, batch_size=8, epochs=3, verbose=0).history[
            "loss"
        ], model.get_weights()

    (loss_a, weights_a), (loss_b, weights_b) = run(), run()
    assert loss_a == loss_b
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)


def test_dropout_is_active_only_in_training():
    layer = layers.Dropout(0.5, seed=1)
    x = np.ones((100, 10), "float32")
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    dropped = np.asarray(layer(x, training=True))
    assert set(np.unique(dropped)) <= {0.0, 2.0}
    assert 0.3 < (dropped == 0).mean() < 0.7


def test_predict_handles_sizes_and_int_input():
    model = _model()
    kernel, bias, out_kernel, out_bias = model.get_weights()

    def by_hand(x):
        hidden = np.maximum(np.asarray(x, "float64") @ kernel + bias, 0.0)
        return 1.0 / (1.0 + np.exp(-(hidden @ out_kernel + out_bias)))

    ints = np.arange(12).reshape(3, 4)
    out = model.predict(ints, verbose=0)
    assert out.dtype == np.float32 and out.shape == (3, 1)
    np.testing.assert_allclose(out, by_hand(ints), rtol=1e-5)
    np.testing.assert_allclose(model.predict(np.ones((1, 4)), verbose=0), by_hand(np.ones((1, 4))))
    # 1000 rows in batches of 64: the last batch (40 rows) is padded, and the padding dropped.
    many = np.random.default_rng(0).normal(size=(1000, 4)).astype("float32")
    np.testing.assert_allclose(
        model.predict(many, batch_size=64, verbose=0), by_hand(many), rtol=1e-5, atol=1e-6
    )


def test_compile_without_metrics_and_loss_weights_scalar():
    a = strata.Input(shape=(2,))
    model = strata.Model(a, [layers.Dense(1, name="p")(a), layers.Dense(1, name="q")(a)])
    model.compile("sgd", loss="mse", loss_weights=[1.0, 0.0])
    x, y = np.ones((4, 2)), np.ones(4)
    logs = model.evaluate(x, [y, y], verbose=0, return_dict=True)
    assert list(logs) == ["loss", "p_loss", "q_loss"]
    assert logs["loss"] == pytest.approx(logs["p_loss"], rel=1e-6)
    assert model.metrics_names == ["loss", "compile_metrics", "p_loss", "q_loss"]


def test_optimizer_learning_rate_can_change_between_fits_without_retracing():
    x, y = _data(16)
    model = _model()
    model.compile(strata.optimizers.SGD(0.1), "binary_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.optimizer.learning_rate = 0.0
    before = model.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.trace_counts["train"] == 1
    assert model.optimizer.iterations == 2


def test_repeated_small_predict_takes_the_fast_path_and_sees_new_weights():
    model = _model(seed=4)
    row = np.ones((1, 4), "float32")
    first = model.predict(row, verbose=0)
    assert model._last_small_predict[1] == (1, 4)
    again = model.predict(row, verbose=0)  # the fast path
    np.testing.assert_array_equal(first, again)
    model.set_weights([w * 2 for w in model.get_weights()])
    np.testing.assert_allclose(model.predict(row, verbose=0), np.asarray(model(row)), rtol=1e-6)
    assert not np.allclose(model.predict(row, verbose=0), first)
    # Another shape, or data that needs adapting, goes the long way and still works.
    assert model.predict(np.ones((3, 4)), verbose=0).shape == (3, 1)
    assert model.predict([[1.0, 2.0, 3.0, 4.0]], verbose=0).shape == (1, 1)
