"""A model's own ``train_step`` / ``test_step``, in the stateless style of Keras's JAX guide.

A `Model` subclass may define::

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_state, metrics_state = state
        ...
        return logs, (trainable, non_trainable, optimizer_state, metrics_state)

    def test_step(self, state, data):
        trainable, non_trainable, metrics_state = state
        ...
        return logs, (trainable, non_trainable, metrics_state)

`fit`/`evaluate` then call it for every batch inside the same compiled chunk of steps as the
built-in step (so callbacks, progress bars and `steps_per_execution` work unchanged). ``data`` is
``(x, y)``, ``(x, y, sample_weight)`` or ``(x,)``; the logs of the chunk's last step are what
the host sees. Inside the step, `Model.stateless_call` runs the model on the given values (with
a fresh random key per step) and `Model.compute_loss` applies the compiled loss.

``optimizer_state`` is the strata optimizer's state pytree (update it with
``self.optimizer.step(grads, optimizer_state, trainable)``, which returns
``(new_trainable, new_optimizer_state)``). ``metrics_state`` is one state per metric of the
model's own ``metrics`` property when the class defines one (update with ``metric.update`` and
read with ``metric.result_of``), else the compiled metrics' state dict. Weight constraints are
applied after the step, as in the built-in one.

The last batch of an epoch is padded to the full batch size; its padding rows have weight 0 in
`Model.compute_loss`, but a hand-written loss or metric update sees them. Use a batch size that
divides the number of samples when the step computes such values itself.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.state.scope import StateScope

# Where the states of a model's own metrics ride along in the engine's metric state dict.
OWN_METRICS = "__model_metrics__"


def overrides(model, method: str) -> bool:
    """Whether `model`'s class defines its own `method` (``"train_step"``, ``"test_step"``,
    ``"predict_step"``) instead of the engine's default on `Model`."""
    own = getattr(type(model), method, None)
    return callable(own) and not getattr(own, "engine_default", False)


def own_metrics(model):
    """The metrics of the model's own ``metrics`` property, or None if its class has none."""
    if not isinstance(getattr(type(model), "metrics", None), property):
        return None
    return list(model.metrics)


def own_metric_state(model):
    """Fresh states for the model's own metrics, or None."""
    metrics = own_metrics(model)
    if metrics is None or not (overrides(model, "train_step") or overrides(model, "test_step")):
        return None
    return [metric.init() for metric in metrics]


def _user_data(x, y, sample_weight):
    """A batch as the user's step receives it: ``(x, y)``, ``(x, y, sample_weight)`` or
    ``(x,)``."""
    if not y:
        return (x,)
    targets = y[0] if len(y) == 1 else list(y)
    weights = [w for w in sample_weight if w is not None]
    if not weights:
        return (x, targets)
    return (x, targets, weights[0] if len(sample_weight) == 1 else list(sample_weight))


def _metrics_in(metrics):
    return metrics[OWN_METRICS] if OWN_METRICS in metrics else metrics


def _metrics_out(metrics, new):
    if OWN_METRICS in metrics:
        return {**metrics, OWN_METRICS: list(new)}
    return new


def _check_result(model, method, result, size):
    if not (isinstance(result, tuple | list) and len(result) == 2):
        raise ValueError(
            f"{type(model).__name__}.{method} must return (logs, state); it returned "
            f"{type(result).__name__}."
        )
    logs, state = result
    if not isinstance(logs, dict):
        raise ValueError(
            f"{type(model).__name__}.{method} must return a dict of logs first; received "
            f"{type(logs).__name__}."
        )
    if not (isinstance(state, tuple | list) and len(state) == size):
        raise ValueError(
            f"{type(model).__name__}.{method} must return a state of {size} entries, as it "
            "received; got "
            + (f"{len(state)}." if isinstance(state, tuple | list) else type(state).__name__ + ".")
        )
    return {k: jnp.asarray(v, jnp.float32) for k, v in logs.items()}, tuple(state)


def _loop_with_logs(steps, step, n_steps, carry):
    """The steps' loop over `step`, also carrying the logs of the latest step."""
    logs_shape = jax.eval_shape(lambda c: step(0, c)[1], carry)
    logs = jax.tree_util.tree_map(lambda s: jnp.zeros(s.shape, s.dtype), logs_shape)

    def body(i, both):
        return step(i, both[0])

    return steps.loop(n_steps, body, (carry, logs))


def run_train_chunk(steps, x_def, state, data, indices, masks, start, n_steps):
    """The chunk of training steps that calls ``model.train_step`` for each batch."""
    model = steps.model

    def step(i, state):
        row = start + i
        x, y, sw, mask = steps._batch(x_def, data, indices[row], masks[row])
        rng, step_key = jax.random.split(state["rng"])
        given = (
            list(state["trainable"]),
            list(state["non_trainable"]),
            state["optimizer"],
            _metrics_in(state["metrics"]),
        )
        with StateScope(rng_key=step_key, sample_mask=mask):
            result = model.train_step(given, _user_data(x, y, sw))
        logs, (trainable, non_trainable, optimizer, metrics) = _check_result(
            model, "train_step", result, 4
        )
        trainable = [
            value if constraint is None else constraint(value)
            for value, constraint in zip(trainable, steps.constraints)
        ]
        new_state = {
            "trainable": list(trainable),
            "non_trainable": list(non_trainable),
            "optimizer": optimizer,
            "metrics": _metrics_out(state["metrics"], metrics),
            "rng": rng,
        }
        return new_state, logs

    state, logs = _loop_with_logs(steps, step, n_steps, steps._pin(state))
    return steps._pin(state), logs


def run_test_chunk(steps, x_def, trainable, non_trainable, metrics, data, indices, masks, start, n):
    """The chunk of evaluation steps that calls ``model.test_step`` for each batch."""
    model = steps.model

    def step(i, metrics):
        row = start + i
        x, y, sw, mask = steps._batch(x_def, data, indices[row], masks[row])
        with StateScope(sample_mask=mask):
            result = model.test_step(
                (list(trainable), list(non_trainable), _metrics_in(metrics)),
                _user_data(x, y, sw),
            )
        logs, (_, _, new_metrics) = _check_result(model, "test_step", result, 3)
        return _metrics_out(metrics, new_metrics), logs

    return _loop_with_logs(steps, step, n, metrics)


def run_predict_step(steps, trainable, non_trainable, x):
    """One batch through the model's own ``predict_step``: ``(outputs, non_trainable)``."""
    result = steps.model.predict_step((list(trainable), list(non_trainable)), (x,))
    if not (isinstance(result, tuple | list) and len(result) == 2):
        raise ValueError(
            f"{type(steps.model).__name__}.predict_step must return (outputs, "
            f"non_trainable_variables); it returned {type(result).__name__}."
        )
    outputs, new_non_trainable = result
    return outputs, list(new_non_trainable)
