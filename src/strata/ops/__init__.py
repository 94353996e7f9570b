"""`strata.ops`: the Keras op names custom layers are written with, on `jax.numpy`/`jax.lax`.

Each op is a thin mapping with Keras 3's argument names and defaults (``concatenate`` joins
along ``axis=0``, ``gelu`` is approximate by default, ``leaky_relu`` has slope 0.2, ``mean`` of
integers is a float). Every op accepts strata `Variable`s (a layer's ``self.kernel``) as well as
arrays, so ``ops.matmul(x, self.kernel)`` works eagerly and inside a compiled step, and symbolic
tensors of the functional API, where it records a graph node as Keras does.

The ops live in submodules that mirror Keras's: `strata.ops.numpy`, `strata.ops.nn`,
`strata.ops.linalg`, `strata.ops.image` (and `strata.ops.core` for the rest); every name is also
here, as ``keras.ops.sum`` is ``keras.ops.numpy.sum``.

Example:
    >>> import numpy as np
    >>> from strata import ops
    >>> ops.matmul(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    >>> ops.convert_to_numpy(ops.softmax(np.zeros((1, 2)))).tolist()
    [[0.5, 0.5]]
    >>> ops.nn.relu is ops.relu
    True
"""

from strata.ops import core, image, linalg, nn, numpy
from strata.ops.core import *  # noqa: F403 - the namespace re-exports its submodules
from strata.ops.linalg import *  # noqa: F403
from strata.ops.nn import *  # noqa: F403
from strata.ops.numpy import *  # noqa: F403

__all__ = [
    *core.__all__,
    *linalg.__all__,
    *nn.__all__,
    *numpy.__all__,
    "image",
    "linalg",
    "nn",
    "numpy",
]
