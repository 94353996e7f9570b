"""The batch iterators `ImageDataGenerator.flow*` return: `PyDataset`s, so `fit` streams them.

Their batch order and random draws follow tf.keras 2: with a `seed`, NumPy's global generator is
seeded with ``seed + batches drawn so far`` before each batch, so the same seed gives the same
batches as tf.keras 2.
"""

from __future__ import annotations

import os

import numpy as np

from strata.utils import image_utils
from strata.utils.py_dataset import PyDataset

IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
_CLASS_MODES = ("categorical", "binary", "sparse", "input", "raw", None)


class ImageBatches(PyDataset):
    """Batches of `n` samples, reshuffled after every epoch when `shuffle`."""

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed):
        super().__init__()
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int; received {batch_size!r}.")
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, bool(shuffle), seed
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self._stream = None

    def _set_index_array(self) -> None:
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self) -> int:
        return -(-self.n // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"Batch {index} requested, but there are {len(self)} batches.")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        rows = self.index_array[self.batch_size * index : self.batch_size * (index + 1)]
        return self._batch(rows)

    def on_epoch_end(self) -> None:
        self._set_index_array()

    def reset(self) -> None:
        """Start the next `next()` at the first batch."""
        self.batch_index = 0

    def _next_rows(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            start = (self.batch_index * self.batch_size) % self.n if self.n else 0
            self.batch_index = self.batch_index + 1 if self.n > start + self.batch_size else 0
            self.total_batches_seen += 1
            yield self.index_array[start : start + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        if self._stream is None:
            self._stream = self._next_rows()
        return self._batch(next(self._stream))

    next = __next__

    def _transform(self, x):
        generator = self.image_data_generator
        params = generator.get_random_transform(x.shape)
        return generator.standardize(generator.apply_transform(x.astype(self.dtype), params))


class NumpyArrayIterator(ImageBatches):
    """Augmented batches of an in-memory image array (`ImageDataGenerator.flow`)."""

    def __init__(
        self,
        x,
        y,
        generator,
        batch_size,
        shuffle,
        sample_weight,
        seed,
        subset,
        ignore_class_split,
        dtype,
    ):
        x = np.asarray(x, dtype=dtype)
        if x.ndim != 4:
            raise ValueError(
                f"ImageDataGenerator.flow: `x` must be a rank-4 array (samples, height, width, "
                f"channels); received shape {x.shape}."
            )
        for name, other in (("y", y), ("sample_weight", sample_weight)):
            if other is not None and len(other) != len(x):
                raise ValueError(
                    f"ImageDataGenerator.flow: `x` and `{name}` must have the same length; "
                    f"received {len(x)} and {len(other)}."
                )
        y = None if y is None else np.asarray(y)
        sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        if subset is not None:
            split = int(len(x) * generator._validation_split)
            keep = slice(None, split) if subset == "validation" else slice(split, None)
            if y is not None and not ignore_class_split:
                if not np.array_equal(np.unique(y[:split]), np.unique(y[split:])):
                    raise ValueError(
                        "ImageDataGenerator.flow: the training and validation subsets have "
                        "different classes after the split; shuffle the data first, or pass "
                        "ignore_class_split=True."
                    )
            x = x[keep]
            y = None if y is None else y[keep]
            sample_weight = None if sample_weight is None else sample_weight[keep]
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.image_data_generator, self.dtype = generator, dtype
        super().__init__(len(x), batch_size, shuffle, seed)

    def _batch(self, rows):
        batch_x = np.zeros((len(rows), *self.x.shape[1:]), dtype=self.dtype)
        for i, row in enumerate(rows):
            batch_x[i] = self._transform(self.x[row])
        if self.y is None:
            return batch_x
        if self.sample_weight is None:
            return batch_x, self.y[rows]
        return batch_x, self.y[rows], self.sample_weight[rows]


class FileIterator(ImageBatches):
    """Augmented batches of image files with labels (directories or a DataFrame)."""

    def _setup(self, generator, filepaths, classes, labels, class_indices, settings, dtype):
        target_size, color_mode, class_mode, interpolation, keep_aspect_ratio = settings
        if class_mode not in _CLASS_MODES:
            raise ValueError(
                f"`class_mode` must be one of {list(_CLASS_MODES)}; received {class_mode!r}."
            )
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
        if channels is None:
            raise ValueError(
                f"`color_mode` must be 'rgb', 'rgba' or 'grayscale'; received {color_mode!r}."
            )
        self.image_data_generator, self.dtype = generator, dtype
        self.target_size, self.color_mode = tuple(target_size), color_mode
        self.class_mode, self.interpolation = class_mode, interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        self.data_format = generator.data_format
        if self.data_format == "channels_last":
            self.image_shape = (*self.target_size, channels)
        else:
            self.image_shape = (channels, *self.target_size)
        self.filepaths, self.classes, self.labels = filepaths, classes, labels
        self.class_indices = class_indices

    def _batch(self, rows):
        batch_x = np.zeros((len(rows), *self.image_shape), dtype=self.dtype)
        for i, row in enumerate(rows):
            image = image_utils.load_img(
                self.filepaths[row],
                color_mode=self.color_mode,
                target_size=self.target_size,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
            )
            x = image_utils.img_to_array(image, data_format=self.data_format)
            batch_x[i] = self._transform(x)
        if self.class_mode == "input":
            return batch_x, batch_x.copy()
        if self.class_mode in ("binary", "sparse"):
            return batch_x, self.classes[rows].astype(self.dtype)
        if self.class_mode == "categorical":
            batch_y = np.zeros((len(rows), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(rows)), self.classes[rows]] = 1.0
            return batch_x, batch_y
        if self.class_mode == "raw":
            return batch_x, self.labels[rows]
        return batch_x


def _split_range(generator, subset):
    if subset is None:
        return 0.0, 1.0
    if subset not in ("training", "validation"):
        raise ValueError(f"`subset` must be 'training', 'validation' or None; received {subset!r}.")
    split = generator._validation_split
    if not split:
        raise ValueError(
            f"subset={subset!r} needs `validation_split` set on the ImageDataGenerator."
        )
    return (0.0, split) if subset == "validation" else (split, 1.0)


def _image_files_under(folder: str, follow_links: bool) -> list[str]:
    found = []
    for root, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda w: w[0]):
        found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(IMAGE_FORMATS)]
    return found


class DirectoryIterator(FileIterator):
    """Augmented batches of the images in one subfolder per class (`flow_from_directory`)."""

    def __init__(
        self,
        directory,
        generator,
        target_size,
        color_mode,
        classes,
        class_mode,
        batch_size,
        shuffle,
        seed,
        follow_links,
        subset,
        interpolation,
        keep_aspect_ratio,
        dtype,
    ):
        if not os.path.isdir(directory):
            raise ValueError(f"flow_from_directory: {directory!r} is not a directory.")
        if classes is None:
            classes = sorted(
                d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d))
            )
        class_indices = {name: i for i, name in enumerate(classes)}
        start, stop = _split_range(generator, subset)
        paths, labels = [], []
        for name in classes:
            files = _image_files_under(os.path.join(directory, name), follow_links)
            chosen = files[int(start * len(files)) : int(stop * len(files))]
            paths += chosen
            labels += [class_indices[name]] * len(chosen)
        self.directory = directory
        self.filenames = [os.path.relpath(p, directory) for p in paths]
        settings = (target_size, color_mode, class_mode, interpolation, keep_aspect_ratio)
        self._setup(
            generator, paths, np.array(labels, dtype="int32"), None, class_indices, settings, dtype
        )
        print(f"Found {len(paths)} images belonging to {len(classes)} classes.")
        super().__init__(len(paths), batch_size, shuffle, seed)


class DataFrameIterator(FileIterator):
    """Augmented batches of the image files a DataFrame lists (`flow_from_dataframe`)."""

    def __init__(
        self,
        dataframe,
        directory,
        generator,
        x_col,
        y_col,
        target_size,
        color_mode,
        classes,
        class_mode,
        batch_size,
        shuffle,
        seed,
        subset,
        interpolation,
        validate_filenames,
        keep_aspect_ratio,
        dtype,
    ):
        for column in (x_col,) + ((y_col,) if class_mode not in ("input", None) else ()):
            if column not in dataframe.columns:
                raise ValueError(
                    f"flow_from_dataframe: the DataFrame has no column {column!r}; its columns "
                    f"are {list(dataframe.columns)}."
                )
        frame = dataframe.copy()
        paths = [os.path.join(directory, name) if directory else name for name in frame[x_col]]
        if validate_filenames:
            valid = [os.path.isfile(p) and p.lower().endswith(IMAGE_FORMATS) for p in paths]
            if not all(valid):
                import warnings

                warnings.warn(
                    f'Found {len(valid) - sum(valid)} invalid image filename(s) in x_col="{x_col}".'
                    " These filename(s) will be ignored.",
                    UserWarning,
                    stacklevel=3,
                )
            frame = frame[valid]
            paths = [p for p, ok in zip(paths, valid) if ok]
        if classes is not None and class_mode in ("categorical", "binary", "sparse"):
            keep = frame[y_col].isin(classes).to_numpy()
            frame, paths = frame[keep], [p for p, ok in zip(paths, keep) if ok]
        start, stop = _split_range(generator, subset)
        rows = slice(int(start * len(frame)), int(stop * len(frame)))
        frame, paths = frame.iloc[rows], paths[rows]
        class_indices, class_array, labels = {}, None, None
        if class_mode in ("categorical", "binary", "sparse"):
            names = list(classes) if classes is not None else sorted(set(frame[y_col]))
            if class_mode == "binary" and len(names) != 2:
                raise ValueError(
                    f'flow_from_dataframe: class_mode="binary" needs exactly 2 classes in '
                    f'y_col="{y_col}"; found {len(names)}: {names}.'
                )
            class_indices = {name: i for i, name in enumerate(names)}
            class_array = np.array([class_indices[v] for v in frame[y_col]], dtype="int32")
        elif class_mode == "raw":
            labels = frame[y_col].to_numpy()
        self.filenames = list(frame[x_col])
        settings = (target_size, color_mode, class_mode, interpolation, keep_aspect_ratio)
        self._setup(generator, paths, class_array, labels, class_indices, settings, dtype)
        if class_indices:
            print(
                f"Found {len(paths)} validated image filenames belonging to "
                f"{len(class_indices)} classes."
            )
        else:
            print(f"Found {len(paths)} validated image filenames.")
        super().__init__(len(paths), batch_size, shuffle, seed)
