"""Callbacks that steer training: decisions equal Keras 3's, files as Keras writes them."""

import math

import numpy as np
import pytest

import strata
from strata.callbacks import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ReduceLROnPlateau,
    TensorBoard,
    TerminateOnNaN,
)


class FakeOptimizer:
    """Keeps its learning rate as float32, as both libraries' optimizers do."""

    def __init__(self, learning_rate):
        self._lr = np.float32(learning_rate)

    @property
    def learning_rate(self):
        return float(self._lr)

    @learning_rate.setter
    def learning_rate(self, value):
        self._lr = np.float32(value)


class FakeModel:
    """What the monitoring callbacks touch: stop flag, weights, optimizer (no compiled metrics)."""

    def __init__(self, learning_rate=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(learning_rate)
        self.metrics = []
        self.current = None
        self.restored = None

    def get_weights(self):
        return [np.array(self.current)]

    def set_weights(self, weights):
        self.restored = int(weights[0])


def drive(callback, values, monitor="val_loss", learning_rate=0.1):
    """Feed one monitored value per epoch, as fit would; stop when the callback says so."""
    model = FakeModel(learning_rate)
    callback.set_model(model)
    callback.on_train_begin()
    trace = []
    for epoch, value in enumerate(values):
        model.current = epoch
        logs = {"loss": 1.0, monitor: value}
        callback.on_epoch_end(epoch, logs)
        trace.append(
            (epoch, model.stop_training, callback.wait, callback.best, logs.get("learning_rate"))
        )
        if model.stop_training:
            break
    callback.on_train_end()
    return trace, model


EARLY_STOPPING_CASES = [
    ({"patience": 2, "min_delta": 0.01}, [1.0, 0.9, 0.895, 0.89, 0.85, 0.86, 0.87, 0.88, 0.8]),
    ({"patience": 0}, [1.0, 0.9, 0.95, 0.8]),
    (
        {"monitor": "val_acc", "mode": "max", "patience": 1, "baseline": 0.6},
        [0.5, 0.55, 0.7, 0.65, 0.66],
    ),
    (
        {"patience": 2, "restore_best_weights": True, "start_from_epoch": 2},
        [0.1, 0.05, 1.0, 0.9, 0.95, 0.92, 0.97],
    ),
    ({"patience": 3, "baseline": 0.5, "restore_best_weights": True}, [0.9, 0.8, 0.85, 0.7, 0.75]),
    # 1 + 1e-9 equals 1.0 in float32: no improvement in Keras's float32 comparison.
    ({"patience": 1, "mode": "min"}, [1.0, 1.0 + 1e-9, 1.0 - 1e-9, 0.5]),
    ({"patience": 1, "min_delta": -0.2}, [1.0, 0.85, 0.7, 0.55]),
]


@pytest.mark.parametrize(("kwargs", "values"), EARLY_STOPPING_CASES)
def test_early_stopping_decisions_match_keras(kwargs, values, keras):
    monitor = kwargs.get("monitor", "val_loss")
    ours, ours_model = drive(EarlyStopping(**kwargs), values, monitor)
    theirs_callback = keras.callbacks.EarlyStopping(**kwargs)
    theirs, theirs_model = drive(theirs_callback, values, monitor)
    assert ours == [(e, s, w, None if b is None else float(b), lr) for e, s, w, b, lr in theirs]
    assert ours_model.restored == theirs_model.restored


REDUCE_LR_CASES = [
    ({"factor": 0.5, "patience": 2}, [1.0, 0.99999, 0.9, 0.95, 0.93, 0.92, 0.95, 0.9, 0.9]),
    ({"factor": 0.5, "patience": 1, "cooldown": 2, "min_lr": 0.02}, [1.0] * 12),
    ({"factor": 0.1, "patience": 1, "min_delta": 0.0}, [1.0, 1.0, 0.5, 0.5, 0.5]),
    (
        {"monitor": "val_acc", "mode": "max", "factor": 0.2, "patience": 1},
        [0.5, 0.6, 0.55, 0.6, 0.61],
    ),
]


@pytest.mark.parametrize(("kwargs", "values"), REDUCE_LR_CASES)
def test_reduce_lr_on_plateau_decisions_match_keras(kwargs, values, keras):
    monitor = kwargs.get("monitor", "val_loss")
    ours, ours_model = drive(ReduceLROnPlateau(**kwargs), values, monitor)
    theirs, theirs_model = drive(keras.callbacks.ReduceLROnPlateau(**kwargs), values, monitor)
    assert ours == [(e, s, w, None if b is None else float(b), lr) for e, s, w, b, lr in theirs]
    assert ours_model.optimizer.learning_rate == theirs_model.optimizer.learning_rate


def _regression(lib, seed_weights=None):
    inputs = lib.Input(shape=(4,))
    hidden = lib.layers.Dense(8, activation="tanh")(inputs)
    model = lib.Model(inputs, lib.layers.Dense(1)(hidden))
    if seed_weights is not None:
        model.set_weights(seed_weights)
    return model


@pytest.fixture
def data(rng):
    x = rng.normal(size=(48, 4)).astype("float32")
    y = (x @ rng.normal(size=(4, 1)) + 0.3 * rng.normal(size=(48, 1))).astype("float32")
    return x[:32], y[:32], x[32:], y[32:]


def test_early_stopping_in_fit_stops_and_restores_like_keras(keras, data):
    x, y, x_val, y_val = data
    k_model = _regression(keras)
    model = _regression(strata, [np.asarray(w) for w in k_model.get_weights()])
    results = []
    for lib, net in ((keras, k_model), (strata, model)):
        net.compile(optimizer=lib.optimizers.SGD(learning_rate=0.3), loss="mse")
        stop = lib.callbacks.EarlyStopping(patience=1, restore_best_weights=True, min_delta=1e-3)
        history = net.fit(
            x, y, batch_size=8, epochs=40, shuffle=False, verbose=0,
            validation_data=(x_val, y_val), callbacks=[stop],
        )  # fmt: skip
        results.append((history.history, stop.stopped_epoch, stop.best_epoch, net.get_weights()))
    (k_hist, k_stopped, k_best, k_weights), (hist, stopped, best, weights) = results
    assert 0 < stopped < 39
    assert (stopped, best) == (k_stopped, k_best)
    np.testing.assert_allclose(hist["val_loss"], k_hist["val_loss"], rtol=1e-5)
    for ours, theirs in zip(weights, k_weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_learning_rate_callbacks_in_fit_match_keras(keras, data):
    x, y, x_val, y_val = data
    k_model = _regression(keras)
    model = _regression(strata, [np.asarray(w) for w in k_model.get_weights()])
    results = []
    for lib, net in ((keras, k_model), (strata, model)):
        net.compile(optimizer=lib.optimizers.SGD(learning_rate=0.2, momentum=0.5), loss="mse")
        callbacks = [
            lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.7 if epoch else lr),
            lib.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=0.05),
        ]
        history = net.fit(
            x, y, batch_size=8, epochs=6, shuffle=False, verbose=0,
            validation_data=(x_val, y_val), callbacks=callbacks,
        )  # fmt: skip
        results.append((history.history, net.get_weights()))
    (k_hist, k_weights), (hist, weights) = results
    assert list(hist) == list(k_hist)
    np.testing.assert_allclose(hist["learning_rate"], k_hist["learning_rate"], rtol=1e-6)
    np.testing.assert_allclose(hist["loss"], k_hist["loss"], rtol=1e-5)
    for ours, theirs in zip(weights, k_weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    # The learning rate lives in the optimizer state: changing it never recompiles the step.
    assert model.trace_counts["train"] == 1


def _tiny_model(learning_rate=0.1, optimizer=None):
    inputs = strata.Input(shape=(2,))
    model = strata.Model(inputs, strata.layers.Dense(1)(inputs))
    model.compile(optimizer=optimizer or strata.optimizers.SGD(learning_rate), loss="mse")
    return model


def test_learning_rate_scheduler_sets_and_logs_the_rate(capsys):
    model = _tiny_model(0.1)
    seen = []
    scheduler = LearningRateScheduler(lambda epoch: np.float32(0.1 / (epoch + 1)), verbose=1)
    scheduler.set_model(model)
    for epoch in range(3):
        scheduler.on_epoch_begin(epoch)
        logs = {"loss": 1.0}
        scheduler.on_epoch_end(epoch, logs)
        seen.append(logs["learning_rate"])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    assert (
        "Epoch 3: LearningRateScheduler setting learning rate to 0.0333" in capsys.readouterr().out
    )
    # A 0-d array (e.g. `lr * ops.exp(-0.1)`) is taken as a float.
    import jax.numpy as jnp

    decaying = LearningRateScheduler(lambda epoch, lr: lr * jnp.exp(-0.1))
    model = _tiny_model(0.2)
    decaying.set_model(model)
    rates = []
    for epoch in range(2):
        decaying.on_epoch_begin(epoch)
        logs = {}
        decaying.on_epoch_end(epoch, logs)
        rates.append(logs["learning_rate"])
    assert all(type(rate) is float for rate in rates)
    np.testing.assert_allclose(rates, [0.2 * np.exp(-0.1), 0.2 * np.exp(-0.2)], rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), rates[-1], rtol=1e-6)


@pytest.mark.parametrize("bad", ["0.1", None, [0.1, 0.2], -0.5, float("nan")])
def test_learning_rate_scheduler_rejects_bad_schedule_output(bad):
    scheduler = LearningRateScheduler(lambda epoch, lr: bad)
    scheduler.set_model(_tiny_model())
    with pytest.raises(ValueError, match="schedule` function"):
        scheduler.on_epoch_begin(0)


def test_rate_callbacks_refuse_schedule_optimizers():
    schedule = strata.optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    model = _tiny_model(optimizer=strata.optimizers.SGD(learning_rate=schedule))
    scheduler = LearningRateScheduler(lambda epoch, lr: lr)
    scheduler.set_model(model)
    with pytest.raises(TypeError, match="learning-rate schedule"):
        scheduler.on_epoch_begin(0)
    reduce = ReduceLROnPlateau(monitor="loss", patience=0)
    reduce.set_model(model)
    reduce.on_train_begin()
    reduce.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(TypeError, match="learning-rate schedule"):
        reduce.on_epoch_end(1, {"loss": 1.0})


def test_auto_mode_reads_the_compiled_metrics(rng):
    inputs = strata.Input(shape=(3,))
    model = strata.Model(inputs, strata.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy", "mae"])
    x, y = rng.normal(size=(8, 3)).astype("float32"), rng.integers(0, 2, size=(8, 1))
    model.fit(x, y, epochs=1, verbose=0)
    directions = {}
    for monitor in ("val_accuracy", "accuracy", "mae", "val_loss"):
        callback = EarlyStopping(monitor=monitor)
        callback.set_model(model)
        callback.resolve_direction()
        directions[monitor] = callback._higher_is_better
    assert directions == {"val_accuracy": True, "accuracy": True, "mae": False, "val_loss": False}
    unknown = EarlyStopping(monitor="val_custom")
    unknown.set_model(model)
    with pytest.raises(ValueError, match="cannot tell whether monitor='val_custom'"):
        unknown.on_epoch_end(0, {"val_custom": 1.0})


def test_missing_monitor_warns_with_available_names():
    callback = EarlyStopping(monitor="val_loss")
    callback.set_model(FakeModel())
    callback.on_train_begin()
    with pytest.warns(
        UserWarning, match="`val_loss` which is not available. Available metrics are: loss"
    ):
        callback.on_epoch_end(0, {"loss": 1.0})


def _keras_rows(keras, tmp_path, name, epochs_logs, **kwargs):
    path = tmp_path / name
    logger = keras.callbacks.CSVLogger(str(path), **kwargs)
    logger.set_model(FakeModel())
    logger.on_train_begin()
    for epoch, logs in enumerate(epochs_logs):
        logger.on_epoch_end(epoch, dict(logs))
    logger.on_train_end()
    return path.read_bytes()


def _our_rows(tmp_path, name, epochs_logs, **kwargs):
    path = tmp_path / name
    logger = CSVLogger(path, **kwargs)
    logger.set_model(FakeModel())
    logger.on_train_begin()
    for epoch, logs in enumerate(epochs_logs):
        logger.on_epoch_end(epoch, dict(logs))
    logger.on_train_end()
    return path.read_bytes()


def test_csv_logger_writes_the_bytes_keras_writes(keras, tmp_path):
    runs = [
        [{"loss": 0.5, "mae": 0.25}, {"loss": 0.125, "mae": 0.1, "val_loss": 0.3}],
        [
            {"loss": 1 / 3, "val_loss": 2 / 3, "acc": np.float32(0.7)},
            {"loss": 0.2, "val_loss": 0.1},
        ],
        [{"loss": 0.5, "hist": np.array([1.0, 2.5])}],
    ]
    for i, logs in enumerate(runs):
        for kwargs in ({}, {"separator": ";"}):
            ours = _our_rows(tmp_path, f"ours{i}.csv", logs, **kwargs)
            assert ours == _keras_rows(keras, tmp_path, f"keras{i}.csv", logs, **kwargs)
    # Appending: no second header, rows continue; and the same as Keras's append.
    for _ in range(2):
        ours = _our_rows(tmp_path, "ours_append.csv", runs[0], append=True)
        theirs = _keras_rows(keras, tmp_path, "keras_append.csv", runs[0], append=True)
    assert ours == theirs
    assert ours.count(b"epoch,") == 1 and ours.count(b"\r\n") == 5


def test_csv_logger_in_fit_records_the_history(tmp_path):
    model = _tiny_model()
    x = np.ones((8, 2), "float32")
    path = tmp_path / "run.csv"
    history = model.fit(
        x, x[:, :1], epochs=3, verbose=0, validation_split=0.25, callbacks=[CSVLogger(path)]
    )
    rows = path.read_text().splitlines()
    assert rows[0] == "epoch,loss,val_loss"
    for epoch, row in enumerate(rows[1:]):
        cells = row.split(",")
        assert int(cells[0]) == epoch
        assert float(cells[1]) == history.history["loss"][epoch]
        assert float(cells[2]) == history.history["val_loss"][epoch]


def test_terminate_on_nan_stops_training(capsys):
    model = _tiny_model()
    x = np.full((16, 2), np.inf, "float32")
    history = model.fit(
        x, np.ones((16, 1)), batch_size=4, epochs=5, verbose=0, callbacks=[TerminateOnNaN()]
    )
    assert len(history.epoch) == 1 and math.isnan(history.history["loss"][0])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered"):
        model.fit(
            x, np.ones((16, 1)), epochs=2, verbose=0, callbacks=[TerminateOnNaN(raise_error=True)]
        )


def test_terminate_on_nan_checks_batches_like_keras():
    callback = TerminateOnNaN()
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    callback.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    callback.on_train_batch_end(1, {"loss": float("inf")})
    assert model.stop_training


def test_lambda_callback_hooks_fire():
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_train_end=lambda logs: events.append("train_end"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_epoch_end=lambda epoch, logs: events.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_batch_begin=lambda batch, logs: events.append(f"batch_begin {batch}"),
        on_train_batch_end=lambda batch, logs: events.append(f"batch_end {batch} {sorted(logs)}"),
        on_test_end=lambda logs: events.append(f"test_end {sorted(logs)}"),
    )
    assert callback.uses_batch_hooks()
    model = _tiny_model()
    x = np.ones((6, 2), "float32")
    model.fit(x, x[:, :1], batch_size=3, epochs=2, verbose=0, callbacks=[callback])
    assert events == [
        "train_begin",
        *[
            line
            for epoch in range(2)
            for line in (
                f"epoch_begin {epoch}",
                "batch_begin 0",
                "batch_end 0 ['loss']",
                "batch_begin 1",
                "batch_end 1 ['loss']",
                f"epoch_end {epoch} ['loss']",
            )
        ],
        "train_end",
    ]
    model.evaluate(x, x[:, :1], verbose=0, callbacks=[callback])
    assert events[-1] == "test_end ['loss']"


def test_lambda_callback_on_batch_end_stands_in_for_train_batch_end():
    batches = []
    callback = LambdaCallback(on_batch_end=lambda batch, logs: batches.append(batch))
    callback.on_train_batch_end(4, {})
    assert batches == [4] and callback.uses_batch_hooks()


@pytest.mark.parametrize(
    "callback",
    [
        EarlyStopping(),
        ReduceLROnPlateau(),
        LearningRateScheduler(lambda epoch, lr: lr),
        CSVLogger("unused.csv"),
        TerminateOnNaN(),
        LambdaCallback(on_epoch_end=lambda epoch, logs: None, on_train_end=lambda logs: None),
        TensorBoard("unused_logs"),
    ],
    ids=lambda c: type(c).__name__,
)
def test_epoch_level_callbacks_do_not_force_per_step_calls(callback):
    assert callback.uses_batch_hooks() is False


@pytest.mark.parametrize(
    ("factory", "error", "message"),
    [
        (lambda: EarlyStopping(mode="maximum"), ValueError, "`mode` must be one of 'auto', 'min'"),
        (lambda: EarlyStopping(patience=-1), ValueError, "`patience` must be an int >= 0"),
        (lambda: EarlyStopping(patience=1.5), ValueError, "`patience` must be an int >= 0"),
        (lambda: EarlyStopping(monitor=None), ValueError, "`monitor` must be the name"),
        (lambda: EarlyStopping(baseline="high"), ValueError, "`baseline` must be a number or None"),
        (lambda: EarlyStopping(start_from_epoch=-2), ValueError, "start_from_epoch"),
        (lambda: ReduceLROnPlateau(factor=1.0), ValueError, r"`factor` must be in \[0, 1\)"),
        (lambda: ReduceLROnPlateau(mode="down"), ValueError, "`mode` must be one of"),
        (lambda: ReduceLROnPlateau(min_lr=-1e-3), ValueError, "`min_lr` must be >= 0"),
        (lambda: ReduceLROnPlateau(cooldown=-1), ValueError, "`cooldown` must be an int >= 0"),
        (lambda: ReduceLROnPlateau(patience_=3), ValueError, r"not recognized: \['patience_'\]"),
        (lambda: LearningRateScheduler(0.1), ValueError, "`schedule` must be a function"),
        (lambda: CSVLogger(3.5), ValueError, "`filename` must be a path"),
        (lambda: CSVLogger("a.csv", separator=";;"), ValueError, "one-character string"),
        (lambda: LambdaCallback(on_epoch_ends=print), ValueError, r"unknown hook name\(s\)"),
        (lambda: LambdaCallback(on_epoch_end=3), ValueError, "`on_epoch_end` must be a function"),
    ],
)
def test_bad_arguments_raise_clear_errors(factory, error, message):
    with pytest.raises(error, match=message):
        factory()


def test_reduce_lr_legacy_epsilon_warns():
    with pytest.warns(DeprecationWarning, match="use `min_delta`"):
        callback = ReduceLROnPlateau(epsilon=0.01)
    assert callback.min_delta == 0.01


def test_exported_names():
    for name in (
        "CSVLogger",
        "EarlyStopping",
        "LambdaCallback",
        "LearningRateScheduler",
        "ReduceLROnPlateau",
        "TensorBoard",
        "TerminateOnNaN",
    ):
        assert name in strata.callbacks.__all__
        assert getattr(strata.callbacks, name).__module__.startswith("strata.callbacks.")
