"""`SymbolicTensor` (Keras's `KerasTensor`): a shape and dtype with a record of where it came from.

Calling a layer or a `strata.ops` function on symbolic tensors (operators and indexing included)
returns new symbolic tensors; each remembers ``(layer, node_index, tensor_index)`` so
`Model(inputs, outputs)` can walk back to the inputs. A symbolic tensor has no values: asking for
them (``numpy()``, ``bool()``, ``float()``, iteration) raises a clear error, as in Keras.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class History(NamedTuple):
    layer: object
    node_index: int
    tensor_index: int

    @property
    def operation(self):
        """The layer or op that produced the tensor (Keras's name for it)."""
        return self.layer


def _no_values(what: str) -> str:
    return (
        f"A symbolic tensor (KerasTensor) from the functional API has a shape and a dtype but no "
        f"values, so it cannot be {what}. Build a Model from it and call the model (or "
        "`model.predict`) on data to get values; use `strata.ops` functions to compute with it."
    )


def _numpy_op(name: str, reflected: bool = False, unary: bool = False):
    """A Python operator as the `strata.ops.numpy` function Keras maps it to."""

    def method(self, *other):
        from strata.ops import numpy as numpy_ops

        fn = getattr(numpy_ops, name)
        if unary:
            return fn(self)
        return fn(other[0], self) if reflected else fn(self, other[0])

    method.__name__ = name
    return method


class SymbolicTensor:
    """A placeholder for an array in a functional graph.

    Args:
        shape: a tuple whose entries are ints or None (unknown, e.g. the batch size).
        dtype: a dtype name such as ``"float32"``.
        sparse, ragged: only False (strata has no sparse or ragged tensors; True is refused).
        record_history: only True: ops and layer calls on symbolic tensors always record
            graph nodes (False is refused).
        name: a readable name.

    Example:
        >>> t = SymbolicTensor((None, 3), "float32")
        >>> t.shape, t.ndim
        ((None, 3), 2)
        >>> (t[:, 1:] * 2.0).shape
        (None, 2)
    """

    # NumPy defers to our reflected operators (``np_array @ tensor``) instead of converting.
    __array_ufunc__ = None

    def __init__(
        self,
        shape,
        dtype="float32",
        sparse=False,
        ragged=False,
        record_history=True,
        name: str | None = None,
    ):
        if sparse or ragged:
            raise ValueError(
                f"Symbolic tensor {name!r}: sparse and ragged tensors are not supported by "
                "strata; use dense arrays (e.g. `x.toarray()`) and leave `sparse`/`ragged` False."
            )
        if not record_history:
            raise ValueError(
                f"Symbolic tensor {name!r}: `record_history=False` is not supported; ops and "
                "layer calls on symbolic tensors always record graph nodes in strata."
            )
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self.history: History | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def sparse(self) -> bool:
        return False

    @property
    def ragged(self) -> bool:
        return False

    @property
    def _keras_history(self) -> History | None:
        return self.history

    def reshape(self, newshape):
        """`strata.ops.reshape` of this tensor."""
        from strata.ops import numpy as numpy_ops

        return numpy_ops.reshape(self, newshape)

    def squeeze(self, axis=None):
        """`strata.ops.squeeze` of this tensor."""
        from strata.ops import numpy as numpy_ops

        return numpy_ops.squeeze(self, axis=axis)

    def __getitem__(self, key):
        from strata.ops import numpy as numpy_ops

        if isinstance(key, list):
            key = np.asarray(key)  # a list picks elements (NumPy's fancy indexing)
        return numpy_ops.get_item(self, key)

    __add__ = _numpy_op("add")
    __radd__ = _numpy_op("add", reflected=True)
    __sub__ = _numpy_op("subtract")
    __rsub__ = _numpy_op("subtract", reflected=True)
    __mul__ = _numpy_op("multiply")
    __rmul__ = _numpy_op("multiply", reflected=True)
    __truediv__ = _numpy_op("true_divide")
    __rtruediv__ = _numpy_op("true_divide", reflected=True)
    __floordiv__ = _numpy_op("floor_divide")
    __rfloordiv__ = _numpy_op("floor_divide", reflected=True)
    __mod__ = _numpy_op("mod")
    __rmod__ = _numpy_op("mod", reflected=True)
    __pow__ = _numpy_op("power")
    __rpow__ = _numpy_op("power", reflected=True)
    __matmul__ = _numpy_op("matmul")
    __rmatmul__ = _numpy_op("matmul", reflected=True)
    # As in Keras, the bitwise operators are the logical ops.
    __and__ = _numpy_op("logical_and")
    __rand__ = _numpy_op("logical_and", reflected=True)
    __or__ = _numpy_op("logical_or")
    __ror__ = _numpy_op("logical_or", reflected=True)
    __xor__ = _numpy_op("logical_xor")
    __rxor__ = _numpy_op("logical_xor", reflected=True)
    __invert__ = _numpy_op("logical_not", unary=True)
    __neg__ = _numpy_op("negative", unary=True)
    __abs__ = _numpy_op("absolute", unary=True)
    __lt__ = _numpy_op("less")
    __le__ = _numpy_op("less_equal")
    __gt__ = _numpy_op("greater")
    __ge__ = _numpy_op("greater_equal")
    __ne__ = _numpy_op("not_equal")

    def __pos__(self):
        return self

    # `==` stays identity (Keras's too), so tensors work as dict keys and in `in` tests; use
    # `ops.equal` for the elementwise comparison.
    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return (
            f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False, name={self.name}>"
        )

    # The error types below are Keras's.
    def __bool__(self):
        raise TypeError(_no_values("used as a boolean (in `if`, `and`, `or`)"))

    def __iter__(self):
        raise NotImplementedError(
            _no_values("iterated over") + " Index it (`x[:, 0]`) or use `ops.split`/`ops.unstack`."
        )

    def __array__(self, *args, **kwargs):
        raise ValueError(_no_values("converted to a NumPy array"))

    def __float__(self):
        raise ValueError(_no_values("converted to a float"))

    def __int__(self):
        raise ValueError(_no_values("converted to an int"))

    @property
    def numpy(self):
        raise AttributeError(_no_values("converted with `numpy()`"))


KerasTensor = SymbolicTensor


def is_symbolic(x) -> bool:
    return isinstance(x, SymbolicTensor)


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor of the functional API (Keras's `is_keras_tensor`).

    Example:
        >>> is_keras_tensor(SymbolicTensor((None, 2))), is_keras_tensor(1.0)
        (True, False)
    """
    return is_symbolic(x)
