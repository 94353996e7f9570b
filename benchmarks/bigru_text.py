"""Bidirectional GRU text classifier: strata against Keras 3 (JAX backend), training speed.

The model, written once against the Keras API and run with ``lib`` = strata or keras::

    Input((40,), int32) -> Embedding(1000, 32) -> Bidirectional(GRU(32)) -> Dense(1, sigmoid)

trained with Adam on binary cross-entropy, 10,000 random token sequences of length 40, batch 64.
Each library runs in its own fresh Python process (no compilation cache or import shared). The
first epoch is the warm-up (tracing, compilation); a run's figure is the samples per second of
the median of the later epochs. The libraries take turns, `--repeat` rounds, and each keeps its
best run: other processes on the machine can only slow a run down. Run from the repository
root::

    python benchmarks/bigru_text.py              # 10,000 sequences, 4 epochs, best of 3
    python benchmarks/bigru_text.py --epochs 3 --samples 5000 --repeat 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

MARKER = "@@bigru-result@@ "
VOCAB, LENGTH, WIDTH, BATCH = 1000, 40, 32, 64


def data(samples: int):
    import numpy as np

    rng = np.random.default_rng(0)
    tokens = rng.integers(1, VOCAB, size=(samples, LENGTH)).astype("int32")
    labels = (tokens[:, : LENGTH // 2].mean(axis=1) > VOCAB / 2).astype("float32")
    return tokens, labels


def model_of(lib):
    inputs = lib.Input(shape=(LENGTH,), dtype="int32")
    x = lib.layers.Embedding(VOCAB, WIDTH)(inputs)
    x = lib.layers.Bidirectional(lib.layers.GRU(WIDTH))(x)
    return lib.Model(inputs, lib.layers.Dense(1, activation="sigmoid")(x))


def measure(name: str, samples: int, epochs: int) -> dict:
    """Train in this process with library `name`; epoch times and steady samples/s."""
    if name == "keras":
        os.environ["KERAS_BACKEND"] = "jax"
        import keras as lib
    else:
        import strata as lib
    tokens, labels = data(samples)
    lib.utils.set_random_seed(0)
    model = model_of(lib)
    model.compile(optimizer=lib.optimizers.Adam(), loss="binary_crossentropy")
    ends = []

    class EpochClock(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            float(logs["loss"])  # waits for the device, so the clock sees finished work
            ends.append(time.perf_counter())

    started = time.perf_counter()
    history = model.fit(
        tokens, labels, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[EpochClock()]
    )
    times = [b - a for a, b in zip([started, *ends], ends)]
    steady = statistics.median(times[1:])
    return {
        "library": name,
        "first_epoch_s": times[0],
        "epoch_s": times,
        "steady_samples_per_s": samples / steady,
        "final_loss": float(history.history["loss"][-1]),
    }


def run_child(name: str, samples: int, epochs: int) -> dict:
    command = [
        sys.executable,
        os.path.abspath(__file__),
        "--child",
        name,
        "--samples",
        str(samples),
        "--epochs",
        str(epochs),
    ]
    # CPU for both, and no persistent compilation cache, so every first epoch compiles afresh.
    env = {
        **os.environ,
        "KERAS_BACKEND": "jax",
        "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu"),
        "STRATA_COMPILATION_CACHE": "0",
    }
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    raise RuntimeError(f"{name} run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("strata", "keras"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first one is the warm-up)")
    if args.child:
        print(MARKER + json.dumps(measure(args.child, args.samples, args.epochs)))
        return
    runs = {"strata": [], "keras": []}
    for _ in range(max(args.repeat, 1)):
        for name, done in runs.items():
            done.append(run_child(name, args.samples, args.epochs))
    results = {
        name: max(done, key=lambda figures: figures["steady_samples_per_s"])
        for name, done in runs.items()
    }
    print(
        f"BiGRU text model, {args.samples} sequences of {LENGTH}, batch {BATCH}, best of "
        f"{args.repeat} runs"
    )
    for name, figures in results.items():
        print(
            f"  {name:7s} first epoch {figures['first_epoch_s']:6.2f} s   steady "
            f"{figures['steady_samples_per_s']:9.0f} samples/s   final loss "
            f"{figures['final_loss']:.4f}"
        )
    ratio = results["strata"]["steady_samples_per_s"] / results["keras"]["steady_samples_per_s"]
    print(f"  strata / keras steady samples/s: {ratio:.2f}x")


if __name__ == "__main__":
    main()
