"""`Discretization`: bucket numbers into bins, by given boundaries or by quantiles from `adapt`."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from strata.graph.symbolic import SymbolicTensor
from strata.layers.layer import Layer
from strata.layers.preprocessing.encoding import check_rank, encode_jax, encoded_shape

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Discretization(Layer):
    """Map each number to the index of its bin: ``i`` where ``b[i-1] <= x < b[i]``.

    The bin boundaries are given (`bin_boundaries`) or learned by `adapt` as approximate
    quantiles splitting the data into `num_bins` bins of equal counts (Keras's algorithm, so
    the same data gives the same boundaries). The layer runs in JAX and can sit in a model.

    Args:
        bin_boundaries: sorted boundaries; ``len(bin_boundaries) + 1`` bins.
        num_bins: the number of bins `adapt` learns (give this or `bin_boundaries`).
        epsilon: the error tolerance of the quantile summary `adapt` keeps (smaller is more
            exact and uses more memory).
        output_mode: ``"int"`` (bin indices, int32), ``"one_hot"``, ``"multi_hot"`` or
            ``"count"`` (float32 encodings of the indices, as in `CategoryEncoding`).
        sparse: only False is supported.

    Shapes: ``"int"`` keeps the input's shape; the encodings are those of `CategoryEncoding`
    with ``len(bin_boundaries) + 1`` tokens.

    Example:
        >>> import numpy as np
        >>> layer = Discretization(bin_boundaries=[0.0, 1.0])
        >>> layer(np.array([[-0.5, 0.0, 0.5, 2.0]])).tolist()
        [[0, 1, 1, 2]]
        >>> layer = Discretization(num_bins=2)
        >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0]))
        >>> layer.bin_boundaries
        [2.0]
    """

    def __init__(
        self,
        bin_boundaries=None,
        num_bins=None,
        epsilon=0.01,
        output_mode="int",
        sparse=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = f"Discretization '{self.name}'"
        if output_mode not in OUTPUT_MODES:
            raise ValueError(
                f"{where}: `output_mode` must be one of {OUTPUT_MODES}; received "
                f"output_mode={output_mode!r}."
            )
        if sparse:
            raise ValueError(f"{where}: `sparse=True` is not supported; outputs are dense.")
        if num_bins is not None and (
            isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins < 0
        ):
            raise ValueError(
                f"{where}: `num_bins` must be an int >= 0; received num_bins={num_bins!r}."
            )
        if (num_bins is None) == (bin_boundaries is None):
            raise ValueError(
                f"{where}: set exactly one of `bin_boundaries` and `num_bins` (then call "
                f"`adapt`); received bin_boundaries={bin_boundaries!r}, num_bins={num_bins!r}."
            )
        if bin_boundaries is not None:
            bin_boundaries = _checked_boundaries(where, bin_boundaries)
        if isinstance(epsilon, bool) or not isinstance(epsilon, int | float) or epsilon <= 0:
            raise ValueError(
                f"{where}: `epsilon` must be a positive number; received epsilon={epsilon!r}."
            )
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = False
        self.summary = None if bin_boundaries is not None else _empty_summary()

    # ---- adapt ----------------------------------------------------------------------------------
    def adapt(self, data, steps=None) -> None:
        """Learn `num_bins` quantile bins from `data`.

        Args:
            data: a NumPy (or JAX) array, or an iterable of array batches (``(x, y)`` pairs
                use ``x``); all values are pooled, whatever their shape.
            steps: with an iterable, how many batches to read at most (None: all).
        """
        where = f"Discretization '{self.name}'"
        if self.num_bins is None:
            raise ValueError(
                f"{where}: it was given `bin_boundaries`, so there is nothing to adapt. Create "
                "it with `num_bins` instead to learn the bins from data."
            )
        if hasattr(data, "shape") and hasattr(data, "__array__"):
            batches = [data]
        elif hasattr(data, "__iter__"):
            batches = data
        else:
            raise TypeError(
                f"{where}: `adapt` takes an array or an iterable of array batches; received "
                f"{type(data).__name__}."
            )
        self.summary = _empty_summary()
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, tuple):
                batch = batch[0]
            values = np.asarray(batch)
            if not np.issubdtype(values.dtype, np.number):
                raise TypeError(
                    f"{where}: `adapt` needs numeric data; received an array of dtype "
                    f"{values.dtype}."
                )
            # Newest first and NumPy's default sort, as Keras merges, so ties order the same.
            merged = np.concatenate([summarize(values, self.epsilon), self.summary], axis=1)
            merged = merged[:, np.argsort(merged[0])]
            self.summary = compress_summary(merged, self.epsilon)
        if self.summary.shape[1] == 0:
            raise ValueError(f"{where}: `adapt` received no values; pass a non-empty array.")
        boundaries = compress_summary(self.summary, 1.0 / self.num_bins)[0, :-1]
        self.bin_boundaries = boundaries.tolist()

    # ---- call -----------------------------------------------------------------------------------
    def _depth(self) -> int:
        if self.bin_boundaries is not None:
            return len(self.bin_boundaries) + 1
        return self.num_bins

    def _check_input(self, inputs) -> None:
        if self.output_mode != "int":
            check_rank(f"Layer '{self.name}' (Discretization)", self.output_mode, inputs.shape)

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                f"Layer '{self.name}' (Discretization) has no bins yet: pass `bin_boundaries` "
                "when creating it, or call `adapt(data)` before using it."
            )
        x = jnp.asarray(inputs).astype(jnp.float32)
        boundaries = jnp.asarray(self.bin_boundaries, jnp.float32)
        # side="right" counts the boundaries <= x: index i for b[i-1] <= x < b[i] (as Keras).
        indices = jnp.searchsorted(boundaries, x, side="right").astype(jnp.int32)
        if self.output_mode == "int":
            return indices
        return encode_jax(indices, self._depth(), self.output_mode)

    def compute_output_spec(self, inputs, *args, **kwargs):
        if self.output_mode == "int":
            return SymbolicTensor(tuple(inputs.shape), "int32")
        shape = encoded_shape(inputs.shape, self._depth(), self.output_mode)
        return SymbolicTensor(shape, "float32")

    def get_config(self) -> dict:
        boundaries = self.bin_boundaries
        config = super().get_config()
        # Keras's Discretization config has no `trainable` key (the layer has no weights).
        config.pop("trainable", None)
        return {
            **config,
            "bin_boundaries": None if boundaries is None else list(boundaries),
            "num_bins": self.num_bins,
            "epsilon": self.epsilon,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        # An adapted layer's config holds both `num_bins` and the learned boundaries; Keras
        # rebuilds it from `num_bins` and sets the boundaries afterwards.
        boundaries = None
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
        layer = super().from_config(config)
        if boundaries is not None:
            layer.bin_boundaries = _checked_boundaries(f"Discretization '{layer.name}'", boundaries)
        return layer


def _checked_boundaries(where: str, boundaries) -> list:
    values = np.asarray(boundaries, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(
            f"{where}: `bin_boundaries` must be a flat list of numbers; received an array of "
            f"shape {values.shape}."
        )
    if np.any(np.diff(values) < 0):
        raise ValueError(
            f"{where}: `bin_boundaries` must be sorted in increasing order; received "
            f"{list(boundaries)!r}."
        )
    return [float(b) for b in boundaries]


def _empty_summary() -> np.ndarray:
    return np.zeros((2, 0), np.float32)


def summarize(values, epsilon) -> np.ndarray:
    """A (2, n) summary of `values`: about ``1 / epsilon`` evenly spaced order statistics (row 0)
    and the number of values each stands for (row 1), as Keras summarizes a batch.

    Example:
        >>> summarize(np.array([3.0, 1.0, 2.0, 4.0]), 0.5).tolist()
        [[2.0, 4.0], [2.0, 2.0]]
    """
    values = np.sort(np.asarray(values, np.float32).reshape(-1))
    step = max(values.size / (1.0 / epsilon), 1)
    picked = values[int(step - 1) :: int(step)]
    return np.stack([picked, np.full_like(picked, step)])


def compress_summary(summary, epsilon) -> np.ndarray:
    """Shrink a sorted summary to about ``1 / epsilon`` points by interpolating its cumulative
    weights at evenly spaced fractions (Keras's compression; also how bins are read off)."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + np.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    position = cumulative / cumulative[-1]
    points = np.interp(fractions, position, summary[0])
    cumulative = np.interp(fractions, position, cumulative)
    weights = np.diff(cumulative, prepend=0.0)
    return np.stack((points, weights)).astype(np.float32)
