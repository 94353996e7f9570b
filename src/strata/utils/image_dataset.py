"""`image_dataset_from_directory`: a folder of image files as batches of ``(images, labels)``.

Keras decodes with TensorFlow (or Pillow through grain); strata decodes with Pillow and resizes with
`jax.image.resize`'s arithmetic in NumPy (no compilation per image size), as Keras's JAX backend
resizes, so the pixels agree with Keras's. The
files, labels, split and file order are Keras's for the same folder and seed; the result is a
`FolderBatches` that ``fit`` streams from (see `strata.utils.folder_batches`).
"""

from __future__ import annotations

import functools

import numpy as np

from strata.layers.conv.arguments import normalize_data_format
from strata.utils import _directory_index as index
from strata.utils import _image_resize
from strata.utils.folder_batches import check_batch_size, folder_subsets
from strata.utils.image_utils import COLOR_MODES, check_interpolation, convert_mode, open_image

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_OWNER = "image_dataset_from_directory"


def _load_image(path, color_mode, image_size, interpolation, data_format, crop, pad):
    """One image file as a float32 array of `image_size` (Keras's grain loader, without grain)."""
    img = np.asarray(convert_mode(open_image(path, _OWNER), color_mode, _OWNER), "float32")
    if img.ndim == 2:
        img = img[:, :, None]
    if crop:
        img = _image_resize.crop_to_aspect(img, image_size)
    elif pad:
        img = _image_resize.pad_to_aspect(img, image_size)
    img = _image_resize.resize(img, image_size, interpolation)
    return img.transpose(2, 0, 1) if data_format == "channels_first" else img


def _check_size(image_size):
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        image_size = (image_size, image_size)
    if (
        not isinstance(image_size, list | tuple)
        or len(image_size) != 2
        or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in image_size)
    ):
        raise ValueError(
            f"{_OWNER}: `image_size` must be (height, width), two positive ints; received "
            f"image_size={image_size!r}."
        )
    return tuple(image_size)


def image_dataset_from_directory(
    directory,
    labels="inferred",
    label_mode="int",
    class_names=None,
    color_mode="rgb",
    batch_size=32,
    image_size=(256, 256),
    shuffle=True,
    seed=None,
    validation_split=None,
    subset=None,
    interpolation="bilinear",
    follow_links=False,
    crop_to_aspect_ratio=False,
    pad_to_aspect_ratio=False,
    data_format=None,
    verbose=True,
):
    """Batches of images (and labels) from a folder: one subfolder per class with
    ``labels="inferred"``.

    Args:
        directory: the folder.
        labels: "inferred" (from the subfolder names), None, or a list of integer labels, one per
            file in sorted path order.
        label_mode: "int", "categorical", "binary" or None (images only).
        class_names: with inferred labels, the subfolders to use, in label order.
        color_mode: "grayscale", "rgb" or "rgba" (1, 3 or 4 channels).
        batch_size: images per batch, or None for single images.
        image_size: ``(height, width)`` every image is resized to.
        shuffle: shuffle the files (and reshuffle at every epoch).
        seed: the shuffle's seed (needed with `validation_split` and shuffling).
        validation_split: the fraction of files kept for validation.
        subset: "training", "validation" or "both" (a list of the two).
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3" or "lanczos5".
        follow_links: walk into linked subfolders.
        crop_to_aspect_ratio: crop the centre to the target's aspect ratio before resizing.
        pad_to_aspect_ratio: pad with zeros to the target's aspect ratio before resizing.
        data_format: "channels_last" (default) or "channels_first".
        verbose: print how many files and classes were found.

    Returns:
        A `FolderBatches` of ``(images, labels)``: images float32 ``(batch, height, width,
        channels)``; labels int32 ``(batch,)``, float32 ``(batch, 1)`` ("binary") or float32
        ``(batch, classes)`` ("categorical"). It has ``class_names`` and ``file_paths``.

    Example:
        >>> import os, tempfile
        >>> from strata.utils import save_img
        >>> root = tempfile.mkdtemp()
        >>> for name in ("cat", "dog"):
        ...     os.mkdir(os.path.join(root, name))
        ...     save_img(os.path.join(root, name, "a.png"), np.random.rand(5, 7, 3))
        >>> data = image_dataset_from_directory(root, image_size=(4, 4), batch_size=2, seed=1)
        Found 2 files belonging to 2 classes.
        >>> images, labels = data[0]
        >>> images.shape, sorted(labels.tolist()), data.class_names
        ((2, 4, 4, 3), [0, 1], ['cat', 'dog'])
    """
    index.check_label_arguments(_OWNER, labels, label_mode, class_names)
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"{_OWNER}: `color_mode` must be 'grayscale', 'rgb' or 'rgba'; received "
            f"color_mode={color_mode!r}."
        )
    image_size = _check_size(image_size)
    interpolation = interpolation.lower() if isinstance(interpolation, str) else interpolation
    check_interpolation(interpolation, _OWNER)
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            f"{_OWNER}: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True."
        )
    check_batch_size(_OWNER, batch_size)
    data_format = normalize_data_format(data_format, _OWNER)
    index.check_split_arguments(_OWNER, validation_split, subset, shuffle, seed)
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = np.random.randint(1e6)
    files = index.index_directory(
        _OWNER, directory, labels, IMAGE_FORMATS, class_names, shuffle, seed, follow_links, verbose
    )
    load = functools.partial(
        _load_image,
        color_mode=color_mode,
        image_size=image_size,
        interpolation=interpolation,
        data_format=data_format,
        crop=bool(crop_to_aspect_ratio),
        pad=bool(pad_to_aspect_ratio),
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
        load=load,
        collate=np.stack,
        formats=IMAGE_FORMATS,
    )
