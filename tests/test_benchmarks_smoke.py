"""Smoke test of the benchmark suite: one tiny workload runs in-process on strata.

No timing is asserted (the machine may be busy); only that the figures are sane.
"""

import dataclasses
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common, keraslike, run  # noqa: E402

import strata  # noqa: E402


def test_regression_workload_reports_sane_figures():
    sizes = dataclasses.replace(common.QUICK, regression_epochs=3)
    figures = keraslike.regression(strata, sizes)
    assert figures["fit_s"] > 0
    assert figures["fit_cpu_s"] > 0
    assert figures["epochs"] == 3
    assert math.isfinite(figures["final_loss"])
    assert figures["trace_counts"]["train"] == 1


def test_epoch_figures_use_the_median_of_epochs_after_the_first():
    ends = [(13.0, 4.0), (14.0, 5.0), (16.0, 7.0), (17.0, 8.0)]
    figures = common.epoch_figures((10.0, 1.0), ends, samples=100)
    assert figures["first_epoch_s"] == 3.0
    assert figures["steady_epoch_s"] == 1.0
    assert figures["steady_samples_per_s"] == 100.0
    assert figures["steady_cpu_s"] == 1.0


def test_ratio_text_reads_as_strata_speed():
    assert run.ratio_text(1.0, 3.2, higher_is_better=False) == "3.2x faster"
    assert run.ratio_text(200.0, 100.0, higher_is_better=True) == "2.0x faster"
    assert run.ratio_text(2.0, 1.5, higher_is_better=False) == "1.33x slower"
    assert run.ratio_text(None, 1.0, higher_is_better=False) == "-"


def test_best_of_keeps_the_best_figure_and_skips_failures():
    runs = [
        {"fit_s": 2.0, "steady_samples_per_s": 10.0},
        {"error": "boom"},
        {"fit_s": 1.0, "steady_samples_per_s": 5.0},
    ]
    best = run.best_of(runs)
    assert best["fit_s"] == 1.0
    assert best["steady_samples_per_s"] == 10.0
    assert (best["runs_ok"], best["runs_failed"]) == (2, 1)
