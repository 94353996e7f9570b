"""``keras.preprocessing.image``: tf.keras 2's `ImageDataGenerator`, and the image file helpers
(`load_img`, `img_to_array`, `array_to_img`, Keras 3 names too).

`ImageDataGenerator` augments images on the CPU with NumPy and SciPy as tf.keras 2 did, drawing
from NumPy's global generator in the same order, so a `seed` gives the same batches as tf.keras
2. Its ``flow*`` methods return `PyDataset`s that `fit` streams. Keras 3 removed it; the modern
spelling is `image_dataset_from_directory` plus the ``Random*`` preprocessing layers. Loading
files needs Pillow (``pip install strata[image]``).

Example:
    >>> import warnings
    >>> import numpy as np
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     generator = ImageDataGenerator(rescale=1 / 255)
    >>> x, y = generator.flow(np.full((5, 4, 4, 3), 255.0), np.arange(5), batch_size=2,
    ...                       shuffle=False)[0]
    >>> x.shape, float(x.max()), y.tolist()
    ((2, 4, 4, 3), 1.0, [0, 1])
"""

from __future__ import annotations

import warnings

import numpy as np

from strata._deprecation import warn_once
from strata.preprocessing import _image_transforms as transforms
from strata.preprocessing._image_iterators import (
    DataFrameIterator,
    DirectoryIterator,
    NumpyArrayIterator,
)
from strata.utils.image_utils import (  # noqa: F401 - Keras exports them here too
    array_to_img,
    img_to_array,
    load_img,
    save_img,
    smart_resize,
)

__all__ = [
    "ImageDataGenerator",
    "array_to_img",
    "img_to_array",
    "load_img",
    "save_img",
    "smart_resize",
]

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _pair(name, value, center):
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [center - value, center + value]
    if isinstance(value, list | tuple) and len(value) == 2:
        return [value[0], value[1]]
    raise ValueError(
        f"ImageDataGenerator: `{name}` must be a float or a pair [lower, upper]; received "
        f"{value!r}."
    )


class ImageDataGenerator:
    """Real-time augmentation and normalization of image batches (tf.keras 2).

    Args:
        featurewise_center / featurewise_std_normalization: subtract the per-channel mean /
            divide by the per-channel std of the data given to `fit`.
        samplewise_center / samplewise_std_normalization: the same per image.
        zca_whitening, zca_epsilon: ZCA whitening computed by `fit`.
        rotation_range: degrees; a random rotation in ``[-range, range]``.
        width_shift_range / height_shift_range: a fraction of the size (< 1), pixels (>= 1),
            or a list of allowed pixel shifts.
        brightness_range: ``(low, high)`` brightness factors (needs Pillow).
        shear_range: degrees (counter-clockwise shear).
        zoom_range: a float ``z`` (zoom in ``[1 - z, 1 + z]``) or ``[low, high]``.
        channel_shift_range: a random offset added to all channels.
        fill_mode, cval: how points outside the image are filled.
        horizontal_flip / vertical_flip: flip half of the images.
        rescale: a factor applied first (after `preprocessing_function`), e.g. ``1 / 255``.
        preprocessing_function: a function of one image, applied before everything else.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        validation_split: the fraction the ``subset="validation"`` flows take.
        interpolation_order: spline order of the affine resampling.
        dtype: the dtype of the batches (default ``"float32"``).
    """

    def __init__(
        self,
        featurewise_center=False,
        samplewise_center=False,
        featurewise_std_normalization=False,
        samplewise_std_normalization=False,
        zca_whitening=False,
        zca_epsilon=1e-6,
        rotation_range=0,
        width_shift_range=0.0,
        height_shift_range=0.0,
        brightness_range=None,
        shear_range=0.0,
        zoom_range=0.0,
        channel_shift_range=0.0,
        fill_mode="nearest",
        cval=0.0,
        horizontal_flip=False,
        vertical_flip=False,
        rescale=None,
        preprocessing_function=None,
        data_format=None,
        validation_split=0.0,
        interpolation_order=1,
        dtype=None,
    ):
        warn_once(
            "preprocessing.image.ImageDataGenerator",
            "`ImageDataGenerator` is tf.keras 2's API (removed in Keras 3); the modern spelling "
            "is `image_dataset_from_directory` with `strata.layers.RandomFlip`, `RandomRotation`, "
            "`RandomZoom`, ... in the model.",
        )
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(
                "ImageDataGenerator: `data_format` must be 'channels_last' or 'channels_first'; "
                f"received {data_format!r}."
            )
        if fill_mode not in _FILL_MODES:
            raise ValueError(
                f"ImageDataGenerator: `fill_mode` must be one of {list(_FILL_MODES)}; received "
                f"{fill_mode!r}."
            )
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(
                "ImageDataGenerator: `validation_split` must be strictly between 0 and 1; "
                f"received {validation_split!r}."
            )
        self.zoom_range = _pair("zoom_range", zoom_range, 1.0)
        if brightness_range is not None:
            brightness_range = _pair("brightness_range", brightness_range, 1.0)
        if zca_whitening and not featurewise_center:
            featurewise_center = True
            warnings.warn(
                "ImageDataGenerator: `zca_whitening` turns on `featurewise_center`.", stacklevel=2
            )
        if featurewise_std_normalization and not featurewise_center:
            featurewise_center = True
            warnings.warn(
                "ImageDataGenerator: `featurewise_std_normalization` turns on "
                "`featurewise_center`.",
                stacklevel=2,
            )
        if samplewise_std_normalization and not samplewise_center:
            samplewise_center = True
            warnings.warn(
                "ImageDataGenerator: `samplewise_std_normalization` turns on `samplewise_center`.",
                stacklevel=2,
            )
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.brightness_range = brightness_range
        self.shear_range, self.channel_shift_range = shear_range, channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale, self.preprocessing_function = rescale, preprocessing_function
        self.data_format = data_format
        first = data_format == "channels_first"
        self.channel_axis, self.row_axis, self.col_axis = (1, 2, 3) if first else (3, 1, 2)
        self._validation_split = validation_split
        self.interpolation_order = interpolation_order
        self.dtype = dtype or "float32"
        self.mean = self.std = self.zca_whitening_matrix = None

    # ---- flows ------------------------------------------------------------------------------
    def flow(
        self,
        x,
        y=None,
        batch_size=32,
        shuffle=True,
        sample_weight=None,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        ignore_class_split=False,
        subset=None,
    ):
        """Augmented batches ``(x, y)`` (or ``x``, or ``(x, y, sample_weight)``) of arrays."""
        _no_saving(save_to_dir)
        _check_subset(subset, self)
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size,
            shuffle,
            sample_weight,
            seed,
            subset,
            ignore_class_split,
            self.dtype,
        )

    def flow_from_directory(
        self,
        directory,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        keep_aspect_ratio=False,
    ):
        """Augmented batches of the images in `directory`, one subfolder per class (sorted
        names unless `classes` lists them)."""
        _no_saving(save_to_dir)
        return DirectoryIterator(
            directory,
            self,
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
            self.dtype,
        )

    def flow_from_dataframe(
        self,
        dataframe,
        directory=None,
        x_col="filename",
        y_col="class",
        weight_col=None,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        subset=None,
        interpolation="nearest",
        validate_filenames=True,
        keep_aspect_ratio=False,
    ):
        """Augmented batches of the image files in column `x_col` (relative to `directory`)
        with labels from `y_col`."""
        _no_saving(save_to_dir)
        if weight_col is not None:
            raise ValueError(
                "flow_from_dataframe: `weight_col` is not supported; pass sample weights to "
                "`fit` through a PyDataset instead."
            )
        return DataFrameIterator(
            dataframe,
            directory,
            self,
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
            self.dtype,
        )

    # ---- per image --------------------------------------------------------------------------
    def standardize(self, x):
        """`preprocessing_function`, `rescale`, then the sample- and feature-wise
        normalizations, applied to `x` (in place where possible, as tf.keras 2)."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        for flag, value, what in (
            (self.featurewise_center, self.mean, "featurewise_center"),
            (self.featurewise_std_normalization, self.std, "featurewise_std_normalization"),
            (self.zca_whitening, self.zca_whitening_matrix, "zca_whitening"),
        ):
            if flag and value is None:
                warnings.warn(
                    f"ImageDataGenerator specifies `{what}` but has not been fit on any data; "
                    "call `.fit(numpy_data)` first.",
                    UserWarning,
                    stacklevel=2,
                )
        if self.featurewise_center and self.mean is not None:
            x -= self.mean
        if self.featurewise_std_normalization and self.std is not None:
            x /= self.std + 1e-6
        if self.zca_whitening and self.zca_whitening_matrix is not None:
            flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
            x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
        return x

    def _shift(self, value, size):
        try:  # a list of pixel shifts, or an int range
            shift = np.random.choice(value)
            shift *= np.random.choice([-1, 1])
        except ValueError:  # a float range
            shift = np.random.uniform(-value, value)
        return shift * size if np.max(value) < 1 else shift

    def get_random_transform(self, img_shape, seed=None) -> dict:
        """Random parameters for one image of `img_shape`, drawn as tf.keras 2 draws them."""
        if seed is not None:
            np.random.seed(seed)
        rows, cols = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        theta = (
            np.random.uniform(-self.rotation_range, self.rotation_range)
            if (self.rotation_range)
            else 0
        )
        tx = self._shift(self.height_shift_range, rows) if self.height_shift_range else 0
        ty = self._shift(self.width_shift_range, cols) if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(
                -self.channel_shift_range, self.channel_shift_range
            )
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(*self.brightness_range)
        return {
            "theta": theta,
            "tx": tx,
            "ty": ty,
            "shear": shear,
            "zx": zx,
            "zy": zy,
            "flip_horizontal": flip_horizontal,
            "flip_vertical": flip_vertical,
            "channel_shift_intensity": channel_shift_intensity,
            "brightness": brightness,
        }

    def apply_transform(self, x, transform_parameters: dict):
        """`x` (one 3D image) transformed by `transform_parameters`."""
        row, col, channel = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = transforms.affine(
            x,
            transform_parameters,
            row,
            col,
            channel,
            self.fill_mode,
            self.cval,
            self.interpolation_order,
        )
        if transform_parameters.get("channel_shift_intensity") is not None:
            x = transforms.channel_shift(
                x, transform_parameters["channel_shift_intensity"], channel
            )
        if transform_parameters.get("flip_horizontal", False):
            x = np.flip(x, col)
        if transform_parameters.get("flip_vertical", False):
            x = np.flip(x, row)
        if transform_parameters.get("brightness") is not None:
            x = transforms.brightness(x, transform_parameters["brightness"])
        return x

    def random_transform(self, x, seed=None):
        """`x` (one 3D image) with a random transformation applied."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None) -> None:
        """Compute the feature-wise statistics (mean, std, ZCA matrix) of the images `x`."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"ImageDataGenerator.fit: `x` must be a rank-4 array; received shape {x.shape}."
            )
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            x = np.stack(
                [self.random_transform(image) for _ in range(rounds) for image in x]
            ).astype(self.dtype)
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=axes), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=axes), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            flat = np.reshape(x, (len(x), -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(len(x)) / (s + self.zca_epsilon))) @ u.T


def _no_saving(save_to_dir) -> None:
    if save_to_dir is not None:
        raise ValueError(
            "ImageDataGenerator: `save_to_dir` is not supported; save the batches you want to "
            "see with `strata.preprocessing.image.array_to_img(...).save(path)`."
        )


def _check_subset(subset, generator) -> None:
    from strata.preprocessing._image_iterators import _split_range

    _split_range(generator, subset)
