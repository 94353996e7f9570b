"""tf.keras 2's ``layers.experimental.preprocessing`` names, each the strata preprocessing layer
it became (with a one-time `DeprecationWarning` naming the ``strata.layers`` spelling).

Example:
    >>> import warnings
    >>> from strata.layers.experimental import preprocessing
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = preprocessing.Rescaling(1 / 255)
    >>> layer.scale
    0.00392156862745098
"""

from strata.layers.experimental._moved import moved_names

_NAMES = (
    "CategoryEncoding",
    "CenterCrop",
    "Discretization",
    "Hashing",
    "IntegerLookup",
    "Normalization",
    "RandomContrast",
    "RandomCrop",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "StringLookup",
    "TextVectorization",
)
__all__ = list(_NAMES)

_MOVED = {name: f"strata.layers.{name}" for name in _NAMES}

__getattr__, __dir__ = moved_names(__name__, _MOVED)
