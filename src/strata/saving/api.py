"""`save_model`, `load_model`, `save_weights`, `load_weights` and `model_from_json`.

Formats, chosen by the file name as in Keras 3: ``.keras`` (the zip Keras 3 writes and reads),
``.weights.h5`` (weights and optimizer state only) and the legacy ``.h5``/``.hdf5`` (full models
from tf.keras 2 and Keras 3). Every save goes to a temporary file in the target's folder that is
renamed over the target once complete, so an interrupted save never damages an existing file.

Example:
    >>> import os, tempfile, numpy as np, strata
    >>> x = strata.Input(shape=(3,))
    >>> model = strata.Model(x, strata.layers.Dense(2)(x))
    >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
    >>> model.save(path)
    >>> restored = load_model(path)
    >>> bool(np.allclose(restored.predict(np.ones((1, 3)), verbose=0),
    ...                  model.predict(np.ones((1, 3)), verbose=0)))
    True
"""

from __future__ import annotations

import io
import json
import os
import warnings

import h5py

from strata.saving import (
    archive,
    folder_format,
    h5_weights,
    legacy_h5,
    model_config,
    safety,
    serialization,
)
from strata.saving.atomic import atomic_write
from strata.saving.weight_budget import weight_budget

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_LEGACY_SUFFIXES = (".h5", ".hdf5")


def _path(filepath) -> str:
    try:
        return os.fspath(filepath)
    except TypeError:
        raise TypeError(
            f"`filepath` must be a string or os.PathLike; received {type(filepath).__name__}."
        ) from None


# ---- saving ---------------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs) -> None:
    """Save a model (architecture, weights, compile settings, optimizer state) to a file.

    Args:
        model: a strata model.
        filepath: ends in ``.keras`` (recommended; Keras 3 opens it) or ``.h5``/``.hdf5``
            (the legacy format).
        overwrite: replace an existing file (default True); False raises `FileExistsError`.
        zipped: must be None or True; strata always writes the zip.
        include_optimizer: also save the compile settings and optimizer state (default True).
    """
    include_optimizer = kwargs.pop("include_optimizer", True)
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise TypeError(f"save_model got unexpected keyword argument(s) {sorted(kwargs)}.")
    if zipped is False:
        raise ValueError(
            "save_model: `zipped=False` (a folder) is not supported; use a .keras file."
        )
    path = _path(filepath)
    if folder_format.is_folder_target(path) and save_format != "h5":
        path = folder_format.prepare_save(path)
        save_format = None
    if path.endswith(".keras"):
        writer = archive.write
    elif path.endswith(_LEGACY_SUFFIXES) and not path.endswith(".weights.h5"):
        writer = legacy_h5.save_model
    else:
        raise ValueError(
            "Invalid filepath extension for saving. Add a `.keras` extension (the Keras 3 format, "
            "recommended) or a `.h5` extension (the legacy format); use `save_weights` with a "
            f"`.weights.h5` name to save weights only. Received: filepath={path}"
        )
    if save_format is not None:
        warnings.warn(
            "The `save_format` argument is deprecated (as in Keras 3); the format follows the "
            "file extension.",
            UserWarning,
            stacklevel=2,
        )
    if not model.built:
        warnings.warn(
            f"You are saving model '{model.name}', which has not been built yet, so it has no "
            "weights. Call it on data (or `build(input_shape)`) first to save weights too.",
            UserWarning,
            stacklevel=2,
        )
    with atomic_write(path, overwrite=overwrite) as handle:
        writer(model, handle, include_optimizer)


def save_weights(model, filepath, overwrite=True, max_shard_size=None) -> None:
    """Save the model's weights (and optimizer state when compiled) to ``*.weights.h5``."""
    path = _path(filepath)
    if not path.endswith(".weights.h5"):
        raise ValueError(
            f"The filename must end in `.weights.h5` to save weights. Received: filepath={path}"
        )
    if max_shard_size is not None:
        raise ValueError("save_weights: sharded weights (`max_shard_size`) are not supported.")
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' has not been built, so it has no weights to save. Call it on "
            "data (or `build(input_shape)`) first."
        )
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        h5_weights.write_weights(model, h5file)
    with atomic_write(path, overwrite=overwrite) as handle:
        handle.write(buffer.getvalue())


# ---- loading --------------------------------------------------------------------------------------
def _sniff(path: str) -> str:
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head[:4] in _ZIP_MAGIC:
        return "zip"
    try:
        if h5py.is_hdf5(path):
            return "hdf5"
    except (OSError, ValueError):
        pass
    return "unknown"


def _check_exists(path: str) -> None:
    if not os.path.exists(path):
        raise ValueError(f"File not found: filepath={path}. Check that the path is correct.")
    if os.path.isdir(path):
        raise ValueError(
            f"{path} is a directory; strata loads `.keras` zip files, `.weights.h5` and `.h5` files."
        )


def _guarded(path: str, action):
    """Run a load; any error becomes a ValueError that names the file (never a raw traceback)."""
    try:
        return action()
    except ValueError as err:
        message = str(err)
        if path in message:
            raise
        raise ValueError(f"{path}: {message}") from None
    except (MemoryError, RecursionError) as err:
        raise ValueError(f"{path}: the file is malformed ({type(err).__name__}).") from None
    except Exception as err:  # h5py, zipfile and malformed-config errors of any type
        raise ValueError(
            f"{path}: the file is corrupted or malformed ({type(err).__name__}: {err})."
        ) from None


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Load a model saved by strata or Keras (``.keras``, or legacy ``.h5``/``.hdf5``).

    Args:
        filepath: the file.
        custom_objects: optional dict of your classes and functions the file refers to
            (``{"MyLayer": MyLayer}``), in addition to registered ones.
        compile: also compile the model and restore the optimizer state (default True).
        safe_mode: refuse serialized Python code (a `Lambda`'s bytecode). Default True; only
            pass False for a file you trust. Nothing inside a file can turn it off.

    Returns:
        The model.

    Raises:
        ValueError: the file is missing, not a model file, corrupted, or refers to something
            loading refuses (an unregistered class or function, a lambda in safe mode, an HDF5
            link or external dataset, a size bomb). The message names the file and the problem.
    """
    path = _path(filepath)
    if os.path.isdir(path):
        path = folder_format.resolve_load(path)
    _check_exists(path)
    ctx = safety.make_context(
        custom_objects, bool(safe_mode) if safe_mode is not None else True, path
    )
    kind = _sniff(path)
    if path.endswith(".keras") and kind != "zip":
        raise ValueError(f"{path} is not a valid .keras file: it is not a zip archive.")
    if kind == "zip":
        return _guarded(path, lambda: _load_keras(path, ctx, compile))
    if kind == "hdf5":
        return _guarded(path, lambda: legacy_h5.load_model(path, ctx, compile))
    raise ValueError(
        f"File format not supported: filepath={path}. strata loads `.keras` files (the Keras 3 "
        "format) and legacy `.h5`/`.hdf5` files."
    )


def _load_keras(path: str, ctx, compile: bool):
    contents = archive.read(path)
    config = contents.config
    if not isinstance(config.get("class_name"), str):
        raise ValueError(
            f"{path}: `config.json` does not describe a model (it has no `class_name`)."
        )
    compile_config = config.get("compile_config") if compile else None
    safety.check_config(
        {k: v for k, v in config.items() if k != "compile_config"},
        ctx,
        kind="layers",
        where=f"{path}: config.json",
    )
    if compile_config:
        safety.check_config(
            compile_config, ctx, where=f"{path}: config.json compile_config (or pass compile=False)"
        )
    with h5py.File(io.BytesIO(contents.weights), "r") as h5file:
        h5_weights.scan(h5file, f"{path}: model.weights.h5")
        # Weights must be stored in the file, so building may not allocate much more than it holds.
        budget = max(64 * 1024**2, 2 * len(contents.weights))
        with safety.active_context(ctx), weight_budget(budget, path):
            model = serialization.deserialize(
                {k: v for k, v in config.items() if k != "compile_config"}, ctx, "layers"
            )
            _check_is_model(model, path)
            if compile_config:
                model_config.compile_from_config(model, compile_config, ctx)
        h5_weights.load_weights(
            model, h5file, f"{path}: model.weights.h5", load_optimizer=bool(compile_config)
        )
    return model


def _check_is_model(obj, path: str) -> None:
    from strata.layers.layer import Layer

    if not isinstance(obj, Layer):
        raise ValueError(
            f"{path}: the file describes a {type(obj).__name__}, not a model or layer."
        )


def load_weights(model, filepath, skip_mismatch=False, **kwargs) -> None:
    """Load weights into a built model from ``.weights.h5``, ``.keras`` or legacy ``.h5``.

    Args:
        model: the model to fill; it must be built (and have the saved architecture).
        filepath: the file.
        skip_mismatch: skip layers whose weight count or shapes differ (with a warning)
            instead of raising.
        by_name: legacy ``.h5`` only: match layers by name instead of by order.
    """
    by_name = kwargs.pop("by_name", False)
    if kwargs:
        raise TypeError(f"load_weights got unexpected keyword argument(s) {sorted(kwargs)}.")
    path = _path(filepath)
    _check_exists(path)
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' has not been built, so there are no weights to load into. "
            "Call it on data (or `build(input_shape)`) first."
        )
    if by_name and (not path.endswith(_LEGACY_SUFFIXES) or path.endswith(".weights.h5")):
        raise ValueError("`by_name=True` is only supported for legacy `.h5` weights files.")
    kind = _sniff(path)
    if path.endswith(".keras") or kind == "zip":
        if kind != "zip":
            raise ValueError(f"{path} is not a valid .keras file: it is not a zip archive.")

        def from_archive():
            contents = archive.read(path)
            with h5py.File(io.BytesIO(contents.weights), "r") as h5file:
                h5_weights.scan(h5file, f"{path}: model.weights.h5")
                h5_weights.load_weights(
                    model, h5file, f"{path}: model.weights.h5", skip_mismatch=skip_mismatch
                )

        return _guarded(path, from_archive)
    if kind != "hdf5":
        raise ValueError(
            f"{path} is not a weights file strata can read (`.weights.h5`, `.keras` or `.h5`)."
        )

    def from_h5():
        with h5py.File(path, "r") as h5file:
            h5_weights.scan(h5file, path)
            if "layer_names" in h5file.attrs or "model_weights" in h5file:
                group = h5file["model_weights"] if "model_weights" in h5file else h5file
                legacy_h5.load_weights(model, group, path, by_name, skip_mismatch)
            else:
                h5_weights.load_weights(model, h5file, path, skip_mismatch=skip_mismatch)

    return _guarded(path, from_h5)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """A model (uncompiled, freshly initialized weights) from `model.to_json()`'s output.

    Example:
        >>> import strata
        >>> x = strata.Input(shape=(2,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model_from_json(model.to_json()).count_params()
        3
    """
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError, RecursionError) as err:
        raise ValueError(f"model_from_json: the string is not valid JSON ({err}).") from None
    if isinstance(config, dict):
        config = {k: v for k, v in config.items() if k != "compile_config"}
    return serialization.deserialize_keras_object(
        config, custom_objects=custom_objects, safe_mode=safe_mode, kind="layers"
    )
