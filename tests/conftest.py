"""Shared test setup: Keras 3 (the oracle) runs on the JAX backend, on the CPU."""

import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from skip_policy import declared_test_packages, skip_allowed  # noqa: E402


@pytest.fixture
def keras():
    """Keras 3 with the JAX backend, imported lazily so strata-only tests stay fast."""
    import keras as keras_module

    assert keras_module.backend.backend() == "jax"
    # Fresh names and uids, as each test expects; not a garbage collection (`free_memory`),
    # which took ~2.7 s per test once a worker's heap had grown.
    keras_module.utils.clear_session(free_memory=False)
    return keras_module


@pytest.fixture(scope="session")
def kops():
    """`keras.ops` (JAX backend): ops keep no session state, so one import serves every test."""
    import keras as keras_module

    assert keras_module.backend.backend() == "jax"
    return keras_module.ops


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# Scripts run in their own processes by the tests (and data generators), not test modules.
collect_ignore_glob = ["distributed/*", "data/*"]


# Skip policy: any skip that tests/skip_policy.py does not allow fails the run, so a test that
# silently stops running (a missing package, a bad condition) cannot pass CI.
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
_refused_skips: list[tuple[str, str]] = []
_declared = declared_test_packages(_PYPROJECT)


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    return longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)


def _check_skip(report) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if not skip_allowed(report.nodeid, reason, _declared):
        _refused_skips.append((report.nodeid, reason))


def pytest_runtest_logreport(report):
    _check_skip(report)


def pytest_collectreport(report):
    _check_skip(report)


def pytest_sessionfinish(session, exitstatus):
    # Under xdist the controller sees every worker's reports; it alone decides.
    if _refused_skips and not hasattr(session.config, "workerinput"):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _refused_skips and not hasattr(terminalreporter.config, "workerinput"):
        terminalreporter.section("skips not allowed by tests/skip_policy.py", red=True)
        for nodeid, reason in _refused_skips:
            terminalreporter.line(f"{nodeid}: {reason}")
