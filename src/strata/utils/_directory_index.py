"""Listing a folder of files with their labels, as Keras's `*_dataset_from_directory` functions do.

The file order, the inferred classes, the seeded shuffle of the file list and the
training/validation split are Keras's, so the same folder and seed give the same files in the same
subsets. Shared by the image, text and audio folder loaders.
"""

from __future__ import annotations

import os

import numpy as np

LABEL_MODES = ("int", "categorical", "binary", None)
SUBSETS = ("training", "validation", "both", None)


def check_label_arguments(owner: str, labels, label_mode, class_names) -> None:
    """Reject a `labels`/`label_mode`/`class_names` combination Keras rejects."""
    if not (labels is None or isinstance(labels, str | list | tuple)) or (
        isinstance(labels, str) and labels != "inferred"
    ):
        raise ValueError(
            f"{owner}: `labels` must be 'inferred', None, or a list/tuple of integer labels "
            f"(one per file, in sorted file order); received labels={labels!r}."
        )
    if isinstance(labels, list | tuple) and class_names:
        raise ValueError(
            f"{owner}: `class_names` can only be passed with labels='inferred'; received "
            f"class_names={class_names!r} with a list of labels."
        )
    if label_mode not in LABEL_MODES:
        raise ValueError(
            f"{owner}: `label_mode` must be one of 'int', 'categorical', 'binary' or None; "
            f"received label_mode={label_mode!r}."
        )


def check_split_arguments(owner: str, validation_split, subset, shuffle, seed) -> None:
    """Reject a `validation_split`/`subset`/`seed` combination Keras rejects."""
    if validation_split and (
        isinstance(validation_split, bool)
        or not isinstance(validation_split, int | float)
        or not 0 < validation_split < 1
    ):
        raise ValueError(
            f"{owner}: `validation_split` must be a float strictly between 0 and 1; received "
            f"validation_split={validation_split!r}."
        )
    if subset not in SUBSETS:
        raise ValueError(
            f"{owner}: `subset` must be 'training', 'validation', 'both' or None; received "
            f"subset={subset!r}."
        )
    if bool(validation_split) != bool(subset):
        raise ValueError(
            f"{owner}: `subset` and `validation_split` go together; received "
            f"validation_split={validation_split!r}, subset={subset!r}. Set both or neither."
        )
    if validation_split and shuffle and seed is None:
        raise ValueError(
            f"{owner}: with `validation_split` and shuffle=True, pass a `seed` so the training "
            "and validation subsets do not overlap."
        )


def _class_folders(owner: str, directory: str, class_names) -> list:
    if not os.path.isdir(directory):
        raise ValueError(f"{owner}: `directory` {directory!r} is not a folder.")
    folders = [
        name
        for name in sorted(os.listdir(directory))
        if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")
    ]
    if class_names is None:
        return folders
    if not set(class_names) <= set(folders):
        raise ValueError(
            f"{owner}: `class_names` must name subfolders of {directory!r}; received "
            f"class_names={list(class_names)!r}, subfolders are {folders!r}."
        )
    return list(class_names)


def _files_under(folder: str, follow_links: bool, formats: tuple) -> list:
    """Relative paths (prefixed with the folder's own name, as Keras) of the allowed files under
    `folder`, sorted by directory then by name."""
    name = os.path.basename(folder)
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda w: w[0]):
        for file in sorted(files):
            if file.lower().endswith(formats):
                found.append(os.path.join(name, os.path.relpath(os.path.join(root, file), folder)))
    return found


def index_directory(
    owner, directory, labels, formats, class_names, shuffle, seed, follow_links, verbose
):
    """``(file_paths, labels, class_names)`` for the allowed files under `directory`.

    ``labels`` is an int32 array (None without labels); the lists are shuffled with NumPy's
    ``RandomState(seed)`` when `shuffle` is set, exactly as Keras shuffles them.
    """
    directory = os.fspath(directory)
    if labels == "inferred":
        folders = _class_folders(owner, directory, class_names)
    else:
        if class_names is not None:
            raise ValueError(
                f"{owner}: `class_names` can only be passed with labels='inferred'; received "
                f"class_names={list(class_names)!r} with labels={labels!r}."
            )
        if not os.path.isdir(directory):
            raise ValueError(f"{owner}: `directory` {directory!r} is not a folder.")
        folders = [""]
    names, label_list = [], []
    for index, folder in enumerate(folders):
        found = _files_under(os.path.join(directory, folder), follow_links, formats)
        names += found
        label_list += [index] * len(found)
    if labels == "inferred":
        labels, class_names = np.asarray(label_list, dtype="int32"), folders
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(names):
            raise ValueError(
                f"{owner}: `labels` has {len(labels)} entries but {directory!r} holds "
                f"{len(names)} files; pass one label per file."
            )
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels, dtype="int32")
    if verbose:
        if labels is None:
            print(f"Found {len(names)} files.")
        else:
            print(f"Found {len(names)} files belonging to {len(class_names)} classes.")
    paths = [os.path.join(directory, name) for name in names]
    if shuffle:
        # Two generators from the same seed give paths and labels the same permutation (Keras).
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def split(paths, labels, validation_split, subset):
    """The `subset` (``"training"`` or ``"validation"``) of the files: the last
    ``int(validation_split * n)`` files are the validation subset, as in Keras."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - count} files for training.")
        keep = slice(None, len(paths) - count)
    else:
        print(f"Using {count} files for validation.")
        keep = slice(len(paths) - count, None)
    return paths[keep], None if labels is None else labels[keep]


def encode_labels(labels, label_mode, num_classes):
    """Integer labels as the batches carry them: int32, float32 ``(n, 1)`` for "binary", or
    float32 one-hot rows for "categorical"."""
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[labels]
    return labels
