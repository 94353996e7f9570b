"""Writing an artefact all at once: into a temporary sibling, moved into place only when complete,
so a failed export leaves nothing behind (and an existing artefact untouched)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def staged(filepath, *, directory: bool, marker: str | None = None):
    """Yields a temporary path next to `filepath`; on success it replaces `filepath`.

    An existing folder is replaced only when it is empty or holds `marker` (an earlier artefact),
    so a mistyped path never deletes someone's folder.
    """
    target = Path(os.fspath(filepath))
    if target.is_dir() and any(target.iterdir()):
        if marker is None or not (target / marker).is_file():
            raise ValueError(
                f"{target} is a folder that does not hold an exported artefact; it is not "
                "replaced. Export to a new path, or remove the folder first."
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging = temporary if directory else temporary / target.name
    try:
        yield staging
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        if not directory:
            # Companion files written beside the file (ONNX's external weights,
            # ``<name>.data``) move with it, under the same names.
            for companion in temporary.iterdir():
                if companion != staging:
                    os.replace(companion, target.parent / companion.name)
        os.replace(staging, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
