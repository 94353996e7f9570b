"""The ``.keras`` zip: ``metadata.json``, ``config.json`` and ``model.weights.h5``.

Written as Keras 3 writes it (uncompressed members, in that order). Read with the checks a file
from anywhere needs: no member may have an absolute path, a ``..`` segment, a link type or
encryption; sizes are checked against the central directory before anything is decompressed.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import stat
import zipfile

import h5py

from strata.saving import h5_weights

# The Keras file-format release whose layout strata writes (Keras does not validate it).
KERAS_FORMAT_VERSION = "3.15.1"
METADATA = "metadata.json"
CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
_MAX_MEMBERS = 10_000
_MAX_JSON_BYTES = {METADATA: 1 << 20, CONFIG: 64 << 20}
_BOMB_RATIO = 100
_BOMB_FLOOR = 16 << 20


@dataclasses.dataclass
class Archive:
    metadata: dict
    config: dict
    weights: bytes


def write(model, handle, include_optimizer: bool = True) -> None:
    """Write `model` as a ``.keras`` zip into the binary file object `handle`."""
    from strata import __version__
    from strata.saving.serialization import serialize_object

    config = serialize_object(model)
    if not include_optimizer:
        config.pop("compile_config", None)
    metadata = {
        "keras_version": KERAS_FORMAT_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "strata_version": __version__,
    }
    weights = io.BytesIO()
    with h5py.File(weights, "w") as h5file:
        h5_weights.write_weights(model, h5file, include_optimizer)
    with zipfile.ZipFile(handle, "w") as archive:
        archive.writestr(METADATA, json.dumps(metadata))
        archive.writestr(CONFIG, json.dumps(config))
        archive.writestr(WEIGHTS, weights.getvalue())


def read(path: str) -> Archive:
    """The three members of a ``.keras`` file, after checking the zip's directory.

    Raises:
        ValueError: not a zip, a member with an unsafe name or type, a size bomb, a missing
            member, or malformed JSON. The message names the file and the problem.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as err:
        raise ValueError(
            f"{path} is not a valid .keras file: it is not a zip archive ({err})."
        ) from None
    with archive:
        infos = check_members(archive, path)
        names = {info.filename for info in infos}
        for required in (CONFIG, WEIGHTS):
            if required not in names:
                if required == WEIGHTS and "model.weights.npz" in names:
                    raise ValueError(
                        f"{path}: npz weights (`model.weights.npz`) are not supported."
                    )
                raise ValueError(f"{path} is not a valid .keras file: it has no `{required}`.")
        metadata = _read_json(archive, METADATA, path) if METADATA in names else {}
        config = _read_json(archive, CONFIG, path)
        if not isinstance(config, dict):
            raise ValueError(f"{path}: `{CONFIG}` must hold a JSON object.")
        weights = _read_member(archive, WEIGHTS, path)
    return Archive(metadata if isinstance(metadata, dict) else {}, config, weights)


def check_members(archive: zipfile.ZipFile, path: str) -> list:
    """The archive's members, refusing unsafe names, links, encryption and bombs."""
    infos = archive.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise ValueError(f"{path}: the zip holds {len(infos)} members; refusing to read it.")
    seen = set()
    for info in infos:
        name = info.filename
        segments = name.replace("\\", "/").split("/")
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or "\x00" in name
            or (len(name) > 1 and name[1] == ":")
            or ".." in segments
        ):
            raise ValueError(
                f"{path}: the zip member {name!r} has an absolute or parent ('..') path; refusing "
                "to read an archive that could write outside its folder."
            )
        if name in seen:
            raise ValueError(f"{path}: the zip holds two members named {name!r}.")
        seen.add(name)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ValueError(f"{path}: the zip member {name!r} is a symbolic link.")
        if info.flag_bits & 0x1:
            raise ValueError(f"{path}: the zip member {name!r} is encrypted.")
        limit = _MAX_JSON_BYTES.get(name)
        if limit is not None and info.file_size > limit:
            raise ValueError(
                f"{path}: `{name}` declares {info.file_size} bytes, more than the {limit}-byte "
                "limit."
            )
        if (
            info.compress_type != zipfile.ZIP_STORED
            and info.file_size > _BOMB_FLOOR
            and info.file_size > _BOMB_RATIO * max(info.compress_size, 1)
        ):
            raise ValueError(
                f"{path}: the zip member {name!r} expands from {info.compress_size} to "
                f"{info.file_size} bytes; refusing a likely zip bomb."
            )
    return infos


def _read_member(archive: zipfile.ZipFile, name: str, path: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as err:
        raise ValueError(f"{path}: cannot read `{name}` from the archive ({err}).") from None


def _read_json(archive: zipfile.ZipFile, name: str, path: str):
    data = _read_member(archive, name, path)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise ValueError(f"{path}: `{name}` is not valid JSON ({err}).") from None
