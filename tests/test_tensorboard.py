"""TensorBoard callback: event files that TensorBoard's own reader reads back as the History."""

import glob
import json
import os
import sys

import numpy as np
import pytest
from tensorboard.backend.event_processing import event_accumulator

import strata
from strata.callbacks import LambdaCallback, TensorBoard


def read(directory):
    accumulator = event_accumulator.EventAccumulator(
        str(directory), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0}
    )
    accumulator.Reload()
    return accumulator


def scalars(accumulator, tag):
    return [(event.step, event.value) for event in accumulator.Scalars(tag)]


def _model(metrics=("mae",)):
    inputs = strata.Input(shape=(3,))
    hidden = strata.layers.Dense(4, activation="relu", name="hidden")(inputs)
    model = strata.Model(inputs, strata.layers.Dense(1, name="out")(hidden))
    model.compile(optimizer=strata.optimizers.SGD(0.05), loss="mse", metrics=list(metrics))
    return model


@pytest.fixture
def data(rng):
    x = rng.normal(size=(40, 3)).astype("float32")
    return x, (x.sum(axis=1, keepdims=True) * 0.5).astype("float32")


def test_epoch_scalars_learning_rate_and_histograms_equal_the_history(tmp_path, data):
    x, y = data
    model = _model()
    callback = TensorBoard(tmp_path, histogram_freq=2)
    history = model.fit(
        x, y, batch_size=8, epochs=3, verbose=0, validation_split=0.25, callbacks=[callback]
    )
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, validation = read(tmp_path / "train"), read(tmp_path / "validation")
    assert sorted(train.Tags()["scalars"]) == ["epoch_learning_rate", "epoch_loss", "epoch_mae"]
    assert sorted(validation.Tags()["scalars"]) == [
        "epoch_loss",
        "epoch_mae",
        "evaluation_loss_vs_iterations",
        "evaluation_mae_vs_iterations",
    ]
    for name in ("loss", "mae"):
        expected = [(epoch, np.float32(v)) for epoch, v in enumerate(history.history[name])]
        assert scalars(train, f"epoch_{name}") == expected
        expected = [
            (epoch, np.float32(v)) for epoch, v in enumerate(history.history[f"val_{name}"])
        ]
        assert scalars(validation, f"epoch_{name}") == expected
        # Validation against optimizer steps: 4 steps per epoch (30 training samples, batch 8).
        assert [step for step, _ in scalars(validation, f"evaluation_{name}_vs_iterations")] == [
            4,
            8,
            12,
        ]
    assert scalars(train, "epoch_learning_rate") == [(e, np.float32(0.05)) for e in range(3)]
    # Weight histograms at epochs 0 and 2, tagged by weight path; the last is the final weights.
    assert sorted(train.Tags()["histograms"]) == [
        "hidden/bias/histogram",
        "hidden/kernel/histogram",
        "out/bias/histogram",
        "out/kernel/histogram",
    ]
    kernel = model.get_layer("hidden").kernel.numpy()
    events = train.Histograms("hidden/kernel/histogram")
    assert [event.step for event in events] == [0, 2]
    last = events[-1].histogram_value
    assert (last.num, last.min, last.max) == (kernel.size, kernel.min(), kernel.max())
    assert last.sum == pytest.approx(float(kernel.sum()), rel=1e-5)


def test_learning_rate_of_a_schedule_is_logged(tmp_path, data):
    x, y = data
    schedule = strata.optimizers.schedules.ExponentialDecay(0.1, decay_steps=5, decay_rate=0.5)
    model = _model(metrics=())
    model.compile(optimizer=strata.optimizers.SGD(schedule), loss="mse")
    model.fit(x, y, batch_size=10, epochs=2, verbose=0, callbacks=[TensorBoard(tmp_path)])
    logged = scalars(read(tmp_path / "train"), "epoch_learning_rate")
    assert logged == [(0, np.float32(schedule(4))), (1, np.float32(schedule(8)))]


@pytest.mark.parametrize("update_freq", ["batch", 3])
def test_batch_scalars_follow_update_freq(tmp_path, data, update_freq):
    x, y = data
    batch_logs = []
    recorder = LambdaCallback(on_train_batch_end=lambda batch, logs: batch_logs.append(dict(logs)))
    callback = TensorBoard(tmp_path, update_freq=update_freq)
    assert callback.uses_batch_hooks()
    _model().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[callback, recorder])
    train = read(tmp_path / "train")
    every = 1 if update_freq == "batch" else update_freq
    # Global batch numbers count from 1 across epochs (5 batches per epoch here).
    steps = [step for step in range(1, 11) if step % every == 0]
    for name in ("loss", "mae"):
        expected = [(step, np.float32(batch_logs[step - 1][name])) for step in steps]
        assert scalars(train, f"batch_{name}") == expected
    assert len(scalars(train, "epoch_loss")) == 2


def test_model_config_is_written_for_the_graph_tab(tmp_path, data):
    x, y = data
    model = _model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
    train = read(tmp_path / "train")
    assert train.Tags()["tensors"] == ["keras"]
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    (event,) = train.Tensors("keras")
    config = json.loads(event.tensor_proto.string_val[0])
    assert config["class_name"] == "Functional"
    assert [layer["name"] for layer in config["config"]["layers"]][1:] == ["hidden", "out"]
    # No graph when asked not to.
    model.fit(
        x, y, epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path / "nograph", write_graph=False)]
    )
    assert read(tmp_path / "nograph" / "train").Tags()["tensors"] == []


def test_profile_batch_writes_a_jax_trace(tmp_path, data):
    x, y = data
    callback = TensorBoard(tmp_path, profile_batch=(2, 3), write_graph=False)
    assert callback.uses_batch_hooks()
    _model().fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[callback])
    traces = glob.glob(str(tmp_path / "train" / "plugins" / "profile" / "*" / "*.xplane.pb"))
    assert len(traces) == 1


def test_evaluate_writes_evaluation_scalars(tmp_path, data):
    x, y = data
    model = _model()
    model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    loss, mae = model.evaluate(x, y, verbose=0, callbacks=[TensorBoard(tmp_path)])
    validation = read(tmp_path / "validation")
    assert scalars(validation, "evaluation_loss_vs_iterations") == [(4, np.float32(loss))]
    assert scalars(validation, "evaluation_mae_vs_iterations") == [(4, np.float32(mae))]


def test_steps_per_second_and_repeated_fits(tmp_path, data):
    x, y = data
    model = _model()
    callback = TensorBoard(tmp_path, write_steps_per_second=True)
    for _ in range(2):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, callbacks=[callback])
    # Each fit gets its own event file, even within the same second.
    assert len(glob.glob(str(tmp_path / "train" / "events.out.tfevents.*"))) == 2
    logged = scalars(read(tmp_path / "train"), "epoch_steps_per_second")
    assert [step for step, _ in logged] == [0, 0] and all(value > 0 for _, value in logged)


def test_missing_tensorboardx_gives_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)
    with pytest.raises(ImportError, match=r"pip install tensorboardX.*strata\[tensorboard\]"):
        TensorBoard(tmp_path)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"update_freq": "weekly"}, ValueError, "`update_freq` must be 'epoch', 'batch' or an int"),
        ({"update_freq": 0}, ValueError, "`update_freq` must be"),
        ({"histogram_freq": -1}, ValueError, "`histogram_freq` must be an int >= 0"),
        ({"histogram_freq": 0.5}, ValueError, "`histogram_freq` must be an int >= 0"),
        ({"profile_batch": (3, 1)}, ValueError, "start <= stop"),
        ({"profile_batch": "a,b"}, ValueError, "`profile_batch` must be"),
        ({"profile_batch": (0, 5)}, ValueError, "count from 1"),
        ({"profile_batch": -1}, ValueError, "`profile_batch` must be"),
        ({"write_images": True}, NotImplementedError, "write_images=True"),
        ({"embeddings_freq": 1}, NotImplementedError, "embedding"),
        ({"log_dir": 3.0}, ValueError, "`log_dir` must be a path"),
    ],
)
def test_bad_arguments_raise_clear_errors(tmp_path, kwargs, error, message):
    kwargs = {"log_dir": tmp_path, **kwargs}
    with pytest.raises(error, match=message):
        TensorBoard(**kwargs)


def test_profile_batch_string_form_and_epoch_mode_hooks(tmp_path):
    assert TensorBoard(tmp_path, profile_batch="2,4")._profile_range == (2, 4)
    assert TensorBoard(tmp_path, profile_batch=0)._profile_range is None
    assert TensorBoard(tmp_path).uses_batch_hooks() is False
