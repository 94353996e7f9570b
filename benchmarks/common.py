"""What every implementation shares: problem sizes, seeded data, and timing helpers.

Only NumPy and the standard library are imported here, so the driver (`run.py`) can use it
without loading JAX, and every implementation trains on byte-identical arrays.
"""

from __future__ import annotations

import dataclasses
import statistics
import subprocess
import sys
import time

import numpy as np

SEED = 0


@dataclasses.dataclass(frozen=True)
class Sizes:
    """Problem sizes for one benchmark run (`FULL` or `QUICK`)."""

    regression_epochs: int
    mlp_samples: int
    mlp_epochs: int
    lstm_samples: int
    lstm_epochs: int
    two_input_samples: int
    two_input_epochs: int
    latency_calls: int
    import_repeats: int
    matmul_n: int


FULL = Sizes(
    regression_epochs=300,
    mlp_samples=60_000,
    mlp_epochs=4,
    lstm_samples=20_000,
    lstm_epochs=3,
    two_input_samples=50_000,
    two_input_epochs=4,
    latency_calls=200,
    import_repeats=3,
    matmul_n=4096,
)

# About two minutes for everything: the shapes stay, the sample counts and repeats shrink.
QUICK = Sizes(
    regression_epochs=300,
    mlp_samples=6_000,
    mlp_epochs=3,
    lstm_samples=2_000,
    lstm_epochs=3,
    two_input_samples=5_000,
    two_input_epochs=3,
    latency_calls=50,
    import_repeats=1,
    matmul_n=2048,
)

MLP_BATCH = 128
LSTM_BATCH = 32
TWO_INPUT_BATCH = 32
# The seed's linear regression (tutorial cell In [6]).
REGRESSION_X = np.arange(1, 10, dtype=np.float32).reshape(9, 1)
REGRESSION_Y = np.array([11, 22, 33, 44, 53, 66, 77, 87, 95], dtype=np.float32).reshape(9, 1)


def mlp_data(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic MNIST-shaped data: ``x`` (samples, 784) float32 normal, ``y`` (samples,) int32."""
    rng = np.random.default_rng(SEED)
    x = rng.standard_normal((samples, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=samples).astype(np.int32)
    return x, y


def lstm_data(samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Sequences ``x`` (samples, 50, 1) float32 and 0/1 targets ``y`` (samples, 1) float32."""
    rng = np.random.default_rng(SEED + 1)
    x = rng.standard_normal((samples, 50, 1), dtype=np.float32)
    y = rng.integers(0, 2, size=(samples, 1)).astype(np.float32)
    return x, y


def two_input_data(samples: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Inputs ``[(samples, 64), (samples, 128)]`` and targets ``(samples, 1)``, all float32."""
    rng = np.random.default_rng(SEED + 2)
    a = rng.standard_normal((samples, 64), dtype=np.float32)
    b = rng.standard_normal((samples, 128), dtype=np.float32)
    y = rng.standard_normal((samples, 1), dtype=np.float32)
    return [a, b], y


def mlp_parameter_count() -> int:
    """Weights and biases of the 784-512-512-10 MLP (669,706)."""
    return (784 * 512 + 512) + (512 * 512 + 512) + (512 * 10 + 10)


def clock() -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds (all threads), to difference later.

    Wall time is what a user waits. CPU time counts the work done, not the waiting, so on a
    machine shared with other jobs it stays steady where wall time swings.
    """
    return time.perf_counter(), time.process_time()


def epoch_figures(start: tuple, epoch_ends: list[tuple], samples: int) -> dict:
    """Per-epoch figures from `clock()` readings at `fit`'s start and at each epoch's end.

    The first epoch carries tracing and compilation. The steady figures use the median of
    epochs 2..n, so one epoch slowed by another process on the machine does not skew them.
    """
    walls = np.diff([start[0], *(end[0] for end in epoch_ends)]).tolist()
    cpus = np.diff([start[1], *(end[1] for end in epoch_ends)]).tolist()
    figures = {"first_epoch_s": walls[0], "epoch_s": walls, "epoch_cpu_s": cpus}
    if len(walls) > 1:
        figures["steady_epoch_s"] = statistics.median(walls[1:])
        figures["steady_samples_per_s"] = samples / figures["steady_epoch_s"]
        figures["steady_cpu_s"] = statistics.median(cpus[1:])
    return figures


def median_call_seconds(fn, calls: int, warmup: int = 10) -> float:
    """Median wall time of `fn()` over `calls` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_seconds(statement: str, repeats: int, env: dict | None = None) -> float:
    """Median time `statement` (e.g. ``"import strata"``) takes in a fresh interpreter.

    Timed inside the child, so the interpreter's own start-up is not counted.
    """
    code = (
        f"import time; _t = time.perf_counter(); {statement}; print(repr(time.perf_counter() - _t))"
    )
    times = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times)
