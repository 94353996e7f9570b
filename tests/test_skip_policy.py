"""CI refuses skips that tests/skip_policy.py does not allow."""

import textwrap
from pathlib import Path

import pytest

from skip_policy import declared_test_packages, skip_allowed

pytest_plugins = ["pytester"]

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
DECLARED = declared_test_packages(PYPROJECT)


def test_the_test_extra_is_read_from_pyproject():
    assert {"keras", "tensorboard", "tensorboardx", "hypothesis"} <= DECLARED


@pytest.mark.parametrize(
    ("reason", "allowed"),
    [
        ("Skipped: optional dependency tf_keras: Keras 2 interop", True),
        ("optional dependency torch not installed", True),
        # Declared in the test extra, so always installed in CI: its tests must run.
        ("Skipped: optional dependency tensorboard: reader", False),
        ("Skipped: optional dependency keras", False),
        ("could not import 'tf_keras': No module named 'tf_keras'", False),
        ("Skipped: needs a GPU", False),
    ],
)
def test_only_undeclared_optional_dependencies_may_skip(reason, allowed):
    assert skip_allowed("tests/test_x.py::test_y", reason, DECLARED) is allowed


def test_a_skip_not_allowed_fails_the_run(pytester):
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text())
    pytester.syspathinsert(Path(__file__).parent)
    pytester.makepyfile(
        test_skips=textwrap.dedent(
            """
            import pytest

            def test_runs():
                pass

            def test_optional():
                pytest.importorskip("no_such_module_xyz", reason="optional dependency xyz: demo")

            def test_silently_skipped():
                pytest.skip("not today")
            """
        )
    )
    # The conftest reads ../pyproject.toml relative to itself: give it one.
    (pytester.path.parent / "pyproject.toml").write_text(PYPROJECT.read_text())
    result = pytester.runpytest("test_skips.py", "-p", "no:xdist", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, skipped=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*skips not allowed*", "*test_silently_skipped: *not today*"])
    assert "test_optional:" not in result.stdout.str()
