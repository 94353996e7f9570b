"""Progress output of `fit`, `evaluate` and `predict`, checked against Keras 3 (reference §3).

`Progbar` itself is compared byte for byte with `keras.utils.Progbar` under a fake clock. The
`fit`/`evaluate`/`predict` output is compared with real Keras runs of the same model (same weights,
no shuffling), after replacing the times, which differ from run to run, with `T`.

strata deviates from Keras on purpose in one place: at verbose=1 on a stream that is not a
terminal, Keras still redraws with backspaces and carriage returns, while strata writes only the
finished line of each epoch.
"""

import contextlib
import io
import re
import sys
import time

import numpy as np
import pytest

import strata
from strata.callbacks import ProgbarLogger
from strata.utils.progbar import Progbar, format_eta, format_step_time, format_value


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


class Clock:
    """`time.time` that returns what the test sets, so timings are the same in both libraries."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(time, "time", fake)
    return fake


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> str:
    return ANSI.sub("", text)


def without_times(text: str) -> str:
    """Replace elapsed/ETA seconds and the time per step with `T`, and drop the padding spaces."""
    text = re.sub(r"\d+(?:ms|us|s)/step", "T/step", text)
    text = re.sub(r"(?<=━ )\d+(?::\d\d)*s(?= )", "Ts", text)
    text = re.sub(r"(?<=\x1b\[1m)\d+(?::\d\d)*s(?=\x1b\[0m)", "Ts", text)
    text = re.sub(r"(?<=/\d - )\d+s(?= - )", "Ts", text)
    text = re.sub(r"(?<=/\d\d - )\d+s(?= - )", "Ts", text)
    return re.sub(r" +(?=\n)", "", text)


# ---- Progbar against keras.utils.Progbar ------------------------------------------------------------

# Each script: (target, [(time, current, values, finalize), ...]); values are sorted pairs, as the
# callbacks pass them.
TRAIN = [("accuracy", 0.453125), ("loss", 0.68690)]
EPOCH_END = [*TRAIN, ("val_accuracy", 0.55), ("val_loss", 0.63861)]
SCRIPTS = {
    "three_steps": (
        3,
        [
            (0.197, 1, [("accuracy", 0.4375), ("loss", 0.6914)], False),
            (0.394, 2, TRAIN, False),
            (0.612, 3, [("accuracy", 0.475), ("loss", 0.67854)], False),
            (1.326, 3, [("accuracy", 0.475), ("loss", 0.67854), *EPOCH_END[2:]], True),
        ],
    ),
    "single_step_pads_shorter_line": (
        1,
        [
            (0.000679, 1, [("loss", 499.0229), ("mse", 499.0229)], False),
            (0.002, 1, [("loss", 499.0229), ("mse", 499.0229)], True),
        ],
    ),
    "values": (
        2,
        [
            (0.5, 1, [("big", 12345.678), ("neg", -0.5), ("tiny", 0.0005)], False),
            (1.0, 2, [("big", 1.0), ("neg", -0.0001), ("tiny", 0.0), ("zzz", 2.0)], True),
        ],
    ),
    "shrinking_lines": (
        4,
        [
            (0.1, 1, [("a", 12345.678)], False),
            (0.2, 2, [("a", 1.0)], False),
            (0.3, 3, [("a", 2.0), ("b", 3.0)], False),
            (0.4, 4, [("a", 2.0)], False),
            (0.5, 4, [("a", 2.0), ("c", 9.0)], True),
        ],
    ),
    "eta_minutes_and_hours": (
        100,
        [
            (2.0, 1, [], False),
            (62.0, 2, [], False),
            (4000.0, 40, [], False),
            (9000.0, 100, [], True),
        ],
    ),
    "throttled": (
        50,
        [
            (0.01, 1, TRAIN, False),
            (0.02, 2, TRAIN, False),
            (0.03, 3, TRAIN, False),
            (0.5, 50, TRAIN, True),
        ],
    ),
    "unknown_target": (
        None,
        [(0.1, 1, TRAIN, False), (0.3, 7, TRAIN, False), (0.4, 7, TRAIN, True)],
    ),
    "no_metrics": (4, [(0.1, 1, None, False), (0.3, 4, None, False), (0.31, 4, None, True)]),
}


def run_script(make_bar, clock, target, steps):
    clock.now = 1000.0
    bar = make_bar(target)
    for at, current, values, finalize in steps:
        clock.now = 1000.0 + at
        bar.update(current, values, finalize=finalize)


@contextlib.contextmanager
def stdout_to(stream):
    """Print to `stream`, then give back whatever `sys.stdout` was (pytest's capture, usually)."""
    previous = sys.stdout
    sys.stdout = stream
    try:
        yield stream
    finally:
        sys.stdout = previous


def keras_output(keras, clock, monkeypatch, verbose, script):
    out = FakeTerminal()
    # ProgbarLogger's settings: metrics are shown as given (they are already running means).
    with stdout_to(out):
        run_script(
            lambda target: keras.utils.Progbar(target, verbose=verbose, stateless_metrics=set()),
            clock,
            *script,
        )
    return out.getvalue()


def strata_output(clock, verbose, script, stream=None):
    out = stream if stream is not None else FakeTerminal()
    run_script(lambda target: Progbar(target, verbose=verbose, stream=out), clock, *script)
    return out.getvalue()


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_progbar_bytes_match_keras(keras, clock, monkeypatch, verbose, name):
    script = SCRIPTS[name]
    theirs = keras_output(keras, clock, monkeypatch, verbose, script)
    assert strata_output(clock, verbose, script) == theirs


def test_progbar_terminal_format(clock):
    """Reference §3.2, checked piece by piece on the three-step script."""
    text = strata_output(clock, 1, SCRIPTS["three_steps"])
    updates = text.split("\r")
    assert updates[0] == ""
    first = updates[1]
    assert first.startswith("\x1b[1m1/3\x1b[0m \x1b[32m" + "━" * 6 + "\x1b[0m\x1b[37m" + "━" * 14)
    visible = plain(first).rstrip("\b")
    assert first.endswith(" - accuracy: 0.4375 - loss: 0.6914" + "\b" * len(visible))
    # At 3/3 the bar is all green and the white part is empty; the last update ends the line.
    last = updates[-1]
    assert last.startswith("\x1b[1m3/3\x1b[0m \x1b[32m" + "━" * 20 + "\x1b[0m\x1b[37m\x1b[0m ")
    assert last.endswith(" - val_accuracy: 0.5500 - val_loss: 0.6386\n")
    assert plain(last) == (
        "3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 565ms/step - accuracy: 0.4750 - loss: 0.6785 - "
        "val_accuracy: 0.5500 - val_loss: 0.6386\n"
    )


def test_progbar_verbose_2_line(clock):
    text = strata_output(clock, 2, SCRIPTS["three_steps"])
    # Only the finished line; the time per step at verbose=2 averages over the whole epoch when
    # the bar was not fed per batch (see ProgbarLogger), here it excludes the first step.
    assert text == (
        "3/3 - 1s - 565ms/step - accuracy: 0.4750 - loss: 0.6785 - val_accuracy: 0.5500 - "
        "val_loss: 0.6386\n"
    )


def test_progbar_not_a_terminal_prints_finished_line_only(clock):
    stream = io.StringIO()
    text = strata_output(clock, 1, SCRIPTS["three_steps"], stream=stream)
    assert text == (
        "3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 565ms/step - accuracy: 0.4750 - loss: 0.6785 - "
        "val_accuracy: 0.5500 - val_loss: 0.6386\n"
    )


def test_progbar_verbose_0_is_silent(clock):
    assert strata_output(clock, 0, SCRIPTS["three_steps"]) == ""


def test_value_and_time_formats():
    assert format_value(0.67854) == "0.6785"
    assert format_value(-0.67854) == "-0.6785"
    assert format_value(0.001) == "1.0000e-03"  # the threshold itself is "tiny"
    assert format_value(-1e-5) == "-1.0000e-05"
    assert format_value(499.02291) == "499.0229"
    assert format_step_time(0) == "0s/step"
    assert format_step_time(1.6) == "2s/step"
    assert format_step_time(0.999) == "999ms/step"
    assert format_step_time(0.000679) == "679us/step"
    assert format_eta(59.9) == "59s"
    assert format_eta(61) == "1:01"
    assert format_eta(3601) == "1:00:01"


# ---- fit / evaluate / predict against Keras ------------------------------------------------------

RNG = np.random.default_rng(0)
X = RNG.normal(size=(100, 4)).astype("float32")
Y = (RNG.random((100, 1)) > 0.5).astype("float32")


def twin_models(keras):
    """The same logistic regression in Keras and strata, with Keras's initial weights."""
    k_in = keras.Input(shape=(4,), name="x")
    k_model = keras.Model(k_in, keras.layers.Dense(1, activation="sigmoid", name="p")(k_in))
    s_in = strata.Input(shape=(4,), name="x")
    s_model = strata.Model(s_in, strata.layers.Dense(1, activation="sigmoid", name="p")(s_in))
    s_model.set_weights(k_model.get_weights())
    for model in (k_model, s_model):
        model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return k_model, s_model


FIT = {"epochs": 2, "validation_split": 0.2, "shuffle": False}


def run(fn, capsys, terminal=False, monkeypatch=None):
    capsys.readouterr()
    if terminal:
        out = FakeTerminal()
        with stdout_to(out):
            fn()
        return out.getvalue()
    fn()
    return capsys.readouterr().out


def finished_lines(keras_text: str) -> str:
    """What a terminal finally shows: the last redraw of each line, without colours."""
    return "".join(plain(line.split("\r")[-1]) for line in keras_text.splitlines(keepends=True))


def test_fit_verbose_2_matches_keras(keras, capsys):
    k_model, s_model = twin_models(keras)
    theirs = run(lambda: k_model.fit(X, Y, verbose=2, **FIT), capsys)
    ours = run(lambda: s_model.fit(X, Y, verbose=2, **FIT), capsys)
    assert without_times(ours) == without_times(theirs)
    assert re.fullmatch(
        r"Epoch 1/2\n3/3 - \d+s - \d+(s|ms|us)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - "
        r"val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}\nEpoch 2/2\n.*\n",
        ours,
    )


def test_fit_verbose_1_not_a_terminal(keras, capsys):
    """One finished line per epoch, equal to the line Keras leaves on the screen."""
    k_model, s_model = twin_models(keras)
    theirs = run(lambda: k_model.fit(X, Y, verbose=1, **FIT), capsys)
    ours = run(lambda: s_model.fit(X, Y, verbose=1, **FIT), capsys)
    assert "\r" not in ours and "\b" not in ours and "\x1b" not in ours
    assert len(ours.splitlines()) == 4
    assert without_times(ours) == without_times(finished_lines(theirs))


def test_fit_verbose_1_terminal(keras, capsys, monkeypatch):
    k_model, s_model = twin_models(keras)
    theirs = run(lambda: k_model.fit(X, Y, verbose=1, **FIT), capsys, True, monkeypatch)
    ours = run(lambda: s_model.fit(X, Y, verbose=1, **FIT), capsys, True, monkeypatch)
    assert ours.startswith("Epoch 1/2\n\r\x1b[1m")
    assert "\x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m" in ours
    # Every redraw first steps back over the previous line (the exact count is checked against
    # keras.utils.Progbar above).
    for line in ours.split("\n"):
        parts = line.split("\r")
        for previous in parts[1:-1]:
            assert previous.endswith("\b")
    # The line each epoch leaves on the screen is Keras's, colours included.
    ours_final = [line.split("\r")[-1] for line in ours.split("\n") if "\r" in line]
    theirs_final = [line.split("\r")[-1] for line in theirs.split("\n") if "\r" in line]
    assert [without_times(x) for x in ours_final] == [without_times(x) for x in theirs_final]


def test_epoch_lines_only_for_several_epochs(capsys):
    _, s_model = twin_models_strata_only()
    one = run(lambda: s_model.fit(X, Y, epochs=1, verbose=2), capsys)
    assert not one.startswith("Epoch") and len(one.splitlines()) == 1
    resumed = run(lambda: s_model.fit(X, Y, initial_epoch=3, epochs=5, verbose=2), capsys)
    assert [line for line in resumed.splitlines() if line.startswith("Epoch")] == [
        "Epoch 4/5",
        "Epoch 5/5",
    ]
    assert run(lambda: s_model.fit(X, Y, epochs=2, verbose=0), capsys) == ""


def twin_models_strata_only():
    s_in = strata.Input(shape=(4,), name="x")
    s_model = strata.Model(s_in, strata.layers.Dense(1, activation="sigmoid", name="p")(s_in))
    s_model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return None, s_model


def test_val_keys_sorted_after_training_keys(keras, capsys):
    """Keras: at verbose=1 training keys come first; the verbose=2 line sorts every key."""
    _, s_model = twin_models_strata_only()
    s_model.compile(
        optimizer="sgd",
        loss="binary_crossentropy",
        metrics=["accuracy", strata.metrics.MeanAbsoluteError(name="zmae")],
    )
    v1 = run(lambda: s_model.fit(X, Y, epochs=1, verbose=1, validation_split=0.2), capsys)
    keys = re.findall(r" - (\w+): ", v1)
    assert keys == ["accuracy", "loss", "zmae", "val_accuracy", "val_loss", "val_zmae"]
    v2 = run(lambda: s_model.fit(X, Y, epochs=1, verbose=2, validation_split=0.2), capsys)
    assert re.findall(r" - (\w+): ", v2) == sorted(keys)


def test_evaluate_and_predict_match_keras(keras, capsys):
    k_model, s_model = twin_models(keras)
    for call in (
        lambda m: m.evaluate(X, Y, verbose=1),
        lambda m: m.evaluate(X, Y, verbose=2),
        lambda m: m.predict(X, verbose=1),
        lambda m: m.predict(X, verbose=2),
    ):
        theirs = finished_lines(run(lambda call=call: call(k_model), capsys))
        ours = run(lambda call=call: call(s_model), capsys)
        assert without_times(ours) == without_times(theirs)
    assert re.fullmatch(
        r"4/4 ━{20} \d+s \d+(s|ms|us)/step\n", run(lambda: s_model.predict(X), capsys)
    )
    ours = run(lambda: s_model.evaluate(X, Y), capsys)
    assert re.fullmatch(r"4/4 ━{20} .* - accuracy: \d\.\d{4} - loss: \d\.\d{4}\n", ours)
    assert run(lambda: s_model.evaluate(X, Y, verbose=0), capsys) == ""
    assert run(lambda: s_model.predict(X, verbose=0), capsys) == ""


# ---- ProgbarLogger against keras.callbacks.ProgbarLogger --------------------------------------------


def ordered(logs):
    # Keras's CallbackList hands callbacks the logs sorted by name (`pythonify_logs`); strata's
    # ProgbarLogger sorts them itself, so both loggers get what Keras's own would get.
    return dict(sorted(logs.items()))


def drive_logger(logger, clock, mode, verbose, steps):
    """Call the hooks as fit/evaluate/predict do, at set times."""
    epochs = 2 if mode == "fit" else 1
    logger.set_params({"verbose": verbose, "epochs": epochs, "steps": steps})
    clock.now = 1000.0
    logs = {}
    if mode == "fit":
        logger.on_train_begin()
        for epoch in range(epochs):
            clock.now += 1
            logger.on_epoch_begin(epoch)
            for batch in range(3):
                clock.now += 0.25 if batch == 0 else 0.0125
                logs = ordered({"loss": 0.7 - 0.01 * batch, "accuracy": 0.5 + 0.01 * batch})
                logger.on_train_batch_end(batch, logs)
            logger.on_test_begin()  # the validation pass inside fit stays silent
            logger.on_test_batch_end(0, {"loss": 9.0})
            logger.on_test_end({"loss": 9.0})
            clock.now += 0.1
            logger.on_epoch_end(epoch, ordered({**logs, "val_loss": 0.6, "val_accuracy": 0.55}))
        logger.on_train_end(logs)
    elif mode == "evaluate":
        logger.on_test_begin()
        for batch in range(4):
            clock.now += 0.02
            logs = ordered({"loss": 0.5, "accuracy": 0.25, "zmae": 0.0001})
            logger.on_test_batch_end(batch, logs)
        logger.on_test_end(logs)
    else:
        logger.on_predict_begin()
        for batch in range(4):
            clock.now += 0.06
            logger.on_predict_batch_end(batch, {"outputs": np.zeros(2)})
        logger.on_predict_end()


@pytest.mark.parametrize("steps", [3, None])
@pytest.mark.parametrize("verbose", ["auto", 1, 2])
@pytest.mark.parametrize("mode", ["fit", "evaluate", "predict"])
def test_logger_bytes_match_keras(keras, clock, monkeypatch, mode, verbose, steps):
    if mode != "fit" and steps is not None:
        steps = 4
    outputs = []
    for logger_class in (keras.callbacks.ProgbarLogger, ProgbarLogger):
        out = FakeTerminal()
        with stdout_to(out):
            drive_logger(logger_class(), clock, mode, verbose, steps)
        outputs.append(out.getvalue())
    theirs, ours = outputs
    assert ours == theirs


def test_logger_verbose_2_averages_over_the_epoch(clock, capsys):
    """At verbose=2 the first (compiling) step counts in the time per step, as in Keras."""
    drive_logger(ProgbarLogger(), clock, "fit", 2, 3)
    lines = capsys.readouterr().out.splitlines()
    # Epoch 1: 0.25 + 2 * 0.0125 + 0.1 seconds over 3 steps.
    assert lines[:2] == [
        "Epoch 1/2",
        "3/3 - 0s - 125ms/step - accuracy: 0.5200 - loss: 0.6800 - val_accuracy: 0.5500 - "
        "val_loss: 0.6000",
    ]
