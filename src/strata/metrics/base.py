"""`Metric`: a pure (init, update, result) triple, plus Keras's stateful methods around it.

Inside the compiled step only `init`/`update`/`result` are used, on a state pytree that the
step carries; `update_state`/`result`/`reset_state` keep a state on the object for eager use.
"""

from __future__ import annotations

import jax.numpy as jnp

from strata.utils.naming import to_snake_case


class Metric:
    """Base class for metrics.

    Subclasses define `init() -> state`, `update(state, y_true, y_pred, sample_weight) -> state`
    and `result_of(state) -> scalar`.
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
        """Result of the metric on one batch alone (does not touch the stored state)."""
        return self.result_of(self.update(self.init(), *args, **kwargs))

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


def samplewise(values, sample_weight):
    """Reduce `values` to the rank of `sample_weight` (mean over trailing axes), broadcast both."""
    values = jnp.asarray(values, dtype=jnp.float32)
    if sample_weight is None:
        return values, jnp.ones_like(values)
    weight = jnp.asarray(sample_weight, dtype=jnp.float32)
    while weight.ndim > values.ndim and weight.shape[-1] == 1:
        weight = jnp.squeeze(weight, -1)
    while values.ndim > weight.ndim:
        values = jnp.mean(values, axis=-1)
    return values, jnp.broadcast_to(weight, values.shape)


class Mean(Metric):
    """The (weighted) mean of the values it is given.

    Example:
        >>> m = Mean()
        >>> m.update_state([1.0, 3.0])
        >>> float(m.result())
        2.0
    """

    def init(self):
        return {"total": jnp.zeros((), jnp.float32), "count": jnp.zeros((), jnp.float32)}

    def update(self, state, values, sample_weight=None):
        values, weight = samplewise(values, sample_weight)
        return {
            "total": state["total"] + jnp.sum(values * weight),
            "count": state["count"] + jnp.sum(weight),
        }

    def result_of(self, state):
        return jnp.where(state["count"] == 0, 0.0, state["total"] / jnp.maximum(state["count"], 1e-30))


class Sum(Metric):
    """The (weighted) sum of the values it is given."""

    def init(self):
        return {"total": jnp.zeros((), jnp.float32)}

    def update(self, state, values, sample_weight=None):
        values, weight = samplewise(values, sample_weight)
        return {"total": state["total"] + jnp.sum(values * weight)}

    def result_of(self, state):
        return state["total"]


class MeanMetricWrapper(Mean):
    """Mean over samples of a per-sample function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def update(self, state, y_true, y_pred, sample_weight=None):
        return super().update(state, self.fn(y_true, y_pred, **self.fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.fn_kwargs}
