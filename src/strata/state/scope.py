"""`StateScope`: while a pure function runs, maps each Variable to the value it was given.

The compiled training step receives weights as plain arrays (a pytree). Layers, however, are
written against `Variable` objects (`self.kernel.value`). The scope bridges the two: entering it
binds variables to the step's values; `Variable.assign` inside it records the new value instead
of mutating the object, and the step returns those records as its new state. The scope also
carries what a layer may need from the step: the random key for dropout, the training flag, the
mask of real (non-padding) samples, and the losses layers add.
"""

from __future__ import annotations

import threading

_local = threading.local()


def current() -> StateScope | None:
    """The innermost active scope, or None outside compiled code."""
    stack = getattr(_local, "stack", None)
    return stack[-1] if stack else None


class StateScope:
    """Binds variables to values for the duration of a `with` block.

    Args:
        bindings: pairs of (Variable, value).
        rng_key: a JAX key from which `next_key()` derives fresh keys, or None.
        sample_mask: (batch,) float array, 1 for real samples and 0 for padding, or None.

    Example:
        >>> from strata.state.variable import Variable
        >>> v = Variable(1.0)
        >>> with StateScope([(v, 5.0)]) as s:
        ...     v.assign(v.value + 1)
        >>> float(s.updates()[v.uid]), float(v.numpy())
        (6.0, 1.0)
    """

    def __init__(self, bindings=(), *, rng_key=None, sample_mask=None):
        self._values = {var.uid: value for var, value in bindings}
        self._updates = {}
        self._rng_key = rng_key
        self._draws = 0
        self.sample_mask = sample_mask
        self.losses = []
        # tf.keras 2's `Layer.add_metric` values of this forward pass, by name.
        self.metrics = {}

    def tracks(self, var) -> bool:
        return var.uid in self._values

    def lookup(self, var):
        if var.uid in self._updates:
            return self._updates[var.uid]
        return self._values.get(var.uid)

    def record(self, var, value) -> None:
        self._updates[var.uid] = value

    def updates(self) -> dict:
        """New values assigned inside the scope, keyed by variable uid."""
        return dict(self._updates)

    def next_key(self):
        """A fresh random key for this step (deterministic given the step's key)."""
        import jax

        if self._rng_key is None:
            from strata import random as strata_random

            return strata_random.next_key()
        self._draws += 1
        return jax.random.fold_in(self._rng_key, self._draws)

    def __enter__(self) -> StateScope:
        stack = getattr(_local, "stack", None)
        if stack is None:
            stack = _local.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _local.stack.pop()


def autocast_dtype():
    """The dtype float variables are read in while a mixed-precision layer computes, or None."""
    return getattr(_local, "autocast", None)


class autocast:  # noqa: N801 - used as a context manager, like `open`
    """Read float variables in `dtype` inside the block (a mixed-precision layer's `call`)."""

    def __init__(self, dtype):
        self.dtype = dtype

    def __enter__(self):
        self._previous = getattr(_local, "autocast", None)
        _local.autocast = self.dtype

    def __exit__(self, *exc):
        _local.autocast = self._previous
