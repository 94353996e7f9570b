"""`Normalization`: standardize features with a mean and variance given or learned by `adapt`."""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from strata.layers.layer import Layer

# The smallest standard deviation divided by (Keras's `backend.epsilon()`): a constant feature
# maps to 0 instead of NaN.
_MIN_STDDEV = 1e-7


class Normalization(Layer):
    """Compute ``(x - mean) / sqrt(variance)``, per index along `axis`.

    The statistics are either passed in (`mean`, `variance`) or computed from data with
    `adapt`; they are not trained. With ``invert=True`` the layer undoes the normalization:
    ``mean + x * sqrt(variance)``.

    Args:
        axis: the axis or axes that keep separate statistics (default the last one); None
            computes one mean and variance over everything.
        mean / variance: the statistics, scalars or arrays broadcastable to the kept axes; give
            both or neither.
        invert: map normalized values back.

    Shapes: the output has the input's shape. Weights (only when adapted, not given):
    ``mean``, ``variance`` (the kept axes' shape) and ``count``, all non-trainable.

    Example:
        >>> import numpy as np
        >>> layer = Normalization()
        >>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
        >>> layer(np.array([[1.0, 20.0], [3.0, 40.0]])).tolist()
        [[0.0, 0.0], [2.0, 2.0]]
        >>> Normalization(mean=2.0, variance=4.0)(np.array([[4.0]])).tolist()
        [[1.0]]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        where = f"Normalization '{self.name}'"
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        elif isinstance(axis, list | tuple) and all(
            isinstance(a, int) and not isinstance(a, bool) for a in axis
        ):
            axis = tuple(axis)
        else:
            raise TypeError(
                f"{where}: `axis` must be an int, a list of ints or None; received axis={axis!r}."
            )
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError(
                f"{where}: pass both `mean` and `variance`, or neither (and call `adapt`); "
                f"received mean={mean!r}, variance={variance!r}."
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    f"{where}: `mean` and `variance` must have the same shape; received shapes "
                    f"{np.shape(mean)} and {np.shape(variance)}."
                )
            if np.ndim(mean) > len(self.axis):
                raise ValueError(
                    f"{where}: `mean` has rank {np.ndim(mean)}, more than the {len(self.axis)} "
                    f"kept axes axis={self.axis}. Pass statistics with one entry per kept index."
                )
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True

    # ---- shapes -------------------------------------------------------------------------------
    def _kept_axes(self, shape) -> tuple[int, ...]:
        rank = len(shape)
        for a in self.axis:
            if not -rank <= a < rank:
                raise ValueError(
                    f"Normalization '{self.name}': axis={self.axis} is out of range for inputs "
                    f"of shape {tuple(shape)}; each axis must lie in [{-rank}, {rank})."
                )
        kept = tuple(sorted(a % rank for a in self.axis))
        for a in kept:
            if shape[a] is None:
                raise ValueError(
                    f"Normalization '{self.name}': the kept axis {a} must have a known size; "
                    f"received shape {tuple(shape)}."
                )
        return kept

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        kept = self._kept_axes(shape)
        if self.built and len(shape) == len(self._build_shape):
            for a in kept:
                if shape[a] != self._build_shape[a]:
                    raise ValueError(
                        f"Normalization '{self.name}': it was built for shape "
                        f"{tuple(self._build_shape)}, which differs from the input's shape "
                        f"{shape} along kept axis {a}."
                    )

    def build(self, input_shape) -> None:
        shape = tuple(input_shape)
        self._kept = self._kept_axes(shape)
        self._broadcast_shape = tuple(shape[a] if a in self._kept else 1 for a in range(len(shape)))
        stats_shape = tuple(shape[a] for a in self._kept)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(stats_shape, "zeros", name="mean", trainable=False)
            self.adapt_variance = self.add_weight(
                stats_shape, "ones", name="variance", trainable=False
            )
            self.count = self.add_weight((), "zeros", "int32", name="count", trainable=False)

    # ---- adapt --------------------------------------------------------------------------------
    def adapt(self, data) -> None:
        """Set the mean and variance to those of `data`, per index along the kept axes.

        Args:
            data: a NumPy (or JAX) array of samples, or an iterable of such batches (a list of
                arrays, a generator; ``(x, y)`` pairs use ``x``). Batches are combined exactly,
                as if concatenated.
        """
        where = f"Normalization '{self.name}'"
        if self.input_mean is not None:
            raise ValueError(
                f"{where}: it was given `mean` and `variance`; `adapt` would overwrite them. "
                "Create the layer without them to learn the statistics from data."
            )
        if hasattr(data, "shape") and hasattr(data, "__array__"):
            batches = iter([np.asarray(data)])
        elif hasattr(data, "__iter__"):
            batches = (np.asarray(_features(batch)) for batch in data)
        else:
            raise TypeError(
                f"{where}: `adapt` takes an array or an iterable of array batches; received "
                f"{type(data).__name__}."
            )
        total_mean = total_var = None
        total_count = 0
        for batch in batches:
            if batch.ndim == 0 or not np.issubdtype(batch.dtype, np.number):
                raise TypeError(
                    f"{where}: `adapt` needs numeric arrays of rank >= 1; received an array of "
                    f"shape {batch.shape} and dtype {batch.dtype}."
                )
            if not self.built:
                self._check_input(batch)
                self._maybe_build(batch.shape)
            self._check_adapt_batch(batch)
            reduce = tuple(a for a in range(batch.ndim) if a not in self._kept)
            batch = batch.astype(np.float64)
            mean, var = np.mean(batch, axis=reduce), np.var(batch, axis=reduce)
            count = math.prod(batch.shape[a] for a in reduce)
            if total_mean is None:
                total_mean, total_var, total_count = mean, var, count
                continue
            # Combine two sets' moments exactly (Chan et al.'s parallel formula).
            new_count = total_count + count
            delta = mean - total_mean
            new_mean = total_mean + delta * (count / new_count)
            total_var = (
                total_var * total_count + var * count + delta**2 * total_count * count / new_count
            ) / new_count
            total_mean, total_count = new_mean, new_count
        if total_mean is None:
            raise ValueError(f"{where}: `adapt` received no batches; pass at least one array.")
        self.adapt_mean.assign(total_mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.assign(total_var.astype(self.adapt_variance.dtype))

    def _check_adapt_batch(self, batch) -> None:
        if batch.ndim != len(self._build_shape) or any(
            batch.shape[a] != self._build_shape[a] for a in self._kept
        ):
            raise ValueError(
                f"Normalization '{self.name}': `adapt` received a batch of shape {batch.shape}, "
                f"but the layer was built for shape {tuple(self._build_shape)} (kept axes "
                f"{self._kept} must match)."
            )

    # ---- call ---------------------------------------------------------------------------------
    def _statistics(self):
        if self.input_mean is not None:
            mean = self._given(self.input_mean)
            variance = self._given(self.input_variance)
        else:
            mean = jnp.reshape(self.adapt_mean.value, self._broadcast_shape)
            variance = jnp.reshape(self.adapt_variance.value, self._broadcast_shape)
        return mean.astype(self.compute_dtype), variance.astype(self.compute_dtype)

    def _given(self, value):
        """A given statistic laid out along the kept axes (its trailing dims match the last ones)."""
        value = jnp.asarray(value, jnp.float32)
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._kept[-i]] = value.shape[-i]
        return jnp.broadcast_to(jnp.reshape(value, expanded), self._broadcast_shape)

    def call(self, inputs):
        x = inputs.astype(self.compute_dtype)
        mean, variance = self._statistics()
        stddev = jnp.maximum(jnp.sqrt(variance), _MIN_STDDEV)
        if self.invert:
            return mean + x * stddev
        return (x - mean) / stddev

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        }


def _features(batch):
    """The inputs of a batch: ``x`` of an ``(x, y)`` or ``(x, y, sample_weight)`` tuple."""
    if isinstance(batch, tuple):
        return batch[0]
    return batch
