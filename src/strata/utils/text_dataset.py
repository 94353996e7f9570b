"""`text_dataset_from_directory`: a folder of ``.txt`` files as batches of ``(texts, labels)``.

The files, labels, split and file order are Keras's for the same folder and seed. Texts are
NumPy arrays of Python strings (Keras gives ``tf.string`` tensors, or strings under grain); a
``max_length`` cuts each text to that many characters, as Keras's grain loader does.
"""

from __future__ import annotations

import functools

import numpy as np

from strata.utils import _directory_index as index
from strata.utils.folder_batches import check_batch_size, folder_subsets

_OWNER = "text_dataset_from_directory"


def _read_text(path, max_length):
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{_OWNER}: could not read the text file {path!r}: {error}") from error
    return text if max_length is None else text[:max_length]


def _stack_texts(texts):
    batch = np.empty(len(texts), dtype=object)
    batch[:] = texts
    return batch


def text_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    batch_size=32,
    max_length=None,
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    follow_links=False,
    verbose=True,
):
    """Batches of texts (and labels) from a folder of ``.txt`` files: one subfolder per class with
    ``labels="inferred"``.

    Args:
        directory: the folder.
        labels: "inferred" (from the subfolder names), None, or a list of integer labels, one per
            file in sorted path order.
        label_mode: "int", "categorical", "binary" or None (texts only).
        class_names: with inferred labels, the subfolders to use, in label order.
        batch_size: texts per batch, or None for single texts.
        max_length: keep at most this many characters of each text (None: all).
        shuffle: shuffle the files (and reshuffle at every epoch).
        seed: the shuffle's seed (needed with `validation_split` and shuffling).
        validation_split: the fraction of files kept for validation.
        subset: "training", "validation" or "both" (a list of the two).
        follow_links: walk into linked subfolders.
        verbose: print how many files and classes were found.

    Returns:
        A `FolderBatches` of ``(texts, labels)``: texts an object array of ``str``, labels as in
        `image_dataset_from_directory`. It has ``class_names`` and ``file_paths``.

    Example:
        >>> import os, tempfile
        >>> root = tempfile.mkdtemp()
        >>> for name in ("neg", "pos"):
        ...     os.mkdir(os.path.join(root, name))
        ...     with open(os.path.join(root, name, "a.txt"), "w") as f:
        ...         _ = f.write(f"a {name} review")
        >>> data = text_dataset_from_directory(root, shuffle=False, max_length=5)
        Found 2 files belonging to 2 classes.
        >>> data[0]
        (array(['a neg', 'a pos'], dtype=object), array([0, 1], dtype=int32))
    """
    index.check_label_arguments(_OWNER, labels, label_mode, class_names)
    check_batch_size(_OWNER, batch_size)
    if max_length is not None and (
        isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0
    ):
        raise ValueError(
            f"{_OWNER}: `max_length` must be a non-negative int or None; received "
            f"max_length={max_length!r}."
        )
    index.check_split_arguments(_OWNER, validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = np.random.randint(1e6)
    files = index.index_directory(
        _OWNER, directory, labels, (".txt",), class_names, shuffle, seed, follow_links, verbose
    )
    return folder_subsets(
        _OWNER,
        directory,
        files,
        label_mode,
        validation_split=validation_split,
        subset=subset,
        batch_size=batch_size,
        shuffle=shuffle,
        seed=seed,
        load=functools.partial(_read_text, max_length=max_length),
        collate=_stack_texts,
        formats=(".txt",),
    )
