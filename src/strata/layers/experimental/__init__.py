"""tf.keras 2's ``layers.experimental`` names: each is the strata layer it became, returned with a
one-time `DeprecationWarning` naming the ``strata.layers`` spelling.

``SyncBatchNormalization`` is `BatchNormalization`: under a `strata.distribution` the compiled
step sees the whole global batch, so batch statistics are synchronized across devices already.

Example:
    >>> import warnings
    >>> import strata
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     layer = strata.layers.experimental.EinsumDense("ab,bc->ac", output_shape=4)
    >>> type(layer).__name__
    'EinsumDense'
"""

from strata.layers.experimental._moved import moved_names

_MOVED = {
    "EinsumDense": "strata.layers.EinsumDense",
    "SyncBatchNormalization": "strata.layers.BatchNormalization",
}

__all__ = ["EinsumDense", "RandomFourierFeatures", "SyncBatchNormalization", "preprocessing"]

__getattr__, __dir__ = moved_names(__name__, _MOVED, submodules=("preprocessing",))

# Only tf.keras 2 had it (in this namespace), so it is here without a warning.
from strata.layers.experimental.random_fourier_features import (  # noqa: E402
    RandomFourierFeatures as RandomFourierFeatures,
)
