"""`HostLayer`: a preprocessing layer that runs on the host, in NumPy, on strings or ids."""

from __future__ import annotations

import jax
import numpy as np

from strata.graph.symbolic import is_symbolic
from strata.layers.layer import Layer


class HostLayer(Layer):
    """Base of layers whose `call` works on NumPy arrays (strings included) outside `jit`.

    Such layers (`StringLookup`, `TextVectorization`, `Hashing` ...) prepare data: apply them to
    the inputs before `fit`/`predict`, and feed their numeric outputs to the model. They cannot
    run inside a compiled model, where values are traced JAX arrays and strings do not exist.
    """

    def __call__(self, inputs, *args, **kwargs):
        kind = type(self).__name__
        leaves = jax.tree_util.tree_leaves(inputs)
        if any(is_symbolic(x) or isinstance(x, jax.core.Tracer) for x in leaves):
            raise TypeError(
                f"Layer '{self.name}' ({kind}) runs on the host (NumPy) and cannot be part of a "
                "compiled model. Apply it to your data before training, e.g. "
                f"`x = {kind.lower()}(raw_inputs)`, and give the model its numeric output."
            )
        if not self.built:
            self.built = True
        return self.call(to_numpy(inputs), *args, **kwargs)

    def call(self, inputs):
        raise NotImplementedError


def to_numpy(inputs) -> np.ndarray:
    """Inputs (lists, NumPy or JAX arrays, Variables) as one NumPy array."""
    if hasattr(inputs, "numpy") and not isinstance(inputs, np.ndarray):
        inputs = inputs.numpy()
    array = np.asarray(inputs)
    if array.dtype.kind == "U":
        array = array.astype(object)
    return array


def is_text(array: np.ndarray) -> bool:
    """Whether `array` holds strings (or bytes), as opposed to numbers."""
    if array.dtype.kind in "USO":
        if array.dtype.kind != "O" or array.size == 0:
            return True
        return isinstance(array.flat[0], str | bytes)
    return False


def decode_text(array: np.ndarray, encoding: str = "utf-8") -> np.ndarray:
    """An object array of Python `str` (bytes decoded with `encoding`)."""
    out = np.empty(array.shape, dtype=object)
    flat = out.reshape(-1)
    for i, value in enumerate(array.reshape(-1)):
        flat[i] = value.decode(encoding) if isinstance(value, bytes) else str(value)
    return out
