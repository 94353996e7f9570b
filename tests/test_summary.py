"""`model.summary()` prints the same text as Keras 3 for the same model.

Every model is built twice, once with strata and once with Keras, from one builder that takes the
library as an argument. Every layer and model gets an explicit name, so the two texts are compared
byte for byte without any normalisation.
"""

import io
import re
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import strata
from strata.utils.summary import print_summary, readable_memory_size


def _lib(module):
    return SimpleNamespace(
        name=module.__name__,
        Input=module.Input,
        Model=module.Model,
        Sequential=module.Sequential,
        L=module.layers,
    )


# Building a model compiles its weight initialisers (seconds per new shape on a busy CPU), and a
# summary only reads the model, so each model is built once per library for the whole module.
_models: dict = {}


def built(build, lib):
    key = (build.__name__, lib.name)
    if key not in _models:
        _models[key] = build(lib)
    return _models[key]


@pytest.fixture
def libs(keras):
    return _lib(strata), _lib(keras)


def captured(model, **kwargs) -> str:
    calls = []
    model.summary(print_fn=lambda *args, **kw: calls.append((args, kw)), **kwargs)
    assert len(calls) == 1 and not calls[0][1], "print_fn is called once, with the text only"
    return calls[0][0][0]


def assert_same(libs, build, **kwargs):
    ours, theirs = (captured(built(build, lib), **kwargs) for lib in libs)
    assert ours == theirs
    return ours


def dense(lib, units, **kwargs):
    # Zeros: a summary does not look at values, and random initialisers compile once per shape.
    return lib.L.Dense(units, kernel_initializer="zeros", **kwargs)


# ---- models --------------------------------------------------------------------------------------


def two_inputs(lib):
    """Reference §4.2."""
    a = lib.Input(shape=(4,), name="in_a")
    b = lib.Input(shape=(3,), name="in_b")
    merged = lib.L.Concatenate(name="concat")(
        [dense(lib, 8, name="dense_a")(a), dense(lib, 8, name="dense_b")(b)]
    )
    return lib.Model([a, b], dense(lib, 1, name="out")(merged), name="two_in")


def seed_sequential(lib):
    """Seed cell In [2]: legacy `input_dim` builds the model at once."""
    model = lib.Sequential(name="seed_seq")
    with pytest.warns(UserWarning, match="input_shape`/`input_dim"):
        model.add(dense(lib, 3, input_dim=4, activation="softmax", name="softmax_out"))
    return model


def seed_functional(lib):
    """Seed cell In [4]: 10 -> 64 -> 64 -> 1, 4,929 parameters."""
    inputs = lib.Input(shape=(10,), name="inputs")
    hidden1 = dense(lib, 64, activation="relu", name="hidden1")(inputs)
    hidden2 = dense(lib, 64, activation="relu", name="hidden2")(hidden1)
    output = dense(lib, 1, activation="sigmoid", name="output")(hidden2)
    return lib.Model(inputs=inputs, outputs=output, name="ffnn")


def seed_two_branches(lib):
    """Seed cell In [10]: two branch models whose layers are inlined into the outer model."""
    input_a = lib.Input(shape=(64,), name="input_a")
    input_b = lib.Input(shape=(128,), name="input_b")
    x = dense(lib, 16, activation="relu", name="a1")(input_a)
    x = dense(lib, 8, activation="relu", name="a2")(x)
    x = lib.Model(inputs=input_a, outputs=x, name="branch_a")
    y = dense(lib, 64, activation="relu", name="b1")(input_b)
    y = dense(lib, 32, activation="relu", name="b2")(y)
    y = dense(lib, 8, activation="relu", name="b3")(y)
    y = lib.Model(inputs=input_b, outputs=y, name="branch_b")
    result = lib.L.concatenate([x.output, y.output], name="merged")
    z = dense(lib, 2, activation="relu", name="z1")(result)
    z = dense(lib, 1, activation="linear", name="z2")(z)
    return lib.Model(inputs=[x.input, y.input], outputs=z, name="two_branches")


def seed_lstm(lib):
    """Seed cell In [11]: LSTM(10) on (50, 1), 480 + 110 + 11 parameters."""
    inputs = lib.Input(shape=(50, 1), name="series")
    lstm = lib.L.LSTM(10, kernel_initializer="zeros", recurrent_initializer="zeros", name="lstm")
    x = dense(lib, 10, activation="relu", name="hidden")(lstm(inputs))
    return lib.Model(inputs, dense(lib, 1, activation="sigmoid", name="out")(x), name="rnn")


def lstm_states(lib):
    """A layer with three outputs: a list of shapes, and `[node][tensor]` past index 0."""
    inputs = lib.Input(shape=(5, 2), name="series")
    lstm = lib.L.LSTM(
        3,
        return_state=True,
        kernel_initializer="zeros",
        recurrent_initializer="zeros",
        name="lstm",
    )
    _, h, c = lstm(inputs)
    return lib.Model(inputs, lib.L.Add(name="h_plus_c")([h, c]), name="states")


def unbuilt_sequential(lib):
    return lib.Sequential(
        [dense(lib, 3, name="later"), lib.L.Dropout(0.5, name="drop")], name="unb"
    )


def shared_layer(lib):
    x = lib.Input(shape=(4,), name="x")
    shared = dense(lib, 4, name="shared")
    once = shared(x)
    twice = shared(once)
    return lib.Model(x, lib.L.Add(name="add")([once, twice]), name="shared_m")


def nested(lib):
    """A functional model (with a frozen layer) called twice inside another one."""
    inner_in = lib.Input(shape=(4,), name="inner_in")
    frozen = dense(lib, 5, name="frozen", trainable=False)
    inner = lib.Model(inner_in, dense(lib, 3, name="inner_out")(frozen(inner_in)), name="inner")
    a = lib.Input(shape=(4,), name="a")
    b = lib.Input(shape=(4,), name="b")
    return lib.Model([a, b], lib.L.Add(name="sum")([inner(a), inner(b)]), name="outer")


def nested_chain(lib):
    """A Sequential inside a functional model inside a Sequential: a chain at every level."""
    stack = lib.Sequential([lib.Input(shape=(4,)), dense(lib, 3, name="s1")], name="stack")
    mid_in = lib.Input(shape=(4,), name="mid_in")
    mid = lib.Model(mid_in, dense(lib, 2, name="m1")(stack(mid_in)), name="mid")
    return lib.Sequential([lib.Input(shape=(4,)), mid, dense(lib, 1, name="t1")], name="top")


def branching(lib):
    """One input, two outputs and no merge: not a chain, so "Connected to" is shown."""
    x = lib.Input(shape=(4,), name="x")
    return lib.Model(x, [dense(lib, 2, name="p")(x), dense(lib, 3, name="q")(x)], name="fork")


def trained(lib):
    """Compiled with Adam and fitted once, so the footer shows the optimizer's variables."""
    x = lib.Input(shape=(6,), name="features")
    h = dense(lib, 10, activation="relu", name="h")(x)
    model = lib.Model(x, dense(lib, 1, name="y")(h), name="trained")
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(16, 6)), rng.normal(size=(16, 1)), epochs=1, verbose=0)
    return model


# ---- parity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["200", "80"])
@pytest.mark.parametrize(
    "build",
    [
        two_inputs,
        seed_sequential,
        seed_functional,
        seed_two_branches,
        seed_lstm,
        lstm_states,
        unbuilt_sequential,
        shared_layer,
        nested,
        nested_chain,
        branching,
    ],
)
def test_matches_keras(libs, monkeypatch, build, columns):
    monkeypatch.setenv("COLUMNS", columns)
    assert_same(libs, build)


def test_two_inputs_text(libs, monkeypatch):
    """The §4.2 table, written out, so a change in both libraries would still be caught."""
    monkeypatch.setenv("COLUMNS", "200")
    text = assert_same(libs, two_inputs)
    lines = text.splitlines()
    assert lines[0] == 'Model: "two_in"'
    assert len(lines[1]) == 108
    assert lines[3].startswith("┡━") and lines[-4].startswith("└─")
    assert (
        "│ concat (Concatenate)          │ (None, 16)                │               0 │ " in text
    )
    assert "│ dense_a[0][0],             │" in text
    assert text.endswith(
        " Total params: 89 (356.00 B)\n Trainable params: 89 (356.00 B)\n"
        " Non-trainable params: 0 (0.00 B)\n"
    )


def test_sequential_hides_input_and_functional_shows_it(libs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    seq = captured(built(nested_chain, libs[0]))
    assert "InputLayer" not in seq
    assert "Connected to" not in captured(built(seed_functional, libs[0]))
    assert "│ inputs (InputLayer)" in captured(built(seed_functional, libs[0]))


def test_unbuilt(libs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    text = assert_same(libs, unbuilt_sequential)
    assert "│ ?  " in text and "0 (unbuilt) │" in text
    # A layer without weights of its own counts as built (0), as in Keras.
    assert re.search(r"drop \(Dropout\) +│ \? +│ +0 │", text)


def test_optimizer_params(libs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    text = assert_same(libs, trained)
    # 81 weights; Adam keeps iterations, learning_rate and two slots per weight.
    assert " Optimizer params: 164 (656.00 B)\n" in text
    assert " Total params: 245 (980.00 B)\n" in text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"show_trainable": True},
        {"expand_nested": True},
        {"expand_nested": True, "show_trainable": True},
        {"line_length": 70},
        {"line_length": 150, "show_trainable": True},
        {"line_length": 40},
        {"positions": [0.2, 0.4, 0.6, 1.0]},
    ],
)
def test_options_match_keras(libs, monkeypatch, kwargs):
    monkeypatch.setenv("COLUMNS", "200")
    assert_same(libs, nested, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"expand_nested": True, "show_trainable": True},
        {"positions": [0.3, 0.6, 1.0]},
        {"positions": [0.3, 0.6, 1.0], "show_trainable": True},
    ],
)
def test_nested_chain_options_match_keras(libs, monkeypatch, kwargs):
    monkeypatch.setenv("COLUMNS", "100")
    assert_same(libs, nested_chain, **kwargs)


def test_line_length_wider_than_terminal_is_cut_at_terminal(libs, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    text = assert_same(libs, seed_functional, line_length=120)
    assert max(len(line) for line in text.splitlines()) == 80


def test_default_width_follows_terminal(libs, monkeypatch):
    for columns, width in [("80", 76), ("100", 96), ("200", 108)]:
        monkeypatch.setenv("COLUMNS", columns)
        assert len(captured(built(two_inputs, libs[0])).splitlines()[1]) == width
        assert len(captured(built(seed_functional, libs[0])).splitlines()[1]) == min(width, 88)


def test_subclassed_model_matches_keras(keras, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")

    def build(module):
        lib = _lib(module)

        class TwoLayer(module.Model):
            def __init__(self):
                super().__init__(name="two_layer")
                self.hidden = dense(lib, 5, name="hidden")
                self.out = dense(lib, 1, name="head")

            def call(self, x):
                return self.out(self.hidden(x))

        return TwoLayer()

    ours, theirs = build(strata), build(keras)
    assert captured(ours) == captured(theirs)  # before the first call: "?" and "0 (unbuilt)"
    ours(np.zeros((2, 3), "float32"))
    theirs(np.zeros((2, 3), "float32"))
    assert captured(ours) == captured(theirs)  # shapes from the build input, batch size included


# ---- printing to the terminal ------------------------------------------------------------------


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def _stdout_of(model, monkeypatch, **kwargs) -> str:
    stream = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", stream)
    model.summary(**kwargs)
    monkeypatch.undo()
    return stream.getvalue()


@pytest.mark.parametrize("build", [two_inputs, nested])
def test_terminal_colours_match_keras(libs, monkeypatch, build):
    kwargs = {"show_trainable": True, "expand_nested": True}
    outputs = []
    for lib in libs:
        monkeypatch.setenv("COLUMNS", "200")
        monkeypatch.setenv("TERM", "xterm-256color")
        for var in ("NO_COLOR", "FORCE_COLOR", "COLORTERM", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
            monkeypatch.delenv(var, raising=False)
        outputs.append(_stdout_of(built(build, lib), monkeypatch, **kwargs))
    ours, theirs = outputs
    assert ours == theirs
    assert ours.startswith('\x1b[1mModel: "')
    assert "\x1b[38;5;33mDense\x1b[0m" in ours and "\x1b[38;5;45mNone\x1b[0m" in ours


def test_pipe_gets_plain_text(libs, monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "200")
    built(two_inputs, libs[0]).summary()
    printed = capsys.readouterr().out
    assert "\x1b" not in printed
    assert printed == captured(built(two_inputs, libs[0]))


# ---- pieces -------------------------------------------------------------------------------------------


def test_readable_memory_size():
    assert readable_memory_size(0) == "0.00 B"
    assert readable_memory_size(1023) == "1023.00 B"
    assert readable_memory_size(1024) == "1.00 KB"
    assert readable_memory_size(4816) == "4.70 KB"
    assert readable_memory_size(3 * 1024**3) == "3.00 GB"
    assert readable_memory_size(2048 * 1024**5) == "2048.00 PB"


def test_print_summary_is_what_model_summary_calls(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    model = built(seed_functional, _lib(strata))
    lines = []
    print_summary(model, print_fn=lines.append)
    assert lines == [captured(model)]


def test_bad_positions_say_what_to_pass():
    model = built(seed_functional, _lib(strata))
    with pytest.raises(ValueError, match=r"`positions` needs 3 entries"):
        model.summary(positions=[0.5, 1.0], print_fn=print)
    with pytest.raises(ValueError, match=r"leaves a column with no room"):
        model.summary(positions=[30, 60, 90], show_trainable=True, print_fn=print)
