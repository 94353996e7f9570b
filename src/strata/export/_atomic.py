"""Writing an artefact all at once: into a temporary sibling, moved into place only when complete,
so a failed export leaves nothing behind (and an existing artefact untouched)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def staged(filepath, *, directory: bool):
    """Yields a temporary path next to `filepath`; on success it replaces `filepath`."""
    target = Path(os.fspath(filepath))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    staging = temporary if directory else temporary / target.name
    try:
        yield staging
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
