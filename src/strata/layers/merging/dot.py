"""`Dot` and `dot`: the per-sample dot product of two tensors along chosen axes."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.layers.merging.base import Merge


def _check_axes(owner: str, axes):
    if isinstance(axes, int) and not isinstance(axes, bool):
        return axes
    if (
        isinstance(axes, list | tuple)
        and len(axes) == 2
        and all(isinstance(a, int) and not isinstance(a, bool) for a in axes)
    ):
        return list(axes)
    raise TypeError(
        f"{owner}: `axes` must be an int or a list/tuple of two ints; received axes={axes!r}."
    )


def _l2_normalize(x, axis):
    squares = jnp.sum(jnp.square(x), axis=axis, keepdims=True)
    return x * jax.lax.rsqrt(jnp.maximum(squares, 1e-12))


def batch_dot(x1, x2, axes):
    """Per-sample dot product of `x1` and `x2`, contracting ``x1`` axis ``axes[0]`` with ``x2``
    axis ``axes[1]`` (axis 0 is the batch).

    Shapes: ``(b, *rest1)`` with ``(b, *rest2)`` -> ``(b, *rest1', *rest2')`` where the primes
    drop the contracted axis; a result of rank 1 becomes ``(b, 1)``, as in Keras.
    """
    a1, a2 = axes
    left = jnp.moveaxis(x1, a1, -1)
    right = jnp.moveaxis(x2, a2, 1)
    rest1, rest2 = left.shape[1:-1], right.shape[2:]
    batch = left.shape[0]
    flat = jnp.matmul(
        left.reshape(batch, -1, left.shape[-1]), right.reshape(batch, right.shape[1], -1)
    )
    out = flat.reshape(batch, *rest1, *rest2)
    if out.ndim == 1:
        out = out[:, None]
    return out


class Dot(Merge):
    """Dot product of two samples-by-samples tensors along `axes`.

    Args:
        axes: the axis to contract, for both inputs (an int), or one per input (a pair). Axis 0
            (the batch) cannot be contracted; negative axes count from each input's end.
        normalize: L2-normalize both inputs along the contracted axes first, so the result is
            the cosine similarity.

    Shapes: two inputs ``(b, *s1)`` and ``(b, *s2)`` with equal sizes on the contracted axes ->
    ``(b, *s1 without the axis, *s2 without the axis)``, or ``(b, 1)`` for two vectors.

    Example:
        >>> import numpy as np
        >>> Dot(axes=1)([np.ones((2, 3)), np.ones((2, 3))]).tolist()
        [[3.0], [3.0]]
    """

    min_inputs = 2
    max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = _check_axes(f"Dot '{self.name}'", axes)
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _resolved_axes(self, shapes):
        pair = self.axes if isinstance(self.axes, list) else [self.axes, self.axes]
        return [a % len(s) if a < 0 else a for a, s in zip(pair, shapes)]

    def _check_shapes(self, shapes) -> None:
        axes = self._resolved_axes(shapes)
        for axis, shape in zip(axes, shapes):
            if len(shape) < 2 or axis == 0 or axis >= len(shape):
                raise ValueError(
                    f"Layer '{self.name}' (Dot) cannot contract axis {axis} of an input of shape "
                    f"{shape}: the axis must be in 1..{len(shape) - 1} (axis 0 is the batch). "
                    f"Received axes={self.axes!r}."
                )
        (a1, a2), (s1, s2) = axes, shapes
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(
                f"Layer '{self.name}' (Dot): incompatible input shapes {s1} and {s2}: axis {a1} "
                f"of the first has size {s1[a1]} but axis {a2} of the second has size "
                f"{s2[a2]}. Choose `axes` whose sizes match."
            )

    def call(self, inputs):
        x1, x2 = inputs
        a1, a2 = self._resolved_axes([x1.shape, x2.shape])
        if self.normalize:
            x1 = _l2_normalize(x1, a1)
            x2 = _l2_normalize(x2, a2)
        return batch_dot(x1, x2, (a1, a2))

    def compute_output_shape(self, input_shape):
        s1, s2 = (tuple(s) for s in input_shape)
        a1, a2 = self._resolved_axes([s1, s2])
        rest1 = [d for i, d in enumerate(s1[1:], start=1) if i != a1]
        rest2 = [d for i, d in enumerate(s2[1:], start=1) if i != a2]
        batch = s1[0] if s1[0] is not None else s2[0]
        out = (batch, *rest1, *rest2)
        return out if len(out) > 1 else (batch, 1)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self) -> dict:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of `Dot`: ``dot([a, b], axes=1)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
