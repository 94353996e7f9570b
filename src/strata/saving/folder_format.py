"""tf.keras 2's default save target, a folder: ``model.save("path_to_my_model")``.

tf.keras 2 wrote a TensorFlow SavedModel into a path without a ``.keras``/``.h5`` extension.
strata cannot write TensorFlow graphs; it stores the same model in Keras 3's ``.keras`` format as
``model.keras`` inside that folder, and `load_model` on the folder reads it back. A one-time
`DeprecationWarning` says so. For serving, `Model.export` is the modern route.

Example:
    >>> import os, tempfile
    >>> folder = os.path.join(tempfile.mkdtemp(), "path_to_my_model")
    >>> model_file(folder).endswith(os.path.join("path_to_my_model", "model.keras"))
    True
"""

from __future__ import annotations

import os
import re

from strata._deprecation import warn_once

FILE_NAME = "model.keras"
_MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


def is_folder_target(path: str) -> bool:
    """True for an existing folder, or a path whose last part has no extension (``{...}``
    fields of a `ModelCheckpoint` template do not count): tf.keras 2 saved those as SavedModel
    folders. Other extensions (``model.pkl``) stay errors, as in Keras 3.

    Example:
        >>> [is_folder_target(p) for p in ("my_model", "ckpt-{loss:.2f}", "m.keras", "m.pkl")]
        [True, True, False, False]
    """
    if os.path.isdir(path):
        return not path.endswith(_MODEL_SUFFIXES)
    name = re.sub(r"\{[^}]*\}", "x", os.path.basename(os.path.normpath(path)))
    return os.path.splitext(name)[1] == "" and not os.path.isfile(path)


def model_file(path: str) -> str:
    """The ``.keras`` file that stands for the folder `path`."""
    return os.path.join(path, FILE_NAME)


def warn_folder(path: str) -> None:
    """The one-time warning for saving to a folder (its text names `path`'s stored file)."""
    warn_once(
        "save to folder",
        f"Saving to {path!r}, a path without a `.keras` extension, is tf.keras 2's SavedModel "
        f"spelling. strata stores a `.keras`-format model in that folder ({model_file(path)!r}); "
        "it is not a TensorFlow SavedModel (for serving, use `model.export`). Prefer "
        "`model.save('name.keras')`.",
        stacklevel=4,
    )


def prepare_save(path: str) -> str:
    """Create the folder `path` (warning once) and return the file to write."""
    warn_folder(path)
    os.makedirs(path, exist_ok=True)
    return model_file(path)


def resolve_load(path: str) -> str:
    """The model file inside the folder `path`, or a ValueError naming what the folder holds."""
    target = model_file(path)
    if os.path.isfile(target):
        warn_once(
            "load from folder",
            f"Loading the folder {path!r} (tf.keras 2's SavedModel spelling): strata reads the "
            f"`.keras` model it saved there ({target!r}). Prefer saving to and loading "
            "'name.keras'.",
            stacklevel=4,
        )
        return target
    entries = sorted(os.listdir(path))
    if "saved_model.pb" in entries:
        raise ValueError(
            f"{path} is a TensorFlow SavedModel (it holds saved_model.pb), which strata cannot "
            "load: it stores TensorFlow graphs. In tf.keras 2, load it and save it again with "
            "`model.save('model.keras')` (or '.h5'), then load that file with strata."
        )
    shown = ", ".join(entries[:8]) + (", ..." if len(entries) > 8 else "") or "nothing"
    raise ValueError(
        f"{path} is a directory without a strata/Keras model: expected {FILE_NAME} in it (as "
        f"`model.save({path!r})` writes), but found: {shown}."
    )
