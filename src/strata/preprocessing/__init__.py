"""tf.keras 2's ``keras.preprocessing``: ``sequence``, ``text`` and ``image`` (submodules, each
imported on first use).

``sequence.pad_sequences`` and the ``image`` array helpers are Keras 3 names too; ``text.Tokenizer``
and ``image.ImageDataGenerator`` are tf.keras 2's and warn once, naming the modern spelling.
"""

from strata._lazy import lazy_names

__all__ = ["image", "sequence", "text"]

__getattr__, __dir__ = lazy_names(__name__, {})
