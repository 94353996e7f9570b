"""Read the pickled parts of dataset files without letting a pickle run code.

Two of Keras's dataset formats need pickle: the CIFAR batches are pickled dicts of NumPy arrays,
and imdb.npz / reuters.npz store ragged sequences as ``dtype=object`` arrays of lists, which
``.npy`` can only hold as a pickle stream (``np.load(allow_pickle=False)`` refuses them, and
``allow_pickle=True`` would let a tampered file call any function it names). A pickle can only
run code through the globals it asks for, so `SafeUnpickler` hands out a short allowlist: what
NumPy needs to rebuild an array (``ndarray``, ``dtype``, ``_reconstruct``) and ``_codecs.encode``,
which protocol-2 pickles written by Python 3 use to spell ``bytes``. Lists, dicts, ints and
strings need no globals. Any other name is refused before anything is called.
"""

from __future__ import annotations

import ast
import codecs
import io
import os
import pickle
import zipfile

import numpy as np

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # NumPy < 2
    from numpy.core.multiarray import _reconstruct

# Files written by NumPy < 2 name ``numpy.core``; both spellings map to the same function, which is
# looked up here rather than imported by name (``numpy.core`` warns on NumPy >= 2).
_ALLOWED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("_codecs", "encode"): codecs.encode,
}


class SafeUnpickler(pickle.Unpickler):
    """A `pickle.Unpickler` that only resolves the NumPy array globals listed above.

    Example:
        >>> data = pickle.dumps({"x": np.arange(3)})
        >>> SafeUnpickler(io.BytesIO(data)).load()["x"].tolist()
        [0, 1, 2]
        >>> try:
        ...     SafeUnpickler(io.BytesIO(pickle.dumps(print))).load()
        ... except pickle.UnpicklingError as error:
        ...     print(error)
        refusing to load builtins.print from a dataset file: only NumPy arrays and plain Python values are allowed; the file may be corrupted or tampered with.
    """

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name} from a dataset file: only NumPy arrays and "
                "plain Python values are allowed; the file may be corrupted or tampered with."
            ) from None


def _read_npy_header(stream) -> dict:
    magic = stream.read(6)
    if magic != b"\x93NUMPY":
        raise ValueError("not a .npy stream (bad magic bytes)")
    major = stream.read(2)[0]
    if major == 1:
        size = int.from_bytes(stream.read(2), "little")
    elif major in (2, 3):
        size = int.from_bytes(stream.read(4), "little")
    else:
        raise ValueError(f"unsupported .npy format version {major}")
    text = stream.read(size).decode("utf-8" if major == 3 else "latin1")
    header = ast.literal_eval(text)
    if not isinstance(header, dict) or not {"descr", "shape"} <= header.keys():
        raise ValueError(f"malformed .npy header {text.strip()!r}")
    return header


def _read_npy(stream) -> np.ndarray:
    header = _read_npy_header(stream)
    if np.dtype(header["descr"]) != np.dtype(object):
        stream.seek(0)
        return np.lib.format.read_array(stream, allow_pickle=False)
    array = SafeUnpickler(stream, encoding="latin1").load()
    if not isinstance(array, np.ndarray) or array.shape != tuple(header["shape"]):
        raise ValueError(
            f"the pickled array does not match its header (expected shape {header['shape']})"
        )
    return array


def load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """All arrays in a ``.npz`` file; object arrays are unpickled with `SafeUnpickler`.

    Example:
        >>> import tempfile
        >>> ragged = np.empty(2, dtype=object)
        >>> ragged[:] = [[1, 2], [3]]
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     np.savez(f"{folder}/d.npz", x=ragged, y=np.array([0, 1]))
        ...     arrays = load_npz(f"{folder}/d.npz")
        >>> arrays["x"].tolist(), arrays["y"].tolist()
        ([[1, 2], [3]], [0, 1])
    """
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if not member.endswith(".npy"):
                continue
            stream = io.BytesIO(archive.read(member))
            try:
                arrays[member[: -len(".npy")]] = _read_npy(stream)
            except (ValueError, pickle.UnpicklingError, EOFError) as error:
                raise ValueError(f"could not read {member!r} from {path}: {error}") from error
    return arrays
