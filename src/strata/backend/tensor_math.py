"""tf.keras 2's ``K.*`` math helpers, each one `strata.ops` call (so they work on arrays, in
compiled steps and, like `strata.ops`, on symbolic tensors).

Example:
    >>> import numpy as np
    >>> batch_dot(np.ones((4, 2, 3)), np.ones((4, 3, 5))).shape
    (4, 2, 5)
"""

from __future__ import annotations

import numpy as np

from strata import ops


def sum(x, axis=None, keepdims=False):  # noqa: A001 - tf.keras 2's name
    """Sum over `axis` (all axes when None)."""
    return ops.sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis`."""
    return ops.mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over `axis`."""
    return ops.max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over `axis`."""
    return ops.min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product over `axis`."""
    return ops.prod(x, axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation over `axis`."""
    return ops.std(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    """Index of the maximum along `axis`."""
    return ops.argmax(x, axis=axis)


def argmin(x, axis=-1):
    """Index of the minimum along `axis`."""
    return ops.argmin(x, axis=axis)


def square(x):
    """Element-wise square."""
    return ops.square(x)


def sqrt(x):
    """Element-wise square root."""
    return ops.sqrt(x)


def exp(x):
    """Element-wise exponential."""
    return ops.exp(x)


def log(x):
    """Element-wise natural logarithm."""
    return ops.log(x)


def abs(x):  # noqa: A001
    """Element-wise absolute value."""
    return ops.abs(x)


def pow(x, a):  # noqa: A001
    """Element-wise ``x ** a``."""
    return ops.power(x, a)


def maximum(x, y):
    """Element-wise maximum."""
    return ops.maximum(x, y)


def minimum(x, y):
    """Element-wise minimum."""
    return ops.minimum(x, y)


def equal(x, y):
    """Element-wise equality."""
    return ops.equal(x, y)


def clip(x, min_value, max_value):
    """`x` clipped to ``[min_value, max_value]``."""
    return ops.clip(x, min_value, max_value)


def cast(x, dtype):
    """`x` as `dtype`."""
    return ops.cast(x, dtype)


def concatenate(tensors, axis=-1):
    """Join `tensors` along `axis`."""
    return ops.concatenate(tensors, axis=axis)


def stack(x, axis=0):
    """Stack the tensors of `x` along a new `axis`."""
    return ops.stack(x, axis=axis)


def reshape(x, shape):
    """`x` reshaped (one entry may be -1)."""
    return ops.reshape(x, shape)


def expand_dims(x, axis=-1):
    """`x` with a new axis of size 1 at `axis`."""
    return ops.expand_dims(x, axis)


def squeeze(x, axis):
    """`x` without its size-1 `axis`."""
    return ops.squeeze(x, axis)


def flatten(x):
    """`x` as one dimension."""
    return ops.reshape(x, (-1,))


def batch_flatten(x):
    """`x` as ``(batch, everything else)``."""
    return ops.reshape(x, (-1, int(np.prod(x.shape[1:]))))


def transpose(x):
    """`x` with its axes reversed."""
    return ops.transpose(x)


def permute_dimensions(x, pattern):
    """`x` with its axes in the order `pattern`."""
    return ops.transpose(x, pattern)


def repeat_elements(x, rep, axis):
    """Each element of `x` repeated `rep` times along `axis`."""
    return ops.repeat(x, rep, axis=axis)


def tile(x, n):
    """`x` tiled `n` times per axis."""
    return ops.tile(x, n)


def dot(x, y):
    """Matrix product; for higher ranks, the last axis of `x` with the second-to-last of `y`.

    Example:
        >>> dot(np.ones((2, 3, 4)), np.ones((4, 5))).shape
        (2, 3, 5)
    """
    if len(y.shape) == 1:
        return ops.tensordot(x, y, axes=[[len(x.shape) - 1], [0]])
    return ops.tensordot(x, y, axes=[[len(x.shape) - 1], [len(y.shape) - 2]])


def batch_dot(x, y, axes=None):
    """Per-sample dot product of two batches, contracting `axes` (tf.keras 2's rules).

    Default `axes`: the last axis of `x` with the last of `y` when `y` is a matrix, else with
    its second-to-last. A result of rank 1 becomes ``(batch, 1)``, as in tf.keras 2.

    Example:
        >>> batch_dot(np.ones((4, 2, 3)), np.ones((4, 3, 5))).shape
        (4, 2, 5)
    """
    x_rank, y_rank = len(x.shape), len(y.shape)
    if x_rank < 2 or y_rank < 2:
        raise ValueError(
            f"batch_dot: both inputs need a batch axis and at least one more; received shapes "
            f"{tuple(x.shape)} and {tuple(y.shape)}."
        )
    if axes is None:
        axes = (x_rank - 1, y_rank - 1 if y_rank == 2 else y_rank - 2)
    elif isinstance(axes, int):
        axes = (axes, axes)
    x_axis, y_axis = (a % rank for a, rank in zip(axes, (x_rank, y_rank)))
    if 0 in (x_axis, y_axis):
        raise ValueError(f"batch_dot: cannot contract the batch axis; received axes={axes}.")
    letters = iter("abcdefghijklmnopqrstuvwxyz")
    batch, shared = next(letters), next(letters)
    x_sub = [batch] + [shared if i == x_axis else next(letters) for i in range(1, x_rank)]
    y_sub = [batch] + [shared if i == y_axis else next(letters) for i in range(1, y_rank)]
    out = [s for s in x_sub if s != shared] + [s for s in y_sub[1:] if s != shared]
    result = ops.einsum(f"{''.join(x_sub)},{''.join(y_sub)}->{''.join(out)}", x, y)
    return ops.expand_dims(result, 1) if len(out) == 1 else result


def l2_normalize(x, axis=None):
    """`x` divided by its L2 norm over `axis` (all axes when None), as tf.keras 2 computes it:
    ``x / sqrt(max(sum(x²), 1e-12))``."""
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.rsqrt(ops.maximum(square_sum, 1e-12)))


def softmax(x, axis=-1):
    """Softmax over `axis`."""
    return ops.softmax(x, axis=axis)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """tf.keras 2's relu: `alpha` slope below `threshold`, capped at `max_value`."""
    from strata import activations

    return activations.relu(x, negative_slope=alpha, max_value=max_value, threshold=threshold)


def sigmoid(x):
    """Element-wise logistic sigmoid."""
    return ops.sigmoid(x)


def softplus(x):
    """Element-wise ``log(1 + exp(x))``."""
    return ops.softplus(x)


def tanh(x):
    """Element-wise hyperbolic tangent."""
    return ops.tanh(x)
