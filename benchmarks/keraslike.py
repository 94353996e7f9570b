"""The workloads written once against the Keras API, run with `lib` = `strata` or `keras`.

strata promises that Keras code runs with only the import changed, so both libraries execute
this same code; any difference in the figures is the library's, not the benchmark's.
"""

from __future__ import annotations

import numpy as np

from benchmarks import common


def _mlp(lib):
    inputs = lib.Input(shape=(784,))
    x = lib.layers.Dense(512, activation="relu")(inputs)
    x = lib.layers.Dense(512, activation="relu")(x)
    outputs = lib.layers.Dense(10, activation="softmax")(x)
    return lib.Model(inputs, outputs)


def _lstm(lib):
    # The seed's cell In [11].
    inputs = lib.Input(shape=(50, 1))
    x = lib.layers.LSTM(10)(inputs)
    x = lib.layers.Dense(10, activation="relu")(x)
    outputs = lib.layers.Dense(1, activation="sigmoid")(x)
    return lib.Model(inputs=inputs, outputs=outputs)


def _two_input(lib):
    # The seed's cell In [10], branches wrapped in their own models as the tutorial does.
    input_a = lib.Input(shape=(64,))
    input_b = lib.Input(shape=(128,))
    x = lib.layers.Dense(16, activation="relu")(input_a)
    x = lib.layers.Dense(8, activation="relu")(x)
    x = lib.Model(inputs=input_a, outputs=x)
    y = lib.layers.Dense(64, activation="relu")(input_b)
    y = lib.layers.Dense(32, activation="relu")(y)
    y = lib.layers.Dense(8, activation="relu")(y)
    y = lib.Model(inputs=input_b, outputs=y)
    z = lib.layers.concatenate([x.output, y.output])
    z = lib.layers.Dense(2, activation="relu")(z)
    z = lib.layers.Dense(1, activation="linear")(z)
    return lib.Model(inputs=[x.input, y.input], outputs=z)


def _fit_timed(lib, model, x, y, *, loss, batch_size, epochs, samples) -> dict:
    """Compile with Adam, `fit` silently, and time each epoch's end (see `epoch_figures`)."""
    model.compile(optimizer=lib.optimizers.Adam(), loss=loss)
    ends = []

    class EpochClock(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            # Reading the loss waits for the device, so the clock sees finished work.
            float(logs["loss"])
            ends.append(common.clock())

    started = common.clock()
    history = model.fit(
        x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[EpochClock()]
    )
    figures = common.epoch_figures(started, ends, samples)
    figures["final_loss"] = float(history.history["loss"][-1])
    figures.update(_trace_counts(model))
    return figures


def _trace_counts(model) -> dict:
    # strata counts how often each compiled function was traced; more than one per fit means
    # a recompile. Keras has no such counter.
    counts = getattr(model, "trace_counts", None)
    return {"trace_counts": dict(counts)} if counts else {}


def regression(lib, sizes: common.Sizes) -> dict:
    """The seed's linear regression: total `fit` seconds (compile included) for all epochs."""
    lib.utils.set_random_seed(common.SEED)
    inputs = lib.Input(shape=(1,))
    outputs = lib.layers.Dense(1, activation="linear")(inputs)
    model = lib.Model(inputs, outputs)
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mse"])
    started = common.clock()
    history = model.fit(
        common.REGRESSION_X, common.REGRESSION_Y, epochs=sizes.regression_epochs, verbose=0
    )
    ended = common.clock()
    return {
        "fit_s": ended[0] - started[0],
        "fit_cpu_s": ended[1] - started[1],
        "epochs": sizes.regression_epochs,
        "final_loss": float(history.history["loss"][-1]),
        **_trace_counts(model),
    }


def mlp(lib, sizes: common.Sizes) -> dict:
    """MLP 784-512-512-10 with Adam and sparse categorical cross-entropy, batch 128."""
    lib.utils.set_random_seed(common.SEED)
    x, y = common.mlp_data(sizes.mlp_samples)
    return _fit_timed(
        lib,
        _mlp(lib),
        x,
        y,
        loss="sparse_categorical_crossentropy",
        batch_size=common.MLP_BATCH,
        epochs=sizes.mlp_epochs,
        samples=sizes.mlp_samples,
    )


def lstm(lib, sizes: common.Sizes) -> dict:
    """The seed's LSTM model with Adam and binary cross-entropy, batch 32."""
    lib.utils.set_random_seed(common.SEED)
    x, y = common.lstm_data(sizes.lstm_samples)
    return _fit_timed(
        lib,
        _lstm(lib),
        x,
        y,
        loss="binary_crossentropy",
        batch_size=common.LSTM_BATCH,
        epochs=sizes.lstm_epochs,
        samples=sizes.lstm_samples,
    )


def two_input(lib, sizes: common.Sizes) -> dict:
    """The seed's two-input model with Adam and MSE, batch 32."""
    lib.utils.set_random_seed(common.SEED)
    x, y = common.two_input_data(sizes.two_input_samples)
    return _fit_timed(
        lib,
        _two_input(lib),
        x,
        y,
        loss="mse",
        batch_size=common.TWO_INPUT_BATCH,
        epochs=sizes.two_input_epochs,
        samples=sizes.two_input_samples,
    )


def predict(lib, sizes: common.Sizes) -> dict:
    """Median milliseconds of `model.predict(row)` and of `model(row)` on one MLP row."""
    lib.utils.set_random_seed(common.SEED)
    model = _mlp(lib)
    model.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    row = common.mlp_data(1)[0]
    predict_s = common.median_call_seconds(
        lambda: model.predict(row, verbose=0), sizes.latency_calls
    )
    # np.asarray waits for the result, so asynchronous dispatch cannot hide the work.
    call_s = common.median_call_seconds(lambda: np.asarray(model(row)), sizes.latency_calls)
    return {"predict_ms": 1e3 * predict_s, "call_ms": 1e3 * call_s, "calls": sizes.latency_calls}
