"""tf.keras 2's ``keras.preprocessing``: ``sequence``, ``text`` and ``image`` (submodules, each
imported on first use).

``sequence.pad_sequences``, the ``image`` array helpers and the ``*_dataset_from_*`` functions
are Keras 3 names too (the same objects as in ``strata.utils``); ``text.Tokenizer``
and ``image.ImageDataGenerator`` are tf.keras 2's and warn once, naming the modern spelling.
"""

from strata._lazy import lazy_names

_WHERE = {
    "image_dataset_from_directory": "strata.utils.image_dataset",
    "text_dataset_from_directory": "strata.utils.text_dataset",
    "timeseries_dataset_from_array": "strata.utils.timeseries_dataset",
}

__all__ = ["image", "sequence", "text", *_WHERE]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
