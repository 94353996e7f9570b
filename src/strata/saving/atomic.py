"""Atomic file replacement: write beside the target, flush to disk, rename over it.

A process killed at any point of a save leaves either the previous file or the new one, never
a partial file: the rename is the only step that touches the target, and POSIX renames are
atomic within a folder.

Example:
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> with atomic_write(path) as f:
    ...     _ = f.write(b"saved")
    >>> path.read_bytes()
    b'saved'
"""

from __future__ import annotations

import contextlib
import os
import tempfile


def _default_mode() -> int:
    # The mode a plain open() would give: mkstemp creates files readable by the owner only.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(path, *, overwrite: bool = True):
    """Yield a binary file object; on success it replaces `path` atomically.

    Args:
        path: the file to create or replace.
        overwrite: if False and `path` exists, raise `FileExistsError` before writing.

    The temporary file (``.<name>.<random>.tmp`` in the same folder) is removed if the block
    raises; the target is untouched until the final rename.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"Cannot save to {path}: it is a directory.")
    os.makedirs(folder, exist_ok=True)
    fd, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=folder
    )
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else _default_mode()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
