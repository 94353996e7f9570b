"""Benchmark a small CNN in strata and in Keras 3 (JAX backend) on CPU.

Run from the repository root::

    python benchmarks/cnn.py            # 6,000 images, 4 epochs, each library once
    python benchmarks/cnn.py --quick    # 1,536 images, 3 epochs
    python benchmarks/cnn.py --repeat 3 # best of 3 fresh processes per library

The model is the classic MNIST convnet without dropout: Conv2D(32, 3, relu) -> MaxPooling2D ->
Conv2D(64, 3, relu) -> MaxPooling2D -> Flatten -> Dense(10, softmax), Adam, sparse categorical
cross-entropy, batch 128, on seeded synthetic 28x28x1 images. The same code (`train`) runs with
``lib = strata`` and ``lib = keras``, each in its own fresh interpreter, so no compilation or
import carries over. Figures: the first epoch (tracing and compilation included) and the steady
rate, samples per second over the median of epochs 2..n (CPU seconds per epoch beside it, which a
busy machine disturbs less than wall time).
"""

from __future__ import annotations

import argparse
import json
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
FULL = {"samples": 6_000, "epochs": 4}
QUICK = {"samples": 1_536, "epochs": 3}
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
    outputs = lib.layers.Dense(10, activation="softmax")(x)
    return lib.Model(inputs, outputs)


def train(lib, samples: int, epochs: int) -> dict:
    """Fit the CNN silently and time each epoch's end (see `common.epoch_figures`)."""
    lib.utils.set_random_seed(common.SEED)
    x, y = images(samples)
    model = build(lib)
    model.compile(optimizer=lib.optimizers.Adam(), loss="sparse_categorical_crossentropy")
    ends = []

    class EpochClock(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])  # waits for the device, so the clock sees finished work
            ends.append(common.clock())

    started = common.clock()
    history = model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[EpochClock()])
    figures = common.epoch_figures(started, ends, samples)
    figures["final_loss"] = float(history.history["loss"][-1])
    return figures


def _worker(library: str, quick: bool) -> None:
    if library == "keras":
        import keras as lib
    else:
        import strata as lib
    print(MARKER + json.dumps(train(lib, **(QUICK if quick else FULL))), flush=True)


def measure(library: str, quick: bool) -> dict:
    """Run `train` for one library in a fresh interpreter and return its figures."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", library]
    command += ["--quick"] if quick else []
    with tempfile.TemporaryDirectory() as cache_dir:
        env = run._child_environment(cache_dir)
        done = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARKER)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{library} run failed:\n{done.stderr[-2000:]}")
    return json.loads(lines[-1][len(MARKER) :])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data (about a minute)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N processes per library")
    parser.add_argument("--worker", choices=("strata", "keras"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.quick)
        return
    sizes = QUICK if args.quick else FULL
    runs = {"strata": [], "keras": []}
    for _ in range(args.repeat):
        for library in runs:  # back to back, so both see the same machine
            runs[library].append(measure(library, args.quick))
    best = {
        lib: {
            "first_epoch_s": min(r["first_epoch_s"] for r in rs),
            "steady_samples_per_s": max(r["steady_samples_per_s"] for r in rs),
            "steady_cpu_s": min(r["steady_cpu_s"] for r in rs),
            "final_loss": rs[0]["final_loss"],
        }
        for lib, rs in runs.items()
    }
    s, k = best["strata"], best["keras"]
    print(
        f"CNN on {sizes['samples']:,} synthetic 28x28x1 images, batch {BATCH}, "
        f"{sizes['epochs']} epochs, best of {args.repeat}"
    )
    print(f"{'':28}{'strata':>12}{'keras':>12}   strata vs keras")
    rows = (
        ("first epoch (s)", "first_epoch_s", False, ".2f"),
        ("steady (samples/s)", "steady_samples_per_s", True, ",.0f"),
        ("steady epoch (CPU s)", "steady_cpu_s", False, ".2f"),
    )
    for label, key, higher, fmt in rows:
        ratio = run.ratio_text(s[key], k[key], higher_is_better=higher)
        print(f"{label:28}{s[key]:>12{fmt}}{k[key]:>12{fmt}}   {ratio}")
    print(f"{'final loss':28}{s['final_loss']:>12.4f}{k['final_loss']:>12.4f}")
    print(
        f"steady samples/s ratio strata/keras: {s['steady_samples_per_s'] / k['steady_samples_per_s']:.2f}"
    )


if __name__ == "__main__":
    main()
