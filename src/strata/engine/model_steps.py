"""The steps and metric methods Keras gives `Model`, so a subclass can call ``super()``.

`train_step`, `test_step` and `predict_step` take and return state in the stateless style of
Keras's JAX backend::

    train_step((trainable, non_trainable, optimizer_state, metrics_state), data)
        -> (logs, (trainable, non_trainable, optimizer_state, metrics_state))
    test_step((trainable, non_trainable, metrics_state), data)
        -> (logs, (trainable, non_trainable, metrics_state))
    predict_step((trainable, non_trainable), data) -> (outputs, non_trainable)

The defaults run the engine's own step on one batch, so a subclass that overrides one of them and
calls ``super().train_step(state, data)`` gets exactly the built-in step. They run inside `fit` /
`evaluate` / `predict` (see `strata.engine.custom_steps`).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.engine.logs import host_value
from strata.state import scope as state_scope


def _engine_default(method):
    method.engine_default = True
    return method


class StepMethods:
    """Mixed into `Model`."""

    @_engine_default
    def train_step(self, state, data):
        """One training step on `data` (``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``)."""
        steps = self._active_steps("train_step")
        trainable, non_trainable, optimizer, metrics = state
        x, y_list, sw_list, mask, rng = _unpack(steps, data, with_key=True)
        compiled = metrics if isinstance(metrics, dict) else steps.init_metrics()
        new_params, new_nt, new_opt, new_metrics, _ = steps.train_batch(
            list(trainable),
            list(non_trainable),
            optimizer,
            compiled,
            (x, y_list, sw_list, mask),
            rng,
        )
        logs = steps.metric_results(new_metrics)
        kept = new_metrics if isinstance(metrics, dict) else metrics
        return logs, (new_params, new_nt, new_opt, kept)

    @_engine_default
    def test_step(self, state, data):
        """One evaluation step on `data`; returns ``(logs, state)``."""
        steps = self._active_steps("test_step")
        trainable, non_trainable, metrics = state
        x, y_list, sw_list, mask, _ = _unpack(steps, data, with_key=False)
        compiled = metrics if isinstance(metrics, dict) else steps.init_metrics()
        new_metrics, new_nt = steps.test_batch(
            list(trainable), list(non_trainable), compiled, (x, y_list, sw_list, mask)
        )
        kept = new_metrics if isinstance(metrics, dict) else metrics
        return steps.metric_results(new_metrics), (trainable, new_nt, kept)

    @_engine_default
    def predict_step(self, state, data):
        """The model's outputs on `data`'s x; returns ``(outputs, non_trainable)``."""
        trainable, non_trainable = state
        x = data[0] if isinstance(data, tuple) else data
        return self.stateless_call(trainable, non_trainable, x, training=False)

    def _active_steps(self, method: str):
        steps = getattr(self, "_steps", None)
        if steps is None or steps.objectives is None:
            raise ValueError(
                f"Model '{self.name}'.{method}: the default step runs inside fit/evaluate (it "
                "needs the compiled loss and metrics); call it from your own step's override."
            )
        return steps

    # ---- metrics -----------------------------------------------------------------------------------
    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch and return all current results, as Keras.

        Example:
            >>> import numpy as np, strata
            >>> i = strata.Input(shape=(1,))
            >>> model = strata.Model(i, strata.layers.Dense(1)(i))
            >>> model.compile(loss="mse", metrics=["mae"])
            >>> _ = model.evaluate(np.ones((2, 1)), np.ones((2, 1)), verbose=0)
            >>> model.reset_metrics()
            >>> model.compute_metrics(None, np.ones((2, 1)), np.zeros((2, 1)))["mae"]
            1.0
        """
        steps = self._active_steps("compute_metrics")
        _, metrics = self.__dict__.get("_metrics_state") or (steps, steps.init_metrics())
        y_list, sw_list = steps.targets_as_lists(y, sample_weight)
        y_pred_list = [jnp.asarray(p) for p in steps._outputs_list(y_pred)]
        mask = jnp.ones((y_pred_list[0].shape[0],), jnp.float32)
        y_list = [jnp.asarray(t) for t in y_list]
        metrics = steps.update_compiled_metrics(metrics, y_list, y_pred_list, sw_list, mask)
        self._metrics_state = (steps, metrics)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict:
        """The current results of the loss tracker and compiled metrics, as Python floats."""
        held = self.__dict__.get("_metrics_state")
        if held is None:
            return {}
        steps, metrics = held
        results = jax.device_get(steps.metric_results(metrics))
        return {name: host_value(value) for name, value in sorted(results.items())}

    def reset_metrics(self) -> None:
        """Zero the loss tracker and the compiled metrics."""
        held = self.__dict__.get("_metrics_state")
        if held is not None:
            self._metrics_state = (held[0], held[0].init_metrics())

    def stateless_compute_loss(
        self,
        trainable_variables,
        non_trainable_variables,
        metrics_variables,
        x=None,
        y=None,
        y_pred=None,
        sample_weight=None,
        training=True,
    ):
        """`compute_loss` on the given weight values; returns ``(loss, (trainable,
        non_trainable, metrics_variables))``, as Keras."""
        bindings = list(zip(self.trainable_variables, trainable_variables)) + list(
            zip(self.non_trainable_variables, non_trainable_variables)
        )
        outer = state_scope.current()
        mask = outer.sample_mask if outer is not None else None
        with state_scope.StateScope(bindings, sample_mask=mask):
            loss = self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return loss, (list(trainable_variables), list(non_trainable_variables), metrics_variables)


def _unpack(steps, data, *, with_key: bool):
    """``(x, y_list, sw_list, mask, rng)`` for one batch given as Keras gives it to a step."""
    data = tuple(data) if isinstance(data, tuple | list) else (data,)
    x, y, sample_weight = (*data, None, None)[:3]
    y_list, sw_list = steps.targets_as_lists(y, sample_weight)
    scope = state_scope.current()
    mask = scope.sample_mask if scope is not None else None
    if mask is None:
        mask = jnp.ones((jax.tree_util.tree_leaves(x)[0].shape[0],), jnp.float32)
    rng = None
    if with_key and scope is not None and scope._rng_key is not None:
        rng = scope.next_key()
    return x, y_list, sw_list, mask, rng
