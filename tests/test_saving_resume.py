"""Never lose work: atomic saves (a process killed mid-save keeps the previous file), exact
training resumption from a saved model, ModelCheckpoint and BackupAndRestore."""

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import strata
from strata import layers
from strata.saving.atomic import atomic_write

# The model and data every test here trains; also run by the subprocesses below.
TRAINING_CODE = textwrap.dedent(
    """
    import numpy as np
    import strata


    def build():
        strata.utils.set_random_seed(0)
        model = strata.Sequential(
            [
                strata.Input((4,)),
                strata.layers.Dense(8, activation="tanh"),
                strata.layers.Dense(1),
            ]
        )
        model.compile(strata.optimizers.Adam(0.05), "mse", metrics=["mae"])
        return model


    def data():
        rng = np.random.default_rng(0)
        x = rng.normal(size=(32, 4)).astype("float32")
        return x, (x @ np.array([[1.0], [-2.0], [0.5], [0.0]], "float32")).astype("float32")
    """
)
namespace: dict = {}
exec(compile(TRAINING_CODE, "training_code", "exec"), namespace)
build, data = namespace["build"], namespace["data"]


def run_child(tmp_path, body, *, kill_when=None, timeout=120):
    """Run `TRAINING_CODE` + `body` in a fresh interpreter; SIGKILL it when it prints `kill_when`."""
    script = tmp_path / "child.py"
    script.write_text(TRAINING_CODE + textwrap.dedent(body))
    env = {**os.environ, "JAX_PLATFORMS": "cpu", "PYTHONUNBUFFERED": "1"}
    with (
        open(tmp_path / "child.err", "w") as errors,
        subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=errors, text=True, env=env
        ) as child,
    ):
        try:
            if kill_when is None:
                child.wait(timeout=timeout)
            else:
                for line in child.stdout:
                    if line.strip() == kill_when:
                        child.send_signal(signal.SIGKILL)
                        break
                child.wait(timeout=timeout)
        finally:
            if child.poll() is None:
                child.kill()
    expected = 0 if kill_when is None else -signal.SIGKILL
    assert child.returncode == expected, (tmp_path / "child.err").read_text()[-2000:]


# ---- atomic saves ---------------------------------------------------------------------------------
def test_a_process_killed_mid_save_leaves_the_previous_file(tmp_path):
    target = tmp_path / "model.keras"
    run_child(
        tmp_path,
        f"""
        import time
        from strata.saving import archive

        model = build()
        x, y = data()
        model.fit(x, y, epochs=1, verbose=0)
        model.save({str(target)!r})
        np.save({str(tmp_path / "expected.npy")!r}, model.predict(x, verbose=0))
        model.fit(x, y, epochs=1, verbose=0)

        def write_then_hang(model, handle, include_optimizer=True):
            handle.write(b"PK\\x03\\x04 half of a new file")
            handle.flush()
            print("WRITING", flush=True)
            time.sleep(60)

        archive.write = write_then_hang
        model.save({str(target)!r})
        """,
        kill_when="WRITING",
    )
    x, _ = data()
    restored = strata.saving.load_model(target)
    assert np.array_equal(restored.predict(x, verbose=0), np.load(tmp_path / "expected.npy"))
    leftovers = [name for name in os.listdir(tmp_path) if name.startswith(".model.keras.")]
    assert len(leftovers) == 1  # the killed save's temporary file, never the target


def test_a_failed_save_keeps_the_old_file_and_cleans_up(tmp_path):
    target = tmp_path / "notes.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(target) as handle:
            handle.write(b"new and partial")
            raise RuntimeError("boom")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["notes.bin"]
    with pytest.raises(FileExistsError, match="overwrite=True"):
        with atomic_write(target, overwrite=False):
            pass
    model = build()
    model.build((None, 4))
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "notes.bin.keras") or model.save(
            tmp_path / "notes.bin.keras", overwrite=False
        )


# ---- exact resumption -----------------------------------------------------------------------------
def test_training_resumes_exactly_from_a_saved_model(tmp_path):
    x, y = data()
    uninterrupted = build()
    full = uninterrupted.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0).history
    first = build()
    head = first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    first.save(tmp_path / "half.keras")
    resumed = strata.saving.load_model(tmp_path / "half.keras")
    tail = resumed.fit(
        x, y, batch_size=8, epochs=4, initial_epoch=2, shuffle=False, verbose=0
    ).history
    for key in ("loss", "mae"):
        assert np.allclose(head[key] + tail[key], full[key], rtol=0, atol=1e-6), key
    for ours, expected in zip(resumed.get_weights(), uninterrupted.get_weights()):
        assert np.allclose(ours, expected, rtol=0, atol=1e-6)
    assert resumed.optimizer.iterations == uninterrupted.optimizer.iterations == 16


def test_weights_files_restore_the_optimizer_too(tmp_path):
    x, y = data()
    model = build()
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    model.save_weights(tmp_path / "w.weights.h5")
    twin = build()
    twin.build((None, 4))
    twin.load_weights(tmp_path / "w.weights.h5")
    assert twin.optimizer.iterations == 4
    loss = model.train_on_batch(x[:8], y[:8])
    assert np.allclose(twin.train_on_batch(x[:8], y[:8]), loss, rtol=0, atol=1e-6)


# ---- ModelCheckpoint ------------------------------------------------------------------------------
def fake_epochs(callback, model, values, monitor="val_loss"):
    """Drive a callback through epochs whose logs hold the given monitored values."""
    callback.set_model(model)
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        callback.on_epoch_end(epoch, {"loss": 1.0, monitor: value})


def test_model_checkpoint_fills_the_file_name_from_the_epoch_and_logs(tmp_path):
    x, y = data()
    model = build()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{loss:.3f}.keras")
    history = model.fit(
        x,
        y,
        epochs=2,
        verbose=0,
        callbacks=[strata.callbacks.ModelCheckpoint(pattern, monitor="loss")],
    ).history
    expected = [f"ckpt-{e + 1:02d}-{history['loss'][e]:.3f}.keras" for e in range(2)]
    assert sorted(os.listdir(tmp_path)) == expected
    last = strata.saving.load_model(tmp_path / expected[-1])
    assert np.allclose(last.predict(x, verbose=0), model.predict(x, verbose=0))


def test_model_checkpoint_save_best_only_by_mode(tmp_path):
    model = build()
    model.build((None, 4))
    best = strata.callbacks.ModelCheckpoint(
        str(tmp_path / "best-{epoch}.keras"), monitor="val_loss", save_best_only=True
    )
    fake_epochs(best, model, [0.5, 0.7, 0.4, 0.4, 0.6])
    assert sorted(os.listdir(tmp_path)) == ["best-1.keras", "best-3.keras"]
    assert best.best == 0.4
    accuracy = strata.callbacks.ModelCheckpoint(
        str(tmp_path / "acc.weights.h5"),
        monitor="val_accuracy",
        save_best_only=True,
        save_weights_only=True,
        initial_value_threshold=0.6,
    )
    fake_epochs(accuracy, model, [0.5, 0.55], monitor="val_accuracy")
    assert not (tmp_path / "acc.weights.h5").exists()  # never beat the threshold
    fake_epochs(accuracy, model, [0.9], monitor="val_accuracy")
    assert (tmp_path / "acc.weights.h5").exists()
    minimizing = strata.callbacks.ModelCheckpoint(
        str(tmp_path / "m.keras"), monitor="custom", save_best_only=True, mode="min"
    )
    fake_epochs(minimizing, model, [3.0, 2.0], monitor="custom")
    assert minimizing.best == 2.0
    with pytest.raises(ValueError, match="mode='max'"):
        fake_epochs(
            strata.callbacks.ModelCheckpoint(
                str(tmp_path / "x.keras"), monitor="custom", save_best_only=True
            ),
            model,
            [1.0],
            monitor="custom",
        )
    with pytest.warns(UserWarning, match="can save the best model only with 'val_loss'"):
        fake_epochs(
            strata.callbacks.ModelCheckpoint(str(tmp_path / "y.keras"), save_best_only=True),
            model,
            [1.0],
            monitor="other",
        )


def test_model_checkpoint_every_n_batches_and_argument_checks(tmp_path):
    x, y = data()
    model = build()
    every = strata.callbacks.ModelCheckpoint(
        str(tmp_path / "b-{epoch}-{batch}.weights.h5"), save_weights_only=True, save_freq=3
    )
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[every])
    # 4 batches per epoch: saves after batches 3 and 6 (epoch 2, its batch 2).
    assert sorted(os.listdir(tmp_path)) == ["b-1-3.weights.h5", "b-2-2.weights.h5"]
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        strata.callbacks.ModelCheckpoint("w.keras", save_weights_only=True)
    with pytest.raises(ValueError, match=r"must end in `\.keras`"):
        strata.callbacks.ModelCheckpoint("model.ckpt")
    with pytest.raises(ValueError, match="save_freq"):
        strata.callbacks.ModelCheckpoint("m.keras", save_freq="batch")
    with pytest.raises(ValueError, match="field 'val_auc'"):
        fake_epochs(
            strata.callbacks.ModelCheckpoint(str(tmp_path / "{val_auc}.keras")), model, [1.0]
        )


# ---- BackupAndRestore -----------------------------------------------------------------------------
def test_fit_starts_at_the_epoch_a_callback_names():
    class Jump(strata.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.model._initial_epoch = 1

    model = build()
    x, y = data()
    assert model.fit(x[:8], y[:8], epochs=2, verbose=0, callbacks=[Jump()]).epoch == [1]


def test_backup_holds_weights_optimizer_and_epoch_in_one_file(tmp_path):
    x, y = data()
    backup_dir = tmp_path / "backup"
    model = build()
    backup = strata.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False)
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[backup])
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5"]
    twin = build()
    twin.build((None, 4))
    restorer = strata.callbacks.BackupAndRestore(backup_dir, delete_checkpoint=False)
    restorer.set_model(twin)
    restorer.on_train_begin()
    assert twin._initial_epoch == 2
    assert twin.optimizer.iterations == model.optimizer.iterations
    for ours, expected in zip(twin.get_weights(), model.get_weights()):
        assert np.array_equal(ours, expected)
    cleaning = strata.callbacks.BackupAndRestore(tmp_path / "gone")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[cleaning])
    assert not (tmp_path / "gone").exists()
    with pytest.raises(ValueError, match="save_freq"):
        strata.callbacks.BackupAndRestore(backup_dir, save_freq=0)


def test_double_checkpoint_falls_back_to_the_previous_backup(tmp_path):
    x, y = data()
    backup_dir = tmp_path / "backup"
    model = build()
    backup = strata.callbacks.BackupAndRestore(
        backup_dir, double_checkpoint=True, delete_checkpoint=False
    )
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, callbacks=[backup])
    (backup_dir / "latest.weights.h5").write_bytes(b"corrupted by a disk error")
    twin = build()
    twin.build((None, 4))
    restorer = strata.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True)
    restorer.set_model(twin)
    restorer.on_train_begin()
    assert twin._initial_epoch == 1  # the backup before the last one


def test_a_training_process_killed_mid_epoch_resumes_to_the_same_weights(tmp_path):
    backup_dir = tmp_path / "backup"
    body = f"""
        import os, signal

        class KillMidEpoch(strata.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if self.epoch == 2 and batch == 1:
                    print("KILL", flush=True)
                    signal.pause()

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch = epoch

        model = build()
        x, y = data()
        backup = strata.callbacks.BackupAndRestore({str(backup_dir)!r})
        model.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0,
                  callbacks=[backup, KillMidEpoch()])
        """
    run_child(tmp_path, body, kill_when="KILL")
    assert os.path.exists(backup_dir / "latest.weights.h5")
    x, y = data()
    restarted = build()
    restarted.build((None, 4))
    history = restarted.fit(
        x,
        y,
        batch_size=8,
        epochs=4,
        shuffle=False,
        verbose=0,
        callbacks=[strata.callbacks.BackupAndRestore(backup_dir)],
    )
    assert history.epoch == [2, 3]
    uninterrupted = build()
    uninterrupted.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    for ours, expected in zip(restarted.get_weights(), uninterrupted.get_weights()):
        assert np.allclose(ours, expected, rtol=0, atol=1e-6)
    assert not backup_dir.exists()


def test_layers_keep_their_names_and_weights_through_backups(tmp_path):
    def make(name):
        model = strata.Sequential([strata.Input((2,)), layers.Dense(3, name=name)])
        model.compile("sgd", "mse")
        return model

    x = np.arange(16, dtype="float32").reshape(8, 2) / 16
    y = np.ones((8, 3), "float32")
    model = make("kept")
    backup = strata.callbacks.BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, callbacks=[backup])
    # A backup is read by weight order, as Keras's are, so a renamed layer restores too.
    other = make("renamed")
    history = other.fit(
        x,
        y,
        batch_size=4,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[strata.callbacks.BackupAndRestore(tmp_path / "backup")],
    )
    assert history.epoch == [2]
    assert [layer.name for layer in other.layers] == ["renamed"]
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for ours, expected in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_allclose(ours, expected, rtol=1e-6)
