"""tf.keras 2's ``.numpy()`` on what an eager layer or model call returns.

tf.keras 2 returned eager tensors, and its programs call ``model(x).numpy()``. strata's eager
calls return JAX arrays; JAX's array type gets a ``numpy()`` method equal to ``np.asarray(x)``.
Chosen by measurement over wrapping or converting every output: the method costs nothing until
it is called, outputs stay device arrays that later JAX code takes without a copy, and a host
copy happens only where the program asks for one (see the strata README).

Example:
    >>> import jax.numpy as jnp
    >>> jnp.arange(3.0).numpy()
    array([0., 1., 2.], dtype=float32)
"""

from __future__ import annotations

import numpy as np


def _numpy(self) -> np.ndarray:
    """The array's values as a NumPy array (tf.keras 2's ``EagerTensor.numpy``)."""
    return np.asarray(self)


def install() -> None:
    """Give JAX's concrete array type a ``numpy()`` method, unless it already has one."""
    # The concrete class, found without creating an array (that would start JAX's backend
    # before a script could set XLA flags).
    from jax._src.array import ArrayImpl as array_type

    if not hasattr(array_type, "numpy"):
        array_type.numpy = _numpy


install()
