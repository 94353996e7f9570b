"""Small standard datasets, downloaded once and cached (public names only).

Each module has ``load_data`` with Keras's arguments and return values, plus a keyword-only
``cache_dir``. Files are cached in ``~/.cache/strata/datasets`` (or ``$STRATA_DATASETS_DIR``) and
checked against the checksums Keras lists; to work offline, place the file there yourself.

Example:
    >>> sorted(__all__)[:3]
    ['boston_housing', 'cifar10', 'cifar100']
"""

from strata.datasets import (
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = [
    "boston_housing",
    "cifar10",
    "cifar100",
    "fashion_mnist",
    "imdb",
    "mnist",
    "reuters",
]
