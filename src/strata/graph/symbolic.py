"""`SymbolicTensor`: a shape and dtype with a record of where it came from.

Calling a layer on symbolic tensors builds the layer and returns new symbolic tensors; each one
remembers `(layer, node_index, tensor_index)` so `Model(inputs, outputs)` can walk back to the
inputs.
"""

from __future__ import annotations

from typing import NamedTuple


class History(NamedTuple):
    layer: object
    node_index: int
    tensor_index: int


class SymbolicTensor:
    """A placeholder for an array in a functional graph.

    Args:
        shape: a tuple whose entries are ints or None (unknown, e.g. the batch size).
        dtype: a dtype name such as ``"float32"``.
        name: a readable name.

    Example:
        >>> t = SymbolicTensor((None, 3), "float32")
        >>> t.shape, t.ndim
        ((None, 3), 2)
    """

    def __init__(self, shape, dtype="float32", *, name: str | None = None, sparse=False):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self.history: History | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<SymbolicTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other

    def __bool__(self) -> bool:
        return True

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is a symbolic tensor from the functional API: it has a shape but no values. "
            "Build a Model from it and call the model (or model.predict) on data to get values."
        )


def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)
