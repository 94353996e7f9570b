"""Benchmark the MNIST convnet of issue 17 in strata and in Keras 3 (JAX backend) on CPU.

Run from the repository root::

    python benchmarks/cnn.py                        # each library once
    python benchmarks/cnn.py --repeat 3             # best of 3 fresh processes per library
    python benchmarks/cnn.py --strata-src OTHER/src # time another strata checkout (before/after)

The model: Conv2D(32, 3, relu) -> MaxPooling2D -> Conv2D(64, 3, relu) -> MaxPooling2D ->
Flatten -> Dropout(0.5) -> Dense(10, softmax), Adam, sparse categorical cross-entropy, batch
128, on 4,096 seeded synthetic 28x28x1 images, 2 epochs. Figures: the first epoch (tracing
and compilation included), training samples/s of the second epoch, and prediction samples/s of
the second `predict` call on 1,024 images; each with its CPU seconds, which other jobs on a
shared machine disturb less than wall time. Each library runs in its own fresh interpreter, so
no compilation or import carries over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the `benchmarks` package importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks import common, run  # noqa: E402

BATCH = 128
SAMPLES = 4_096
PREDICT_SAMPLES = 1_024
MARKER = "@@cnn-result@@ "


def images(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """``x`` (samples, 28, 28, 1) float32 in [0, 1) and labels ``y`` (samples,) int32."""
    rng = np.random.default_rng(common.SEED + 3)
    x = rng.random((samples, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, size=samples).astype(np.int32)
    return x, y


def build(lib):
    inputs = lib.Input(shape=(28, 28, 1))
    x = lib.layers.Conv2D(32, 3, activation="relu")(inputs)
    x = lib.layers.MaxPooling2D()(x)
    x = lib.layers.Conv2D(64, 3, activation="relu")(x)
    x = lib.layers.MaxPooling2D()(x)
    x = lib.layers.Flatten()(x)
    x = lib.layers.Dropout(0.5)(x)
    outputs = lib.layers.Dense(10, activation="softmax")(x)
    return lib.Model(inputs, outputs)


def train(lib) -> dict:
    """Fit two epochs silently, then predict twice; time each span (wall and CPU seconds)."""
    lib.utils.set_random_seed(common.SEED)
    x, y = images(SAMPLES)
    model = build(lib)
    model.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    ends = []

    class EpochClock(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])  # waits for the device, so the clock sees finished work
            ends.append(common.clock())

    started = common.clock()
    history = model.fit(x, y, batch_size=BATCH, epochs=2, verbose=0, callbacks=[EpochClock()])
    (w0, c0), (w1, c1), (w2, c2) = started, ends[0], ends[1]
    rows = x[:PREDICT_SAMPLES]
    model.predict(rows, batch_size=BATCH, verbose=0)
    p0 = common.clock()
    model.predict(rows, batch_size=BATCH, verbose=0)
    p1 = common.clock()
    return {
        "first_epoch_s": w1 - w0,
        "first_epoch_cpu_s": c1 - c0,
        "train_samples_per_s": SAMPLES / (w2 - w1),
        "train_samples_per_cpu_s": SAMPLES / (c2 - c1),
        "predict_samples_per_s": PREDICT_SAMPLES / (p1[0] - p0[0]),
        "predict_samples_per_cpu_s": PREDICT_SAMPLES / (p1[1] - p0[1]),
        "final_loss": float(history.history["loss"][-1]),
    }


def _worker(library: str) -> None:
    if library == "keras":
        import keras as lib
    else:
        import strata as lib
    print(MARKER + json.dumps(train(lib)), flush=True)


THIS_SRC = str(Path(__file__).resolve().parents[1] / "src")


def measure(library: str, strata_src: str = THIS_SRC, script: str = __file__) -> dict:
    """Run `script`'s worker for one library in a fresh interpreter and return its figures.

    strata is imported from `strata_src` (by default this checkout's ``src``)."""
    command = [sys.executable, str(Path(script).resolve()), "--worker", library]
    with tempfile.TemporaryDirectory() as cache_dir:
        env = run._child_environment(cache_dir)
        if library == "strata":
            env["PYTHONPATH"] = os.pathsep.join([strata_src, env.get("PYTHONPATH", "")])
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{library} run failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len(MARKER) :])


def best_of(runs: list[dict]) -> dict:
    """Each figure's best over the runs (other processes only slow a run down)."""
    return {
        key: (max if "per" in key else min)(r[key] for r in runs)
        if key != "final_loss"
        # The loss is the same in every run of one library.
        else runs[0][key]
        for key in runs[0]
    }


def print_table(title: str, best: dict, rows) -> None:
    names = list(best)
    print(title)
    print(f"{'':30}" + "".join(f"{n:>14}" for n in names) + "   strata vs " + names[-1])
    for label, key, higher, fmt in rows:
        values = [best[n][key] for n in names]
        ratio = run.ratio_text(best["strata"][key], values[-1], higher_is_better=higher)
        print(f"{label:30}" + "".join(f"{v:>14{fmt}}" for v in values) + f"   {ratio}")


ROWS = (
    ("first epoch (s)", "first_epoch_s", False, ".2f"),
    ("first epoch (CPU s)", "first_epoch_cpu_s", False, ".2f"),
    ("train (samples/s)", "train_samples_per_s", True, ",.0f"),
    ("train (samples/CPU s)", "train_samples_per_cpu_s", True, ",.0f"),
    ("predict (samples/s)", "predict_samples_per_s", True, ",.0f"),
    ("predict (samples/CPU s)", "predict_samples_per_cpu_s", True, ",.0f"),
    ("final loss", "final_loss", False, ".4f"),
)


def compare_libraries(argv, *, description, worker, script, title, rows) -> None:
    """The command line of a before/after benchmark: run `worker` for each library in fresh
    processes, back to back, and print the best figures; ``title(repeat)`` heads the table."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=1, help="best of N processes per library")
    parser.add_argument("--strata-src", help="also time the strata found in this src folder")
    parser.add_argument("--worker", choices=("strata", "keras"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return
    runs = {"strata": [], "keras": []}
    if args.strata_src:
        runs = {"other strata": [], **runs}
    for _ in range(args.repeat):
        for name in runs:  # back to back, so all see the same machine
            library = "keras" if name == "keras" else "strata"
            src = args.strata_src if name == "other strata" else THIS_SRC
            runs[name].append(measure(library, src, script=script))
    best = {name: best_of(rs) for name, rs in runs.items()}
    print_table(title(args.repeat), best, rows)


def main(argv=None) -> None:
    compare_libraries(
        argv,
        description=__doc__.splitlines()[0],
        worker=_worker,
        script=__file__,
        title=lambda repeat: (
            f"MNIST convnet, {SAMPLES:,} synthetic 28x28x1 images, batch {BATCH}, best of {repeat}"
        ),
        rows=ROWS,
    )


if __name__ == "__main__":
    main()
