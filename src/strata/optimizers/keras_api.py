"""Keras's variable-level optimizer API: `variables`, `add_variable`,
`add_variable_from_reference`, `assign*`, `stateless_apply`, and custom optimizers written
Keras's way (`build` creating slots with `add_variable_from_reference`, `update_step`).

A Keras-style optimizer runs inside strata's pure step: `update_step` is called for each weight
with the weights and the optimizer's own variables bound (in a `StatelessScope`) to the values
the step carries, and what it assigns becomes the new state.

Example:
    >>> import numpy as np
    >>> import strata
    >>> class PlainSGD(strata.optimizers.Optimizer):
    ...     def update_step(self, gradient, variable, learning_rate):
    ...         self.assign_sub(variable, learning_rate * gradient)
    >>> w = strata.Variable(np.ones(2), name="w")
    >>> opt = PlainSGD(learning_rate=0.5)
    >>> opt.apply([np.ones(2)], [w])
    1
    >>> w.numpy().tolist()
    [0.5, 0.5]
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from strata.optimizers import state_view
from strata.state.stateless_scope import StatelessScope

_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")


class IterationCount(int):
    """`Optimizer.iterations`: the step count as an int, with the methods Keras code calls on
    Keras's ``iteration`` variable (`numpy()`, `value`, `assign`, `path`).

    Example:
        >>> import strata
        >>> opt = strata.optimizers.SGD()
        >>> int(opt.iterations), opt.iterations.numpy().item()
        (0, 0)
    """

    def __new__(cls, count: int, optimizer):
        obj = super().__new__(cls, count)
        obj._optimizer = optimizer
        return obj

    def numpy(self):
        return np.asarray(int(self), np.int64)

    @property
    def value(self):
        return jnp.asarray(int(self), jnp.int32)

    @property
    def path(self) -> str:
        return f"{self._optimizer.name}/iteration"

    def assign(self, value) -> None:
        """Set the optimizer's step count (as assigning Keras's ``iteration`` variable)."""
        self._optimizer._view(("iterations",)).assign(value)

    def assign_add(self, delta) -> None:
        self.assign(int(self) + int(delta))


class OptimizerVariables:
    """The Keras-facing variable API of `Optimizer` (mixed into it)."""

    def _reset_extra(self) -> None:
        self._extra_names: list[str] = []
        self._extra_initial: list = []
        self._views: dict = {}

    # ---- variables ---------------------------------------------------------------------
    @property
    def variables(self) -> list:
        """Keras's optimizer variables: ``iteration``, ``learning_rate`` (not with a schedule),
        the slots interleaved per weight, the rule's scalars, then `add_variable`'s. Each is a
        `Variable` backed by the optimizer's state: assigning it changes the state."""
        return [self._view(address) for address in state_view.addresses(self)]

    def _view(self, address):
        views = self.__dict__.setdefault("_views", {})
        if address not in views:
            views[address] = state_view.StateVariable(
                self, address, state_view.view_name(self, address)
            )
        return views[address]

    def initial_value(self, address):
        """The value at `address` before the optimizer is built."""
        kind = address[0]
        if kind == "iterations":
            return jnp.zeros((), jnp.int32)
        if kind == "learning_rate":
            return jnp.asarray(self._initial_learning_rate, jnp.float32)
        return self._extra_initial[address[1]]

    def add_variable(
        self, shape, initializer="zeros", dtype=None, aggregation="none", layout=None, name=None
    ):
        """Create an optimizer variable (part of the optimizer's state, saved with it)."""
        from strata import initializers

        owner = type(self).__name__
        if aggregation not in _AGGREGATIONS:
            raise ValueError(
                f"{owner}.add_variable: invalid `aggregation`; expected one of None, 'none', "
                f"'mean', 'sum', 'only_first_replica'. Received: aggregation={aggregation!r}"
            )
        if layout is not None:
            raise ValueError(
                f"{owner}.add_variable: `layout` is not supported; strata places optimizer "
                "state like the weights it belongs to. Pass layout=None."
            )
        if "_extra_names" not in self.__dict__:
            self._reset_extra()
        with jax.ensure_compile_time_eval():
            value = jnp.asarray(
                initializers.get(initializer)(tuple(shape), dtype or "float32"), dtype=dtype
            )
        self._extra_names.append(name or f"variable_{len(self._extra_names)}")
        self._extra_initial.append(value)
        if self.state is not None:
            self.state = {**self.state, "extra": [*self.state.get("extra", []), jnp.array(value)]}
        return self._view(("extra", len(self._extra_names) - 1))

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """An optimizer variable shaped like `reference_variable` (a weight's slot), named
        ``"<weight path with _>_<name>"`` as in Keras."""
        prefix = reference_variable.path.replace("/", "_")
        return self.add_variable(
            reference_variable.shape,
            initializer=initializer,
            dtype=reference_variable.dtype,
            name=f"{prefix}_{name}" if name else prefix,
        )

    def assign(self, variable, value) -> None:
        """``variable.assign(value)`` (for use in `update_step`, as in Keras)."""
        variable.assign(value)

    def assign_add(self, variable, value) -> None:
        variable.assign(variable.value + value)

    def assign_sub(self, variable, value) -> None:
        variable.assign(variable.value - value)

    # ---- Keras's way of writing an optimizer --------------------------------------------
    def update_step(self, gradient, variable, learning_rate):
        """Update one weight (Keras's hook); strata's built-in optimizers use `rule` instead."""
        raise NotImplementedError(
            f"{type(self).__name__} defines neither `rule` (an optax transformation) nor "
            "`update_step(gradient, variable, learning_rate)`."
        )

    @property
    def _keras_style(self) -> bool:
        return type(self).update_step is not OptimizerVariables.update_step

    def _keras_style_update(self, grads, state, params):
        """New params and extra state from `update_step`, run on the step's values."""
        extras = list(state.get("extra", []))
        views = [self._view(("extra", i)) for i in range(len(extras))]
        mapping = list(zip(self._variables, params)) + list(zip(views, extras))
        learning_rate = self.current_learning_rate(state)
        self._traced_iterations = state["iterations"]
        try:
            with StatelessScope(state_mapping=mapping) as scope:
                for grad, variable in zip(grads, self._variables):
                    rate = jnp.asarray(learning_rate, dtype=variable.dtype)
                    self.update_step(grad, variable, rate)
        finally:
            self._traced_iterations = None
        new_params = [scope.get_current_value(v) for v in self._variables]
        new_extra = [scope.get_current_value(v) for v in views]
        return new_params, new_extra

    # ---- the stateless API ----------------------------------------------------------------
    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """One step on values: ``(optimizer_variables, grads, trainable_variables) ->
        (new trainable values, new optimizer variable values)``; nothing is changed (usable
        inside `jax.jit`). Lists follow `variables` and the variables it was built with."""
        owner = type(self).__name__
        if not self.built:
            raise ValueError(
                f"To call `stateless_apply`, {owner} must be built (i.e. its variables must "
                "have been created). You can build it via `optimizer.build(trainable_variables)`."
            )
        optimizer_variables = list(optimizer_variables)
        expected = len(state_view.addresses(self))
        if len(optimizer_variables) != expected:
            raise ValueError(
                "Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                f"{owner}().variables. Received list with length {len(optimizer_variables)}, but "
                f"expected {expected} variables."
            )
        trainable_variables = [getattr(v, "value", v) for v in trainable_variables]
        if len(trainable_variables) != len(self._variables):
            raise ValueError(
                "Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                "the trainable variables list that the optimizer was built with. Received "
                f"len(trainable_variables) == {len(trainable_variables)} whereas the optimizer "
                f"was built with {len(self._variables)} variables."
            )
        state = state_view.state_from(self, optimizer_variables)
        new_params, new_state = self.step(
            list(grads), state, trainable_variables, self._decay_mask(self._variables)
        )
        return new_params, state_view.values_of(self, new_state)
