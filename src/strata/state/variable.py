"""A named, mutable holder of one JAX array: the unit of model state.

Outside a compiled function a `Variable` simply holds its array. Inside one,
`StateScope` (see `scope.py`) maps each variable to the traced value that the
pure function received, so layer code written as `self.kernel.value` works the
same eagerly and under `jax.jit`.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np

from strata.state import scope as _scope

_uids = itertools.count()


class Variable:
    """A model weight or other piece of state (Keras's `keras.Variable`).

    Args:
        initializer: the initial value (anything `jnp.asarray` accepts), or an initializer
            (a name such as ``"ones"``, an `Initializer`, a callable ``(shape, dtype)``) used
            with `shape`.
        shape: the shape, required when `initializer` is not a value.
        dtype: storage dtype; defaults to the value's dtype (float32 for an initializer).
        trainable: whether the optimizer updates it.
        autocast: whether a mixed-precision layer reads it in its compute dtype.
        aggregation / synchronization: Keras's hints for custom multi-replica loops, checked
            and recorded (strata's own steps do not need them).
        name: short name, e.g. ``"kernel"``; the `path` adds the active `name_scope`s.

    Example:
        >>> v = Variable([1.0, 2.0], name="w")
        >>> v.shape, float(v.numpy().sum())
        ((2,), 3.0)
        >>> Variable("ones", shape=(2,)).numpy().tolist()
        [1.0, 1.0]
    """

    def __init__(
        self,
        initializer=None,
        shape=None,
        dtype=None,
        trainable: bool = True,
        autocast: bool = True,
        aggregation: str = "none",
        synchronization: str = "auto",
        name: str | None = None,
    ):
        from strata.state.name_scope import prefixed

        if name is not None and (not isinstance(name, str) or "/" in name):
            raise ValueError(
                "Argument `name` must be a string and cannot contain character `/`. "
                f"Received: name={name!r}"
            )
        _check_choice("aggregation", aggregation, _AGGREGATIONS)
        _check_choice("synchronization", synchronization, _SYNCHRONIZATIONS)
        if isinstance(initializer, str) or (
            callable(initializer) and not hasattr(initializer, "shape")
        ):
            if shape is None:
                raise ValueError(
                    "When creating a Variable from an initializer, the `shape` argument should "
                    f"be specified. Received: initializer={initializer!r} and shape=None"
                )
            from strata import initializers

            with jax.ensure_compile_time_eval():
                initializer = initializers.get(initializer)(tuple(shape), dtype or "float32")
        self._value = jnp.asarray(initializer, dtype=dtype)
        if shape is not None and tuple(shape) != tuple(self._value.shape):
            raise ValueError(
                f"Variable '{name}': the initial value has shape {tuple(self._value.shape)}, "
                f"but shape={tuple(shape)} was given. Pass a value of that shape."
            )
        self.name = name or "variable"
        self.path = prefixed(self.name)
        self.trainable = trainable
        self.autocast = autocast
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.uid = next(_uids)

    @property
    def value(self):
        """The current value: the traced one inside a `StateScope`, else the stored array.

        While a mixed-precision layer computes, float weights are read in its compute dtype.
        """
        value = self._value
        active = _scope.current()
        if active is not None:
            found = active.lookup(self)
            if found is not None:
                value = found
        cast_to = _scope.autocast_dtype()
        if cast_to is not None and self.autocast and jnp.issubdtype(value.dtype, jnp.floating):
            value = value.astype(cast_to)
        return value

    def assign(self, value) -> None:
        """Set a new value; inside a `StateScope` the assignment is recorded, not stored."""
        value = jnp.asarray(value, dtype=self.dtype)
        if value.shape != self.shape:
            raise ValueError(
                f"Variable '{self.path}' has shape {self.shape}; cannot assign a value of shape "
                f"{tuple(value.shape)}. Assign an array of the same shape."
            )
        active = _scope.current()
        if active is not None and active.tracks(self):
            active.record(self, value)
        elif not isinstance(value, jax.core.Tracer):
            self._value = value
        # A traced value outside a scope comes from shape inference (`jax.eval_shape` of a
        # layer); storing it would leak the tracer, so the variable keeps its value.

    def assign_add(self, delta) -> None:
        self.assign(self.value + delta)

    def assign_sub(self, delta) -> None:
        self.assign(self.value - delta)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._value.shape)

    @property
    def dtype(self):
        return self._value.dtype

    @property
    def ndim(self) -> int:
        return self._value.ndim

    def numpy(self) -> np.ndarray:
        value = self._value
        if not getattr(value, "is_fully_addressable", True):
            # A weight replicated over several processes: every process holds a full copy.
            value = value.addressable_data(0)
        return np.asarray(value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)

    def __repr__(self) -> str:
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
            f"trainable={self.trainable}>"
        )

    # Arithmetic reads the (possibly traced) value, so `x @ layer.kernel` works in custom layers.
    def __add__(self, other):
        return self.value + _unwrap(other)

    def __radd__(self, other):
        return _unwrap(other) + self.value

    def __sub__(self, other):
        return self.value - _unwrap(other)

    def __rsub__(self, other):
        return _unwrap(other) - self.value

    def __mul__(self, other):
        return self.value * _unwrap(other)

    def __rmul__(self, other):
        return _unwrap(other) * self.value

    def __truediv__(self, other):
        return self.value / _unwrap(other)

    def __rtruediv__(self, other):
        return _unwrap(other) / self.value

    def __matmul__(self, other):
        return self.value @ _unwrap(other)

    def __rmatmul__(self, other):
        return _unwrap(other) @ self.value

    def __pow__(self, other):
        return self.value ** _unwrap(other)

    def __neg__(self):
        return -self.value

    def __getitem__(self, index):
        return self.value[index]


_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")
_SYNCHRONIZATIONS = (None, "none", "on_read", "on_write", "auto")


def _check_choice(argument: str, value, allowed) -> None:
    if value not in allowed:
        raise ValueError(
            f"Invalid value for argument `{argument}`. Expected one of "
            f"{', '.join(repr(a) for a in allowed)}. Received: {argument}={value!r}"
        )


def _unwrap(x):
    return x.value if isinstance(x, Variable) else x


def unwrap(x):
    """Return the array behind a `Variable`, or `x` itself."""
    return _unwrap(x)
