"""Benchmark a ConvLSTM2D training step (Keras's next-frame example at 16x16) on CPU.

Run from the repository root::

    python benchmarks/cnn_convlstm.py                        # each library once
    python benchmarks/cnn_convlstm.py --repeat 3             # best of 3 processes per library
    python benchmarks/cnn_convlstm.py --strata-src OTHER/src # also time another strata checkout

The model is the Keras example "Next-frame prediction with Conv-LSTM" on 16x16 frames:
ConvLSTM2D(64, 5, relu) -> BatchNormalization -> ConvLSTM2D(64, 3, relu) ->
BatchNormalization -> ConvLSTM2D(64, 1, relu) -> Conv3D(1, 3, sigmoid), all ``"same"`` and
returning sequences, binary cross-entropy, Adam, batch 5, 19 frames in, 19 out. Figures: the
first epoch (compilation included) and the median step of epochs 2..3 (wall and CPU seconds),
each library in its own fresh interpreter.
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the `benchmarks` package importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks import cnn, common  # noqa: E402

BATCH = 5
STEPS_PER_EPOCH = 2
FRAMES = 19
SIZE = 16


def frames() -> tuple[np.ndarray, np.ndarray]:
    """Seeded ``(samples, 19, 16, 16, 1)`` inputs and next-frame targets in [0, 1]."""
    rng = np.random.default_rng(common.SEED + 4)
    video = (rng.random((BATCH * STEPS_PER_EPOCH, FRAMES + 1, SIZE, SIZE, 1)) > 0.9).astype(
        np.float32
    )
    return video[:, :-1], video[:, 1:]


def build(lib):
    inputs = lib.Input(shape=(FRAMES, SIZE, SIZE, 1))
    x = inputs
    for size in (5, 3, 1):
        x = lib.layers.ConvLSTM2D(
            64, size, padding="same", return_sequences=True, activation="relu"
        )(x)
        if size > 1:
            x = lib.layers.BatchNormalization()(x)
    outputs = lib.layers.Conv3D(1, 3, activation="sigmoid", padding="same")(x)
    return lib.Model(inputs, outputs)


def train(lib) -> dict:
    lib.utils.set_random_seed(common.SEED)
    x, y = frames()
    model = build(lib)
    model.compile(optimizer=lib.optimizers.Adam(), loss="binary_crossentropy")
    ends = []

    class EpochClock(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])  # waits for the device, so the clock sees finished work
            ends.append(common.clock())

    started = common.clock()
    history = model.fit(x, y, batch_size=BATCH, epochs=3, verbose=0, callbacks=[EpochClock()])
    marks = [started, *ends]
    walls = [(b[0] - a[0]) / STEPS_PER_EPOCH for a, b in zip(marks[1:], marks[2:])]
    cpus = [(b[1] - a[1]) / STEPS_PER_EPOCH for a, b in zip(marks[1:], marks[2:])]
    return {
        "first_epoch_s": ends[0][0] - started[0],
        "step_s": statistics.median(walls),
        "step_cpu_s": statistics.median(cpus),
        "final_loss": float(history.history["loss"][-1]),
    }


def _worker(library: str) -> None:
    if library == "keras":
        import keras as lib
    else:
        import strata as lib
    print(cnn.MARKER + json.dumps(train(lib)), flush=True)


ROWS = (
    ("first epoch (s)", "first_epoch_s", False, ".2f"),
    ("train step (s)", "step_s", False, ".3f"),
    ("train step (CPU s)", "step_cpu_s", False, ".3f"),
    ("final loss", "final_loss", False, ".4f"),
)


def main(argv=None) -> None:
    cnn.compare_libraries(
        argv,
        description=__doc__.splitlines()[0],
        worker=_worker,
        script=__file__,
        title=lambda repeat: (
            f"ConvLSTM2D next-frame model, {SIZE}x{SIZE} frames, {FRAMES} steps, batch {BATCH}, "
            f"best of {repeat}"
        ),
        rows=ROWS,
    )


if __name__ == "__main__":
    main()
