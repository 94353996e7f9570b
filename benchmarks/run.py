"""Benchmark strata against Keras 3 (JAX backend) and a hand-written JAX + optax loop, on CPU.

Run from the repository root::

    python benchmarks/run.py                 # everything, full size, best of 3 (~9 min, 2 cores)
    python benchmarks/run.py --quick         # small data, one process each (about 2 min)
    python benchmarks/run.py --only mlp      # one workload (comma-separate several)
    python benchmarks/run.py --impl strata   # one implementation (comma-separate several)
    python benchmarks/run.py --repeat 5      # best of 5 processes per figure
    python benchmarks/run.py --platform cuda # on a GPU (JAX_PLATFORMS=cuda in every process)

Each (implementation, workload) pair runs in its own fresh Python process, with an empty
compilation cache (strata's persistent one is pointed at a new temporary folder), so no compiled
program, import or warm-up carries over from one measurement to the next, and the implementations
of a workload run back to back (round after round with ``--repeat``) so they see the same
machine. Other processes can only slow a measurement down, so each figure is the best over the
repeats; every run's raw figures are kept. The table is printed and the full record (figures,
raw runs, sizes, versions, machine load) is written as JSON to ``benchmarks/results/latest.json``.

The figures (same seeded float32 data for every implementation, CPU only):

regression
    The seed's linear regression (Input(1) -> Dense(1), SGD(0.01), MSE, 9 samples, 300 epochs,
    ``verbose=0``): seconds of the whole `fit` call, tracing and compilation included. With one
    step per epoch this is almost pure per-epoch engine overhead.
mlp
    784-512-512-10 (relu, relu, softmax), Adam, sparse categorical cross-entropy, 60,000
    synthetic samples, batch 128. *first epoch*: seconds from the start of `fit` to the end of
    epoch 1 (data transfer, tracing, compilation, one epoch). *steady*: samples per second from
    the median time of epochs 2..n. *of bound*: the lower-bound epoch time (below) divided by the
    steady epoch time, i.e. the fraction of the machine's matmul rate the training achieves.
lstm
    The seed's Input(50, 1) -> LSTM(10) -> Dense(10, relu) -> Dense(1, sigmoid), binary
    cross-entropy, Adam, 20,000 samples, batch 32: first epoch and steady samples/s as above.
two_input
    The seed's two-branch model (64 and 128 features, concatenated), MSE, Adam, 50,000 samples,
    batch 32: first epoch and steady samples/s.
predict
    Median milliseconds over 200 calls (after 10 warm-up calls) of ``model.predict(row)`` and of
    ``model(row)`` (result read back to the host) for one row of the MLP. The JAX floor is one
    jitted forward pass for both.
import
    Median seconds over 3 fresh interpreters of ``import strata`` / ``import keras`` /
    ``import jax, optax`` (the floor strata builds on), timed inside the interpreter; and of the
    import followed by touching ``Model`` and ``layers.Dense``, since ``import strata`` defers
    loading its submodules (and JAX) until first use while Keras loads them at once.
machine
    The float32 matmul rate (a 4096x4096 product with ``jax.numpy``, best of 5, GFLOP/s) and
    from it the MLP's lower-bound seconds per epoch: 6 FLOPs per parameter per sample (forward 2,
    backward 4) times 60,000 samples, divided by that rate; the same again per CPU-second
    (*of matmul bound, CPU time*), which other jobs on the machine disturb far less. The rule of
    thumb counts the input gradient of the first layer, which training never computes (20% of
    the MLP's FLOPs), so an implementation can reach about 125% of this "bound".

*CPU time* rows: the process's CPU seconds (all threads) for the same span. Wall time is what
a user waits; CPU time counts work rather than waiting, so it is the steadier figure when other
jobs share the machine (check ``other_cpu_fraction`` below).

Ratios read "strata vs keras: 3.2x faster": how many times less time (or more samples/s)
strata needs than the other implementation. The load columns in the JSON give, per process,
the load average and the share of the machine's CPU used by *other* processes meanwhile.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the `benchmarks` package importable.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common  # noqa: E402

IMPLEMENTATIONS = ("strata", "keras", "jax")
WORKLOADS = ("regression", "mlp", "lstm", "two_input", "predict", "import", "matmul")
# (the bare import, the import plus touching what building a model needs): `import strata` is
# lazy, so the second is the fair comparison with Keras, which loads everything up front.
IMPORT_STATEMENTS = {
    "strata": ("import strata", "import strata; strata.Model, strata.layers.Dense"),
    "keras": ("import keras", "import keras; keras.Model, keras.layers.Dense"),
    "jax": ("import jax, optax", "import jax, optax"),
}
RESULT_MARKER = "@@benchmark-result@@ "
DEFAULT_OUTPUT = Path(__file__).resolve().parent / "results" / "latest.json"
# Environment variables that slow NumPy's BLAS on this kind of machine; dropped for the children.
_UNSET_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# (workload, figure key, label, unit, higher is better)
ROWS = (
    ("regression", "fit_s", "regression: fit, compile incl.", "s", False),
    ("regression", "fit_cpu_s", "regression: fit, CPU time", "cpu s", False),
    ("mlp", "first_epoch_s", "MLP: first epoch", "s", False),
    ("mlp", "steady_samples_per_s", "MLP: steady", "samples/s", True),
    ("mlp", "steady_cpu_s", "MLP: steady epoch, CPU time", "cpu s", False),
    ("mlp", "bound_fraction", "MLP: of matmul bound", "%", True),
    ("mlp", "bound_fraction_cpu", "MLP: of matmul bound, CPU time", "%", True),
    ("lstm", "first_epoch_s", "LSTM: first epoch", "s", False),
    ("lstm", "steady_samples_per_s", "LSTM: steady", "samples/s", True),
    ("lstm", "steady_cpu_s", "LSTM: steady epoch, CPU time", "cpu s", False),
    ("two_input", "first_epoch_s", "two-input: first epoch", "s", False),
    ("two_input", "steady_samples_per_s", "two-input: steady", "samples/s", True),
    ("two_input", "steady_cpu_s", "two-input: steady epoch, CPU time", "cpu s", False),
    ("predict", "predict_ms", "predict(1 row), median", "ms", False),
    ("predict", "call_ms", "model(1 row), median", "ms", False),
    ("import", "import_s", "import, median", "s", False),
    ("import", "import_ready_s", "import + Model, Dense, median", "s", False),
)
# Which way is better for every timed figure, to pick the best run of several.
_HIGHER_IS_BETTER = {key: higher for _, key, _, _, higher in ROWS} | {
    "steady_epoch_s": False,
    "gflops": True,
    "gflops_per_cpu_s": True,
    "seconds": False,
    "cpu_seconds": False,
}


# ---- the child side --------------------------------------------------------------------------
def run_workload(implementation: str, workload: str, sizes: common.Sizes) -> dict:
    """Measure one workload for one implementation in this process; return its figures."""
    if workload == "import":
        bare, ready = IMPORT_STATEMENTS[implementation]
        return {
            "import_s": common.import_seconds(bare, sizes.import_repeats),
            "import_ready_s": common.import_seconds(ready, sizes.import_repeats),
        }
    if implementation == "jax":
        from benchmarks import jaxloop

        return getattr(jaxloop, workload)(sizes)
    from benchmarks import keraslike

    if implementation == "keras":
        import keras as lib
    else:
        import strata as lib
    return getattr(keraslike, workload)(lib, sizes)


def _worker_main(implementation: str, workload: str, quick: bool) -> None:
    figures = run_workload(implementation, workload, common.QUICK if quick else common.FULL)
    names = ("jax", "optax", "keras", "strata")
    figures["versions"] = {
        name: getattr(sys.modules[name], "__version__", "?")
        for name in names
        if name in sys.modules
    }
    print(RESULT_MARKER + json.dumps(figures), flush=True)


# ---- the parent side -------------------------------------------------------------------------
def _child_environment(cache_dir: str, platform_name: str = "cpu") -> dict:
    env = dict(os.environ)
    for name in _UNSET_VARIABLES:
        env.pop(name, None)
    env["KERAS_BACKEND"] = "jax"
    env["JAX_PLATFORMS"] = platform_name
    # strata keeps compiled programs in a persistent cache (~/.cache/strata/xla) by default, so
    # a repeated run would load them where Keras and the JAX loop compile afresh. An empty cache
    # per process makes every first epoch a script's first run, cache writes included.
    env["STRATA_COMPILATION_CACHE"] = cache_dir
    return env


def _busy_seconds() -> float | None:
    """CPU seconds all processes have used since boot (from /proc/stat), or None off Linux."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure_in_subprocess(implementation, workload, quick, timeout_s, platform_name="cpu") -> dict:
    """Run one workload in a fresh interpreter: its figures (or ``error``), wall time and load.

    ``load.other_cpu_fraction`` is the share of the machine's CPU time that processes other than
    this measurement used while it ran (0: a quiet machine; 0.5: half the cores were busy).
    """
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", implementation, workload]
    command += ["--quick"] if quick else []
    load_before, busy_before, own_before = os.getloadavg(), _busy_seconds(), _children_cpu_seconds()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="strata-benchmark-xla-") as cache_dir:
        try:
            done = subprocess.run(
                command,
                env=_child_environment(cache_dir, platform_name),
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
            output, errors, code = done.stdout, done.stderr, done.returncode
        except subprocess.TimeoutExpired:
            output, errors, code = "", f"timed out after {timeout_s} s", -1
    wall = time.perf_counter() - started
    lines = [line for line in output.splitlines() if line.startswith(RESULT_MARKER)]
    if code == 0 and lines:
        result = json.loads(lines[-1][len(RESULT_MARKER) :])
    else:
        tail = (errors or output).strip().splitlines()[-6:]
        result = {"error": "\n".join(tail) or f"exit code {code}"}
    result["wall_s"] = wall
    result["load"] = {"loadavg_before": load_before[0], "loadavg_after": os.getloadavg()[0]}
    busy_after = _busy_seconds()
    if busy_before is not None and busy_after is not None and wall > 0:
        others = max(0.0, busy_after - busy_before - (_children_cpu_seconds() - own_before))
        result["load"]["other_cpu_fraction"] = others / (wall * (os.cpu_count() or 1))
    return result


def best_of(runs: list[dict]) -> dict:
    """One record from several runs: each timed figure at its best, the rest from the first run.

    A figure is best at its minimum time or maximum rate; failed runs are skipped, and if all
    failed the first failure is returned.
    """
    good = [run for run in runs if "error" not in run]
    if not good:
        return dict(runs[0])
    best = dict(good[0])
    for key, higher in _HIGHER_IS_BETTER.items():
        values = [run[key] for run in good if isinstance(run.get(key), int | float)]
        if values:
            best[key] = max(values) if higher else min(values)
    best["runs_ok"] = len(good)
    best["runs_failed"] = len(runs) - len(good)
    return best


def _select(text: str | None, allowed: tuple[str, ...], flag: str) -> list[str]:
    if text is None:
        return list(allowed)
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in allowed]
    if unknown or not chosen:
        raise SystemExit(f"{flag}: unknown {unknown or [text]}; choose from {', '.join(allowed)}.")
    return chosen


def add_bound(best: dict, machine: dict, sizes: common.Sizes) -> None:
    """Attach the MLP's lower-bound epoch time and each implementation's achieved fraction.

    Done twice: in wall seconds, and in CPU seconds (the matmul's FLOPs per CPU-second against
    the epoch's CPU seconds), which holds steady when other jobs share the machine.
    """
    flops = 6 * common.mlp_parameter_count() * sizes.mlp_samples
    for rate, bound, epoch, fraction in (
        ("gflops", "mlp_bound_epoch_s", "steady_epoch_s", "bound_fraction"),
        ("gflops_per_cpu_s", "mlp_bound_epoch_cpu_s", "steady_cpu_s", "bound_fraction_cpu"),
    ):
        if not machine.get(rate):
            continue
        machine[bound] = flops / (machine[rate] * 1e9)
        for figures in best.values():
            mlp = figures.get("mlp", {})
            if epoch in mlp:
                mlp[fraction] = machine[bound] / mlp[epoch]


def ratio_text(strata_value, other_value, higher_is_better: bool) -> str:
    """``"3.2x faster"`` / ``"1.4x slower"``: strata's speed relative to the other value.

    Example:
        >>> ratio_text(1.0, 3.2, higher_is_better=False)
        '3.2x faster'
    """
    if not strata_value or not other_value:
        return "-"
    speedup = strata_value / other_value if higher_is_better else other_value / strata_value
    times = speedup if speedup >= 1 else 1 / speedup
    digits = 2 if times < 2 else 1
    return f"{times:.{digits}f}x {'faster' if speedup >= 1 else 'slower'}"


def _format(value, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "samples/s":
        return f"{value:,.0f}"
    if unit == "%":
        return f"{100 * value:.0f}%"
    return f"{value:.4g}"


def build_table(best: dict, implementations: list[str]) -> tuple[list[dict], str]:
    """The figures per implementation and strata's ratios: JSON records and the printed table."""
    others = [n for n in ("keras", "jax") if n in implementations and "strata" in implementations]
    table = [["figure", "unit", *implementations, *(f"strata vs {n}" for n in others)]]
    records = []
    for workload, key, label, unit, higher in ROWS:
        if not any(workload in best[name] for name in implementations):
            continue
        values, cells = {}, []
        for name in implementations:
            figures = best[name].get(workload, {})
            values[name] = figures.get(key)
            cells.append("failed" if "error" in figures else _format(values[name], unit))
        ratios = {n: ratio_text(values["strata"], values[n], higher) for n in others}
        records.append({"figure": label, "unit": unit, "values": values, "strata_vs": ratios})
        table.append([label, unit, *cells, *ratios.values()])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = []
    for row in table:
        cells = [c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return records, "\n".join(lines)


def _report(label: str, result: dict) -> None:
    status = "failed" if "error" in result else "done"
    load = result["load"].get("other_cpu_fraction")
    others = f", others used {100 * load:.0f}% of the CPUs" if load is not None else ""
    print(f"{label}: {status} in {result['wall_s']:.1f} s{others}", flush=True)
    if "error" in result:
        print("    " + result["error"].replace("\n", "\n    "), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; about 2 minutes")
    parser.add_argument("--only", help=f"workloads, comma-separated: {', '.join(WORKLOADS)}")
    parser.add_argument("--impl", help=f"implementations: {', '.join(IMPLEMENTATIONS)}")
    parser.add_argument("--repeat", type=int, help="processes per figure (default 3; 1 if --quick)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the JSON file")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per process")
    parser.add_argument(
        "--platform", default="cpu", help="JAX platform to measure on: cpu (default) or cuda"
    )
    parser.add_argument("--worker", nargs=2, metavar=("IMPL", "WORKLOAD"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker_main(*args.worker, args.quick)
        return 0

    sizes = common.QUICK if args.quick else common.FULL
    workloads = _select(args.only, WORKLOADS, "--only")
    implementations = _select(args.impl, IMPLEMENTATIONS, "--impl")
    repeat = args.repeat or (1 if args.quick else 3)
    if "keras" in implementations and importlib.util.find_spec("keras") is None:
        print("keras is not installed: measuring without it.")
        implementations.remove("keras")
    started, load_start = time.perf_counter(), os.getloadavg()

    # The machine's rate is needed for the MLP's bound whichever implementations run.
    machine_runs = []
    if "matmul" in workloads or "mlp" in workloads:
        for round_ in range(repeat):
            machine_runs.append(
                measure_in_subprocess("jax", "matmul", args.quick, args.timeout, args.platform)
            )
            _report(f"[{round_ + 1}/{repeat}] machine matmul", machine_runs[-1])
    runs = {name: {} for name in implementations}
    for workload in (w for w in workloads if w != "matmul"):
        for round_ in range(repeat):
            for name in implementations:
                result = measure_in_subprocess(
                    name, workload, args.quick, args.timeout, args.platform
                )
                runs[name].setdefault(workload, []).append(result)
                _report(f"[{round_ + 1}/{repeat}] {workload}: {name}", result)

    machine = best_of(machine_runs) if machine_runs else {}
    best = {name: {w: best_of(r) for w, r in per.items()} for name, per in runs.items()}
    add_bound(best, machine, sizes)
    records, table = build_table(best, implementations)
    total, load_end = time.perf_counter() - started, os.getloadavg()

    print(f"\n{table}")
    if machine.get("gflops"):
        print(
            f"\nmachine ({machine.get('device', '?')}): float32 matmul "
            f"({machine['n']}x{machine['n']}) "
            f"{machine['gflops']:.1f} GFLOP/s, {machine['gflops_per_cpu_s']:.1f} GFLOP per "
            f"CPU-second; MLP lower bound {machine['mlp_bound_epoch_s']:.3g} s/epoch, "
            f"{machine['mlp_bound_epoch_cpu_s']:.3g} CPU s/epoch ({sizes.mlp_samples:,} samples, "
            f"{common.mlp_parameter_count():,} parameters)"
        )
    print(
        f"{os.cpu_count()} CPUs; load average {load_start[0]:.2f} at start, {load_end[0]:.2f} at "
        f"end; best of {repeat} process(es) per figure; {total:.0f} s in all"
        f"{' (--quick sizes)' if args.quick else ''}"
    )
    record = {
        "meta": {
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "quick": args.quick,
            "repeat": repeat,
            "jax_platform": args.platform,
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "loadavg_start": load_start,
            "loadavg_end": load_end,
            "total_s": total,
        },
        "sizes": dataclasses.asdict(sizes),
        "machine": machine,
        "table": records,
        "best": best,
        "runs": {"machine": machine_runs, **runs},
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(record, indent=2) + "\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
