"""`Metric`: a pure (init, update, result) triple, plus Keras's stateful methods around it.

Inside the compiled step only `init`/`update`/`result_of` are used, on a state pytree that the
step carries; `update_state`/`result`/`reset_state` keep a state on the object for eager use.
"""

from __future__ import annotations

import re

import jax.numpy as jnp

from strata.losses.classes import keras_signature
from strata.losses.ranks import pad_rank, squeeze_or_expand
from strata.state import carried_masks
from strata.utils.naming import to_snake_case


class Metric:
    """Base class for metrics.

    Subclasses define `init() -> state`, `update(state, y_true, y_pred, sample_weight) -> state`
    and `result_of(state) -> scalar`; all three are pure, so a compiled step can carry the state.

    Args:
        name: the metric name (default: the class name in snake_case).
        dtype: the dtype of the result (default float32).
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype or "float32"
        self._state = None

    def init(self) -> dict:
        raise NotImplementedError

    def update(self, state, y_true, y_pred, sample_weight=None) -> dict:
        raise NotImplementedError

    def result_of(self, state):
        raise NotImplementedError

    # -- the stateful, Keras-shaped shell ---------------------------------------------------
    def update_state(self, *args, **kwargs) -> None:
        if self._state is None:
            self._state = self.init()
        self._state = self.update(self._state, *args, **kwargs)

    def result(self):
        return self.result_of(self._state if self._state is not None else self.init())

    def reset_state(self) -> None:
        self._state = self.init()

    def __call__(self, *args, **kwargs):
        """`update_state` then `result`, as in Keras 3 (the stored state accumulates)."""
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self) -> list:
        state = self._state if self._state is not None else self.init()
        return list(state.values())

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def to_samples(values, sample_weight, reduce_fn, mask=None):
    """Per-sample values and weights, following Keras's ``reduce_to_samplewise_values``.

    Values are reduced (with `reduce_fn`) to the rank of the weights, multiplied by them, and then
    reduced to one value per sample; weights of rank > 1 are reduced the same way.

    Args:
        values: ``(N, ...)`` or a scalar.
        sample_weight: None, or weights of rank up to that of `values`.
        reduce_fn: `jnp.mean` (for `Mean`) or `jnp.sum` (for `Sum`).
        mask: optional ``(N,)`` 0/1 marks of real samples, folded into the weights.

    Returns:
        ``(values, weights)``: ``(N,)`` arrays (or scalars); weights is None when neither
        `sample_weight` nor `mask` was given.

    Example:
        >>> values, weights = to_samples(jnp.array([[1.0, 3.0], [5.0, 7.0]]), [1.0, 0.5], jnp.mean)
        >>> values.tolist(), weights.tolist()
        ([2.0, 3.0], [1.0, 0.5])
    """
    values = jnp.asarray(values, jnp.float32)
    weight = _combined_weight(sample_weight, mask)
    if weight is not None:
        values, weight = squeeze_or_expand(values, weight)
        if values.ndim > weight.ndim:
            values = reduce_fn(values, axis=tuple(range(weight.ndim, values.ndim)))
        weight_ndim = weight.ndim
        weight = jnp.broadcast_to(weight, values.shape)
        values = values * weight
        if weight_ndim > 1:
            weight = reduce_fn(weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, weight


def _combined_weight(sample_weight, mask):
    """`sample_weight` times the 0/1 `mask`, ranks aligned as Keras aligns them (None if both
    are None)."""
    weight = None if sample_weight is None else jnp.asarray(sample_weight, jnp.float32)
    if mask is None:
        return weight
    mask = jnp.asarray(mask, jnp.float32)
    if weight is None:
        return mask
    weight, mask = squeeze_or_expand(weight, mask)
    return pad_rank(weight, mask.ndim) * pad_rank(mask, weight.ndim)


def _divide_no_nan(total, count):
    return jnp.where(count == 0, 0.0, total / jnp.where(count == 0, 1.0, count))


class Mean(Metric):
    """The (weighted) mean of the values it is given.

    Example:
        >>> m = Mean()
        >>> m.update_state([1.0, 3.0])
        >>> float(m.result())
        2.0
        >>> m.update_state([[5.0, 7.0]], sample_weight=[2.0])
        >>> float(m.result())
        4.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init(self):
        return {"total": jnp.zeros((), jnp.float32), "count": jnp.zeros((), jnp.float32)}

    def update(self, state, values, sample_weight=None, mask=None):
        values, weight = to_samples(values, sample_weight, jnp.mean, mask)
        if weight is not None:
            count = jnp.sum(weight)
        else:
            count = jnp.asarray(values.shape[0] if values.ndim else 1, jnp.float32)
        return {"total": state["total"] + jnp.sum(values), "count": state["count"] + count}

    def result_of(self, state):
        return _divide_no_nan(state["total"], state["count"]).astype(self.dtype)


class Sum(Metric):
    """The (weighted) sum of the values it is given.

    Example:
        >>> m = Sum()
        >>> m.update_state([1.0, 3.0], sample_weight=[1.0, 0.0])
        >>> float(m.result())
        1.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)

    def init(self):
        return {"total": jnp.zeros((), jnp.float32)}

    def update(self, state, values, sample_weight=None, mask=None):
        values, _ = to_samples(values, sample_weight, jnp.sum, mask)
        return {"total": state["total"] + jnp.sum(values)}

    def result_of(self, state):
        return state["total"].astype(self.dtype)


class MeanMetricWrapper(Mean):
    """Mean over samples of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Example:
        >>> from strata.losses.functions import mean_absolute_error
        >>> m = MeanMetricWrapper(mean_absolute_error, name="mae")
        >>> float(m([[0.0], [0.0]], [[1.0], [3.0]]))
        2.0
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        # Keras names it after the function, snake_case, without "<>" ("<lambda>" -> "lambda").
        default = to_snake_case(re.sub(r"\W+", "", getattr(fn, "__name__", "metric")))
        super().__init__(name=name or default, dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def update(self, state, y_true, y_pred, sample_weight=None, mask=None):
        # As in Keras, a mask the predictions carry weights the values (masked steps count 0).
        carried = carried_masks.mask_of(y_pred)
        values = self.fn(y_true, y_pred, **self.fn_kwargs)
        if carried is not None:
            sample_weight = _combined_weight(sample_weight, carried)
        return super().update(state, values, sample_weight, mask)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.fn_kwargs}


def wrapper_class(class_name, fn, default_name, options=None, order=None, doc=None):
    """A `MeanMetricWrapper` subclass for `fn`, with Keras's constructor (`order`).

    The default order is ``(name, dtype, *options)``.
    """
    options = dict(options or {})
    order = tuple(order or ("name", "dtype", *options))
    defaults = {**options, "name": default_name, "dtype": None}
    signature = keras_signature(order, defaults)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values["self"]
        name, dtype = values.pop("name"), values.pop("dtype")
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)

    __init__.__signature__ = signature
    doc = doc or f"Mean over samples of `{getattr(fn, '__name__', fn)}`."
    doc += (
        f"\n\n    ``{class_name}({', '.join(order)})``.\n\n"
        f"    Example:\n"
        f"        >>> {class_name}().name\n"
        f"        '{default_name}'\n"
    )
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})
