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
from strata.state.name_scope import prefixed
from strata.state.stateless_scope import StatelessScope
from strata.state.variable import Variable
from strata.utils.naming import to_snake_case


class Metric:
    """Base class for metrics.

    Two ways to write one:

    * strata's pure form: define `init() -> state`,
      `update(state, y_true, y_pred, sample_weight) -> state` and `result_of(state) -> scalar`.
    * Keras's form: create variables with `add_variable` in `__init__`, and override
      `update_state` (assigning to them) and `result`. The compiled step then runs those methods
      with the variables bound to the state it carries, so the metric works inside `fit`.

    Args:
        name: the metric name (default: the class name in snake_case).
        dtype: the dtype of the result (default float32).

    Example:
        >>> import jax.numpy as jnp
        >>> class Total(Metric):
        ...     def __init__(self, name="total"):
        ...         super().__init__(name=name)
        ...         self.total = self.add_variable((), "zeros", name="total")
        ...     def update_state(self, values):
        ...         self.total.assign_add(jnp.sum(jnp.asarray(values)))
        ...     def result(self):
        ...         return self.total.value
        >>> m = Total()
        >>> m.update_state([1.0, 2.0])
        >>> float(m.result()), [float(v) for v in m.stateless_update_state([10.0], [5.0])]
        (3.0, [15.0])
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype or "float32"
        self._state = None
        self._metric_variables: list = []

    # -- Keras's variable-based form ---------------------------------------------------------
    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a (non-trainable) state variable of this metric, as Keras's
        `Metric.add_variable`; `update_state` assigns to it and `result` reads it."""
        if aggregation not in (None, "none", "mean", "sum", "only_first_replica"):
            raise ValueError(
                "Invalid value for argument `aggregation`. Expected one of `None`, `'none'`, "
                f"`'mean'`, `'sum'`, `'only_first_replica'`. Received: aggregation={aggregation}"
            )
        variable = Variable(
            initializer,
            shape=tuple(shape),
            dtype=dtype or self.dtype,
            trainable=False,
            aggregation=aggregation or "none",
            name=name or f"variable_{len(self._variables_list())}",
        )
        # Keras's path, "<metric name>/<variable name>" (set directly: a metric's name may
        # hold a "/", which a name scope refuses).
        variable.path = prefixed(f"{self.name}/{variable.name}")
        self._variables_list().append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """`add_variable` with Keras's `add_weight` signature (`initializer` defaults to
        zeros)."""
        return self.add_variable(
            shape, "zeros" if initializer is None else initializer, dtype=dtype, name=name
        )

    def _variables_list(self) -> list:
        # A subclass may assign attributes before calling `super().__init__`.
        if "_metric_variables" not in self.__dict__:
            self._metric_variables = []
        return self._metric_variables

    @property
    def _uses_variables(self) -> bool:
        return bool(self.__dict__.get("_metric_variables"))

    def _bound(self, values):
        pairs = list(zip(self._metric_variables, values))
        return StatelessScope(state_mapping=pairs)

    def _collect(self, scope, values) -> dict:
        return {
            str(i): _current(scope, v, value)
            for i, (v, value) in enumerate(zip(self._metric_variables, values))
        }

    # -- the pure form (derived from the variable form when the metric uses variables) --------
    def init(self) -> dict:
        if not self._uses_variables:
            raise NotImplementedError(
                f"{type(self).__name__}: a metric defines either `init`/`update`/`result_of` or "
                "creates variables with `add_variable` and overrides `update_state`/`result`."
            )
        values = [v.value for v in self._metric_variables]
        with self._bound(values) as scope:
            self.reset_state()
        return self._collect(scope, values)

    def update(self, state, *args, **kwargs) -> dict:
        if not self._uses_variables or type(self).update_state is Metric.update_state:
            raise NotImplementedError(
                f"{type(self).__name__} must override `update` (pure form) or `update_state` "
                "(with variables created by `add_variable`)."
            )
        values = list(state.values())
        with self._bound(values) as scope:
            self.update_state(*args, **kwargs)
        return self._collect(scope, values)

    def result_of(self, state):
        if not self._uses_variables or type(self).result is Metric.result:
            raise NotImplementedError(
                f"{type(self).__name__} must override `result_of` (pure form) or `result` (with "
                "variables created by `add_variable`)."
            )
        with self._bound(list(state.values())):
            return self.result()

    # -- the stateful, Keras-shaped shell ---------------------------------------------------
    def update_state(self, *args, **kwargs) -> None:
        if self._state is None:
            self._state = self.init()
        self._state = self.update(self._state, *args, **kwargs)

    def result(self):
        return self.result_of(self._state if self._state is not None else self.init())

    def reset_state(self) -> None:
        if self._uses_variables:
            # Keras's default: every variable back to zeros.
            for variable in self._metric_variables:
                variable.assign(jnp.zeros(variable.shape, variable.dtype))
            return
        self._state = self.init()

    def __call__(self, *args, **kwargs):
        """`update_state` then `result`, as in Keras 3 (the stored state accumulates)."""
        self.update_state(*args, **kwargs)
        return self.result()

    @property
    def variables(self) -> list:
        """The metric's state: its `Variable`s (Keras's form), or the pure form's state
        arrays in `init`'s order."""
        if self._uses_variables:
            return list(self._metric_variables)
        state = self._state if self._state is not None else self.init()
        return list(state.values())

    # -- Keras's stateless API ----------------------------------------------------------------
    def _state_from(self, metric_variables) -> dict:
        keys = list(self.init().keys())
        metric_variables = list(metric_variables)
        if len(metric_variables) != len(keys):
            raise ValueError(
                "Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length "
                f"{len(metric_variables)}, but expected {len(keys)} variables."
            )
        return {key: jnp.asarray(value) for key, value in zip(keys, metric_variables)}

    def stateless_update_state(self, metric_variables, *args, **kwargs) -> list:
        """The new values of `variables` after `update_state(*args, **kwargs)`, computed from
        `metric_variables` without changing the metric."""
        state = self.update(self._state_from(metric_variables), *args, **kwargs)
        return list(state.values())

    def stateless_result(self, metric_variables):
        """`result()` for the state `metric_variables`, without changing the metric."""
        return self.result_of(self._state_from(metric_variables))

    def stateless_reset_state(self) -> list:
        """The values `reset_state()` would give `variables`."""
        return list(self.init().values())

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _current(scope, variable, fallback):
    value = scope.get_current_value(variable)
    return fallback if value is None else value


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
