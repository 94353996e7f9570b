"""Download a dataset file once, check its checksum, and keep it in a cache folder.

The folder is, in order of precedence: the `cache_dir` a loader is given, the environment
variable ``STRATA_DATASETS_DIR``, or ``~/.cache/strata/datasets`` (``$XDG_CACHE_HOME`` replaces
``~/.cache`` when set). A file is written under a temporary name and renamed into place only after
its checksum matches, so an interrupted or corrupted download never looks like a cached file.
`fetch` is the only function that touches the network; tests replace it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.request
import warnings
from pathlib import Path

_ENV = "STRATA_DATASETS_DIR"


def cache_folder(cache_dir: str | os.PathLike | None = None) -> Path:
    """The folder dataset files are cached in (see the module docstring for the precedence).

    Example:
        >>> cache_folder("/tmp/my-datasets").name
        'my-datasets'
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if os.environ.get(_ENV):
        return Path(os.environ[_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "strata" / "datasets"


def file_digest(path: str | os.PathLike, algorithm: str) -> str:
    """Hex digest of a file, read in chunks so large archives never sit in memory whole."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _algorithm(file_hash: str) -> str:
    # Keras lists SHA-256 digests for the data files and MD5 digests for the small word-index
    # files; the length of the hex string tells them apart.
    return "md5" if len(file_hash) == 32 else "sha256"


def fetch(url: str, destination: Path) -> None:
    """Copy `url` into the file `destination` (the one place that uses the network)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(destination, "wb") as out:
        shutil.copyfileobj(response, out, length=1 << 20)


def get_file(
    fname: str,
    origin: str,
    file_hash: str | None = None,
    *,
    cache_dir: str | os.PathLike | None = None,
    cache_subdir: str | None = None,
) -> Path:
    """The local path of `fname`, downloading it from `origin` first if it is not cached.

    Args:
        fname: File name inside the cache folder (an absolute path is used as it is).
        origin: URL to download from.
        file_hash: Expected SHA-256 (64 hex digits) or MD5 (32) digest, or None to skip the check.
        cache_dir: Cache folder; see `cache_folder`.
        cache_subdir: Optional sub-folder of the cache folder.

    Returns:
        The path of the verified file.

    Raises:
        OSError: The file is not cached and could not be downloaded.
        ValueError: The downloaded file does not match `file_hash`.
    """
    folder = cache_folder(cache_dir)
    if cache_subdir:
        folder = folder / cache_subdir
    path = folder / fname
    name = Path(fname).name
    algorithm = _algorithm(file_hash) if file_hash else None

    if path.is_file():
        if file_hash is None:
            return path
        actual = file_digest(path, algorithm)
        if actual == file_hash.lower():
            return path
        warnings.warn(
            f"The cached file {path} does not match its {algorithm} checksum (expected "
            f"{file_hash}, found {actual}); it is incomplete or outdated, so it is downloaded "
            "again.",
            stacklevel=3,
        )

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".part")
    os.close(handle)
    temp = Path(temp_name)
    try:
        print(f"Downloading data from {origin}")
        try:
            fetch(origin, temp)
        except OSError as error:
            reason = getattr(error, "reason", None) or error
            raise OSError(
                f"could not download {name} from {origin}: {reason}; place the file at {path} "
                "to use it offline."
            ) from error
        if file_hash is not None:
            actual = file_digest(temp, algorithm)
            if actual != file_hash.lower():
                raise ValueError(
                    f"{name} downloaded from {origin} does not match its {algorithm} checksum: "
                    f"expected {file_hash}, got {actual}. The download was corrupted or the file "
                    f"changed upstream, so it was not saved; try again, or place a verified copy "
                    f"at {path}."
                )
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path
