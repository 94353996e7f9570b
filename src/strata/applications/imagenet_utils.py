"""ImageNet preprocessing and label decoding shared by the application families (Keras's
``keras.applications.imagenet_utils``)."""

from __future__ import annotations

import json

import numpy as np

from strata.datasets._download import get_file

CLASS_INDEX_URL = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"
_CAFFE_MEAN = (103.939, 116.779, 123.68)
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
_class_index = None


def preprocess_input(x, data_format=None, mode="caffe"):
    """Scale a batch of RGB images (0...255) the way a network was trained.

    Args:
        x: images, NumPy array (changed in place when it is already floating point, as Keras)
            or array-like.
        data_format: "channels_last" (default) or "channels_first".
        mode: "caffe" (RGB to BGR, minus the ImageNet mean per channel), "tf" (to -1...1) or
            "torch" (to 0...1, then standardised per channel).

    Example:
        >>> preprocess_input(np.full((1, 1, 1, 3), 255.0), mode="tf")[0, 0, 0]
        array([1., 1., 1.])
    """
    if mode not in ("caffe", "tf", "torch"):
        raise ValueError(
            f"preprocess_input: `mode` must be 'caffe', 'tf' or 'torch'; received mode={mode!r}."
        )
    if data_format is None:
        data_format = "channels_last"
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "preprocess_input: `data_format` must be 'channels_first' or 'channels_last'; "
            f"received data_format={data_format!r}."
        )
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            x = x.astype("float32")
    else:
        x = np.array(x, dtype="float32")
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    channel = 0 if data_format == "channels_first" and x.ndim == 3 else None
    channel = 1 if data_format == "channels_first" and x.ndim != 3 else channel
    axis = x.ndim - 1 if channel is None else channel
    if mode == "torch":
        x /= 255.0
        mean, std = _TORCH_MEAN, _TORCH_STD
    else:
        x = np.flip(x, axis=axis)
        mean, std = _CAFFE_MEAN, None
    shape = [1] * x.ndim
    shape[axis] = 3
    x -= np.reshape(np.asarray(mean, x.dtype), shape)
    if std is not None:
        x /= np.reshape(np.asarray(std, x.dtype), shape)
    return x


def _load_class_index():
    global _class_index
    if _class_index is None:
        path = get_file(
            "imagenet_class_index.json",
            CLASS_INDEX_URL,
            file_hash=CLASS_INDEX_HASH,
            cache_subdir="models",
        )
        with open(path) as file:
            _class_index = json.load(file)
    return _class_index


def decode_predictions(preds, top=5):
    """The `top` classes of each row of ImageNet predictions, as ``(class_id, name, score)``.

    Args:
        preds: ``(samples, 1000)`` predictions.
        top: how many classes per sample.

    Returns:
        One list per sample of ``(class_id, class_name, score)`` tuples, best first. The class
        names are downloaded once (Keras's ``imagenet_class_index.json``) and cached.
    """
    preds = np.asarray(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "decode_predictions: expected a batch of ImageNet predictions of shape (samples, "
            f"1000); received shape {preds.shape}."
        )
    index = _load_class_index()
    results = []
    for row in preds:
        best = row.argsort()[-top:][::-1]
        entries = [(*index[str(i)], row[i]) for i in best]
        entries.sort(key=lambda entry: entry[2], reverse=True)
        results.append(entries)
    return results
