"""Which skipped tests CI accepts; every other skip fails the run (see conftest.py).

A test of ours that does not run is a test that cannot fail, so a skip must be one of:

- listed in ``ALLOWED_SKIPS`` as ``(node id regex, reason)``, with the reason a reviewer reads; or
- a skip whose reason starts with ``"optional dependency NAME"``, where NAME is a package that the
  installed test extra of pyproject.toml does not install, e.g.
  ``pytest.importorskip("tf_keras", reason="optional dependency tf_keras: Keras 2 interop")``.
  A package the test extra declares is always installed in CI, so its tests must run. The
  extra is ``test`` unless ``STRATA_TEST_EXTRA`` names another (CI's floors stage installs
  ``test-core``, without the heavy optional oracles such as jax2onnx).

To allow a new skip, add it to ``ALLOWED_SKIPS`` or give ``importorskip`` such a reason.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

ALLOWED_SKIPS: list[tuple[str, str]] = []

_OPTIONAL = re.compile(r"optional dependency\s+([A-Za-z0-9_.\-]+)")
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)")


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_test_packages(pyproject: Path, extra: str | None = None) -> set[str]:
    """The normalised names of the packages pyproject's test extra installs (`extra`, or
    ``$STRATA_TEST_EXTRA``, or ``test``), following ``strata[other-extra]`` references."""
    with open(pyproject, "rb") as handle:
        extras = tomllib.load(handle)["project"]["optional-dependencies"]
    names, pending = set(), [extra or os.environ.get("STRATA_TEST_EXTRA", "test")]
    while pending:
        for line in extras[pending.pop()]:
            requirement = _REQUIREMENT_NAME.match(line).group(1)
            nested = re.match(r"strata\[([^\]]+)\]", line.strip())
            if nested:
                pending.extend(part.strip() for part in nested.group(1).split(","))
            else:
                names.add(_normalise(requirement))
    return names


def skip_allowed(nodeid: str, reason: str, declared: set[str]) -> bool:
    """Whether CI accepts the skip of ``nodeid`` for ``reason``."""
    if any(re.search(pattern, nodeid) for pattern, _ in ALLOWED_SKIPS):
        return True
    optional = _OPTIONAL.match(reason.removeprefix("Skipped: ").strip())
    if optional is None:
        return False
    package = _normalise(optional.group(1).rstrip(":,."))
    # tf_keras is imported as tf_keras but installed as tf-keras: both normalise alike.
    return package.split(".")[0] not in declared
