"""The compiled functions behind `fit`, `evaluate` and `predict`. Pure: state in, state out.

The training state is a pytree::

    {"trainable": [...], "non_trainable": [...], "optimizer": {...}, "metrics": {...}, "rng": key}

A *chunk* runs several steps in one compiled call (a `fori_loop` over batches that are gathered
on the device from the full dataset with precomputed index rows), so the host is involved once
per chunk, not once per batch. The chunk's start and length are traced values: any chunk size
reuses one compilation. The last batch of an epoch is padded and carries a 0/1 mask; losses and
metrics weight padding by zero, so results equal those of the unpadded batch.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.engine import custom_steps
from strata.state import carried_masks
from strata.state.scope import StateScope


def _gather(leaves, idx):
    return [leaf[idx] for leaf in leaves]


class StepFunctions:
    """Builds and caches the jitted functions for one model and its compile configuration.

    Args:
        model: the model (any `Model`).
        objectives: resolved losses/metrics (`Objectives`), or None for predict-only use.
        optimizer: a strata `Optimizer`, or None.
        trainable / non_trainable: the `Variable` lists whose values make up the state.
        x_treedef / y_treedef / sw_treedef: how flat data leaves rebuild the user's structures.
    """

    def __init__(self, model, objectives, optimizer, trainable, non_trainable, distribution=None):
        self.distribution = distribution
        self.model = model
        self.objectives = objectives
        self.optimizer = optimizer
        self.trainable = list(trainable)
        self.non_trainable = list(non_trainable)
        # Evaluation and prediction pass the non-trainable values from batch to batch only when
        # some layer carries state across calls (a stateful RNN); otherwise they are constants.
        carried = {v.uid for v in model.carried_state}
        self.carries_state = any(v.uid in carried for v in self.non_trainable)
        self.constraints = [getattr(v, "constraint", None) for v in self.trainable]
        self.trace_counts = {"train": 0, "test": 0, "predict": 0}
        self.single_step = jax.default_backend() == "cpu" and any(
            getattr(layer, "convolves", False) for layer in _all_layers(model)
        )
        self._jitted = {}

    # ---- placement on devices --------------------------------------------------------------------
    def state_shardings(self, state: dict):
        """Shardings for a training state: weights by the distribution, the rest replicated."""
        dist = self.distribution
        replicated = dist.replicated()
        params = [dist.variable_sharding(v) for v in self.trainable]
        shapes = [v.shape for v in self.trainable]

        def mirrors_params(node) -> bool:
            return (
                isinstance(node, list)
                and len(node) == len(shapes)
                and all(getattr(n, "shape", None) == s for n, s in zip(node, shapes))
            )

        def sharding_of(node):
            return list(params) if mirrors_params(node) else replicated

        shardings = {
            key: jax.tree_util.tree_map(lambda _: replicated, value) for key, value in state.items()
        }
        shardings["trainable"] = params
        shardings["non_trainable"] = [dist.variable_sharding(v) for v in self.non_trainable]
        if "optimizer" in state:
            shardings["optimizer"] = jax.tree_util.tree_map(
                sharding_of, state["optimizer"], is_leaf=mirrors_params
            )
        return shardings

    def place(self, state: dict) -> dict:
        """Put a state on the devices the distribution asks for (no-op without one)."""
        if self.distribution is None:
            return state
        return jax.device_put(state, self.state_shardings(state))

    def _pin(self, state: dict) -> dict:
        """Inside the step: keep the state's shardings fixed from call to call."""
        if self.distribution is None:
            return state
        return jax.lax.with_sharding_constraint(state, self.state_shardings(state))

    def _batch(self, x_def, data, idx, mask):
        """Gather one batch from the on-device data; split it across devices if distributed."""
        x_leaves, y_leaves, sw_leaves = data
        x = jax.tree_util.tree_unflatten(x_def, _gather(x_leaves, idx))
        y = _gather(y_leaves or [], idx)
        sw = [None if leaf is None else leaf[idx] for leaf in sw_leaves or []]
        if self.distribution is not None:
            sharding = self.distribution.batch_sharding()
            x, y, sw, mask = jax.lax.with_sharding_constraint((x, y, sw, mask), sharding)
        return x, y, sw, mask

    # ---- the model as a pure function ------------------------------------------------------------
    def forward(
        self, trainable, non_trainable, x, *, training, rng=None, mask=None, with_metrics=False
    ):
        """Run the model on values; return (outputs, new non-trainable values, added losses) and,
        `with_metrics`, the values layers passed to `add_metric` (``{name: [values]}``)."""
        bindings = list(zip(self.trainable, trainable)) + list(
            zip(self.non_trainable, non_trainable)
        )
        with StateScope(bindings, rng_key=rng, sample_mask=mask) as scope:
            outputs = self.model(x, training=training)
            new_non_trainable = [scope.lookup(v) for v in self.non_trainable]
            added = list(scope.losses)
        # Known while tracing: whether any layer drew random numbers in this forward pass.
        self.draws_random = scope._draws > 0
        if with_metrics:
            return outputs, new_non_trainable, added, dict(scope.metrics)
        return outputs, new_non_trainable, added

    def targets_as_lists(self, y, sample_weight) -> tuple[list, list]:
        """Targets and sample weights as the user gives them (one array, a list, or a dict by
        output name) as one entry per output."""
        names = self.objectives.output_names
        if isinstance(y, dict):
            y_list = [y[name] for name in names]
        elif isinstance(y, list | tuple):
            y_list = list(y)
        else:
            y_list = [] if y is None else [y]
        if sample_weight is None or not isinstance(sample_weight, list | tuple | dict):
            sw_list = [sample_weight] * len(y_list)
        elif isinstance(sample_weight, dict):
            sw_list = [sample_weight.get(name) for name in names]
        else:
            sw_list = list(sample_weight)
        return y_list, sw_list

    def _outputs_list(self, outputs) -> list:
        if isinstance(outputs, dict):
            return [outputs[name] for name in self.objectives.output_names]
        return jax.tree_util.tree_leaves(outputs)

    def compute_losses(self, y_true, y_pred, sample_weight, mask, added):
        """Total loss (weighted sum + added losses) and the unweighted per-output losses."""
        per_output = []
        total = jnp.zeros((), jnp.float32)
        for loss, weight, yt, yp, sw in zip(
            self.objectives.losses, self.objectives.loss_weights, y_true, y_pred, sample_weight
        ):
            if loss is None:
                per_output.append(None)
                continue
            value = loss(yt, yp, sw, mask=mask)
            per_output.append(value)
            total = total + weight * value.astype(jnp.float32)
        for extra in added:
            total = total + jnp.asarray(extra, jnp.float32)
        return total, per_output

    # ---- metrics --------------------------------------------------------------------------------
    def init_metrics(self) -> dict:
        state = {"loss": _mean_init()}
        for name in self.objectives.per_output_loss_names:
            state[name] = _mean_init()
        for names, group in zip(self.objectives.metric_log_names(), self._metric_groups()):
            for name, metric in zip(names, group):
                state[name] = metric.init()
        own = custom_steps.own_metric_state(self.model)
        if own is not None:
            state[custom_steps.OWN_METRICS] = own
        for name in added_metric_names(self.model):
            if name in state:
                raise ValueError(
                    f"add_metric: the name {name!r} is already a loss or compiled metric name of "
                    f"model '{self.model.name}'; give the added metric another name."
                )
            state[name] = _mean_init()
        return state

    def fresh_metrics(self) -> dict:
        """Zeroed metric state, placed like the rest of the training state.

        The initial values are computed once and kept on the host; each epoch then costs one
        transfer instead of one small device computation per metric variable.
        """
        if getattr(self, "_initial_metrics_host", None) is None:
            self._initial_metrics_host = jax.device_get(self.init_metrics())
        placement = None if self.distribution is None else self.distribution.replicated()
        return jax.device_put(self._initial_metrics_host, placement)

    def _metric_groups(self):
        return [
            list(m) + list(w)
            for m, w in zip(self.objectives.metrics, self.objectives.weighted_metrics)
        ]

    def update_metrics(
        self, state, total, per_output, y_true, y_pred, sample_weight, mask, added_metrics=None
    ):
        count = jnp.sum(mask)
        new = dict(state)
        for name, values in (added_metrics or {}).items():
            for value in values:
                new[name] = _added_metric_update(new[name], value, mask)
        new["loss"] = _mean_update(state["loss"], total, count)
        loss_names = iter(self.objectives.per_output_loss_names)
        if self.objectives.per_output_loss_names:
            for value in per_output:
                if value is not None:
                    name = next(loss_names)
                    new[name] = _mean_update(state[name], value, count)
        return self.update_compiled_metrics(new, y_true, y_pred, sample_weight, mask)

    def update_compiled_metrics(self, state, y_true, y_pred, sample_weight, mask):
        """The compiled metrics (not the loss trackers) updated with one batch."""
        new = dict(state)
        for names, plain, weighted, yt, yp, sw in zip(
            self.objectives.metric_log_names(),
            self.objectives.metrics,
            self.objectives.weighted_metrics,
            y_true,
            y_pred,
            sample_weight,
        ):
            weights = [mask] * len(plain) + [mask if sw is None else _times_mask(sw, mask)] * len(
                weighted
            )
            for name, metric, w in zip(names, list(plain) + list(weighted), weights):
                new[name] = metric.update(state[name], yt, yp, w)
        return new

    def metric_results(self, state) -> dict:
        results = {"loss": _mean_result(state["loss"])}
        for name in self.objectives.per_output_loss_names:
            results[name] = _mean_result(state[name])
        for names, group in zip(self.objectives.metric_log_names(), self._metric_groups()):
            for name, metric in zip(names, group):
                results[name] = metric.result_of(state[name])
        for name in added_metric_names(self.model):
            results[name] = _mean_result(state[name])
        return results

    # ---- compiled chunks ------------------------------------------------------------------------
    def _cached(self, kind, x_def, fn, donate):
        key = (kind, x_def, self.eager)
        if key not in self._jitted:

            def bound(*args):
                return fn(x_def, *args)

            # Eagerly (``run_eagerly`` / ``jit_compile=False``), the same function runs op by op.
            self._jitted[key] = bound if self.eager else jax.jit(bound, donate_argnums=donate)
        return self._jitted[key]

    def loop(self, n_steps, body, carry):
        """``fori_loop`` over steps; a Python loop when running eagerly (layers then see
        concrete arrays, not tracers)."""
        if not self.eager:
            return jax.lax.fori_loop(0, n_steps, body, carry)
        for i in range(int(n_steps)):
            carry = body(i, carry)
        return carry

    def train_chunk(self, x_def, whole_epochs=False):
        """``(state, data, indices, masks, start, n_steps) -> (state, logs)``, compiled.

        Normally one compiled call runs all `n_steps` in a loop. XLA's CPU backend, however, runs
        the gradient of a convolution tens of times slower inside a loop than outside one
        (jax-ml/jax#12868), so on the CPU a model with convolutions runs one compiled step per
        call instead; the numbers are the same either way.

        With `whole_epochs` every call runs all rows of `indices` (`start` and `n_steps` must be
        0 and their number) in a loop of known length. On a GPU that matters: a loop whose length
        is a traced value reads its condition back to the host after every step, which made
        an MLP epoch 20% slower than a loop of known length on an H200.
        """
        if whole_epochs and not self.single_step:
            return self._cached("train_epoch", x_def, self._train_whole, (0,))
        jitted = self._cached("train", x_def, self._train_chunk, (0,))
        if not self.single_step or self.eager:
            return jitted

        def step_by_step(state, data, indices, masks, start, n_steps):
            for i in range(int(n_steps)):
                state, logs = jitted(state, data, indices, masks, start + i, 1)
            return state, logs

        return step_by_step

    def _train_chunk(self, x_def, state, data, indices, masks, start, n_steps):
        self.trace_counts["train"] += 1
        if custom_steps.overrides(self.model, "train_step"):
            return custom_steps.run_train_chunk(
                self, x_def, state, data, indices, masks, start, n_steps
            )

        def body(i, state):
            row = start + i
            x, y, sw, mask = self._batch(x_def, data, indices[row], masks[row])
            trainable, non_trainable, optimizer, metrics, _ = self.train_batch(
                state["trainable"],
                state["non_trainable"],
                state["optimizer"],
                state["metrics"],
                (x, y, sw, mask),
                state["rng"],
            )
            # Layers draw keys as fold_in(step key, n) with n >= 1; the next step's key is
            # fold_in(step key, 0). A model without randomness emits no random-number code.
            rng = jax.random.fold_in(state["rng"], 0) if self.draws_random else state["rng"]
            return {
                "trainable": trainable,
                "non_trainable": non_trainable,
                "optimizer": optimizer,
                "metrics": metrics,
                "rng": rng,
            }

        if self.single_step and not self.eager:
            state = self._pin(body(0, self._pin(state)))
        else:
            state = self._pin(self.loop(n_steps, body, self._pin(state)))
        return state, self.metric_results(state["metrics"])

    def train_batch(self, trainable, non_trainable, optimizer, metrics, batch, rng):
        """One training step on one batch: ``(trainable, non_trainable, optimizer, metrics,
        y_pred)`` after it. `batch` is ``(x, y_list, sample_weight_list, mask)``."""
        x, y, sw, mask = batch

        def loss_fn(trainable, non_trainable):
            outputs, new_nt, added, added_metrics = self.forward(
                trainable, non_trainable, x, training=True, rng=rng, mask=mask, with_metrics=True
            )
            y_pred = _in_float32(self._outputs_list(outputs))
            total, per_output = self.compute_losses(y, y_pred, sw, mask, added)
            scale = self.optimizer.loss_scale_of(optimizer)
            # Mixed float16: differentiate the scaled loss; the optimizer unscales the gradients.
            scaled = total if scale is None else total * scale
            return scaled, (total, y_pred, per_output, new_nt, added_metrics)

        (_, (total, y_pred, per_output, new_nt, added_metrics)), grads = jax.value_and_grad(
            loss_fn, has_aux=True
        )(trainable, non_trainable)
        new_params, new_opt = self.optimizer.step(grads, optimizer, trainable, self.decay_mask)
        new_params = [
            value if constraint is None else constraint(value)
            for value, constraint in zip(new_params, self.constraints)
        ]
        new_metrics = self.update_metrics(
            metrics, total, per_output, y, y_pred, sw, mask, added_metrics
        )
        return new_params, new_nt, new_opt, new_metrics, y_pred

    def test_batch(self, trainable, non_trainable, metrics, batch):
        """One evaluation step: ``(metrics, non_trainable)`` after it."""
        x, y, sw, mask = batch
        outputs, new_nt, added, added_metrics = self.forward(
            trainable, non_trainable, x, training=False, mask=mask, with_metrics=True
        )
        y_pred = _in_float32(self._outputs_list(outputs))
        total, per_output = self.compute_losses(y, y_pred, sw, mask, added)
        metrics = self.update_metrics(
            metrics, total, per_output, y, y_pred, sw, mask, added_metrics
        )
        return metrics, new_nt

    def train_epochs(self, x_def):
        """``(state, data, indices, masks, n_epochs) -> (state, logs per epoch)``, compiled.

        Runs whole epochs in one call (metrics reset at the start of each), for models whose
        epoch takes less time than a round trip to the host. `indices` and `masks` hold one
        epoch per row, ``(epochs, steps, batch)``; rows from `n_epochs` on are not run.
        """
        return self._cached("epochs", x_def, self._train_epochs, (0,))

    def _train_epochs(self, x_def, state, data, indices, masks, n_epochs):
        fresh = self.init_metrics()
        shapes = jax.eval_shape(self.metric_results, fresh)
        buffer = jax.tree_util.tree_map(
            lambda s: jnp.zeros((indices.shape[0], *s.shape), s.dtype), shapes
        )

        def one_epoch(epoch, carry):
            state, buffer = carry
            state = {**state, "metrics": fresh}
            state, logs = self._train_chunk(
                x_def, state, data, indices[epoch], masks[epoch], 0, indices.shape[1]
            )
            buffer = jax.tree_util.tree_map(lambda b, v: b.at[epoch].set(v), buffer, logs)
            return state, buffer

        return jax.lax.fori_loop(0, n_epochs, one_epoch, (state, buffer))

    def _train_whole(self, x_def, state, data, indices, masks, start, n_steps):
        return self._train_chunk(x_def, state, data, indices, masks, 0, indices.shape[0])

    def test_chunk(self, x_def, whole=False):
        """Jitted ``(trainable, non_trainable, metrics, data, indices, masks, start, n_steps)
        -> (metrics, logs, non_trainable)``; with `whole`, all rows of `indices` in a loop of
        known length (see `train_chunk`)."""
        if whole:
            return self._cached("test_all", x_def, self._test_whole, (2,))
        return self._cached("test", x_def, self._test_chunk, (2,))

    def _test_whole(self, x_def, trainable, non_trainable, metrics, data, indices, masks, start, n):
        return self._test_chunk(
            x_def, trainable, non_trainable, metrics, data, indices, masks, 0, indices.shape[0]
        )

    def _test_chunk(
        self, x_def, trainable, non_trainable, metrics, data, indices, masks, start, n_steps
    ):
        self.trace_counts["test"] += 1
        if custom_steps.overrides(self.model, "test_step"):
            metrics, logs = custom_steps.run_test_chunk(
                self, x_def, trainable, non_trainable, metrics, data, indices, masks, start, n_steps
            )
            return metrics, logs, non_trainable

        def body(i, carry):
            metrics, non_trainable = carry
            row = start + i
            batch = self._batch(x_def, data, indices[row], masks[row])
            metrics, new_nt = self.test_batch(trainable, non_trainable, metrics, batch)
            return metrics, new_nt if self.carries_state else non_trainable

        metrics, non_trainable = self.loop(n_steps, body, (metrics, non_trainable))
        return metrics, self.metric_results(metrics), non_trainable

    def predict_chunk(self, x_def):
        """Jitted ``(trainable, non_trainable, x_leaves, indices, n_real) -> (outputs per batch,
        non_trainable)``; rows of `indices` from `n_real` on are padding."""
        return self._cached("predict", x_def, self._predict_chunk, ())

    def _predict_chunk(self, x_def, trainable, non_trainable, x_leaves, indices, n_real):
        self.trace_counts["predict"] += 1

        def outputs_and_state(non_trainable, idx):
            x, _, _, _ = self._batch(
                x_def, (x_leaves, [], []), idx, jnp.ones(idx.shape, jnp.float32)
            )
            if custom_steps.overrides(self.model, "predict_step"):
                return custom_steps.run_predict_step(self, trainable, non_trainable, x)
            outputs, new_nt, _ = self.forward(trainable, non_trainable, x, training=False)
            return outputs, new_nt

        if self.eager:
            outputs = []
            for idx in indices:
                out, non_trainable = outputs_and_state(non_trainable, idx)
                outputs.append(out)
            return jax.tree_util.tree_map(lambda *o: jnp.stack(o), *outputs), non_trainable
        if not self.carries_state:
            outputs = jax.lax.map(lambda idx: outputs_and_state(non_trainable, idx)[0], indices)
            return outputs, non_trainable

        def one_batch(non_trainable, row):
            outputs, new_nt = outputs_and_state(non_trainable, indices[row])
            # Padding batches (rounding the chunk up) must not advance the carried state.
            real = row < n_real
            kept = [jnp.where(real, new, old) for new, old in zip(new_nt, non_trainable)]
            return kept, outputs

        rows = jnp.arange(indices.shape[0])
        non_trainable, outputs = jax.lax.scan(one_batch, non_trainable, rows)
        return outputs, non_trainable

    decay_mask = None
    draws_random = False

    @property
    def eager(self) -> bool:
        """Whether the model asks for eager steps (``run_eagerly`` / ``jit_compile=False``),
        read at each call so setting ``model.run_eagerly`` after `compile` takes effect."""
        return bool(getattr(self.model, "_eager", False))


def _all_layers(layer):
    """`layer` and every layer nested in it."""
    yield layer
    for sublayer in layer._sublayers:
        yield from _all_layers(sublayer)


def added_metric_names(model) -> list[str]:
    """Names given to `Layer.add_metric` by `model` and its layers, in order of first use."""
    names = {}
    for layer in _all_layers(model):
        names.update(dict.fromkeys(getattr(layer, "_added_metric_names", ())))
    return list(names)


def _added_metric_update(state, value, mask):
    """A Mean of `add_metric` values, as tf.keras 2 keeps it: a per-sample value (leading axis
    the batch) counts its real samples; any other value counts once per batch."""
    value = jnp.asarray(value, jnp.float32)
    if value.ndim and value.shape[0] == mask.shape[0]:
        per_sample = value.reshape(value.shape[0], -1).mean(axis=1)
        return {
            "total": state["total"] + jnp.sum(per_sample * mask),
            "count": state["count"] + jnp.sum(mask),
        }
    return _mean_update(state, jnp.mean(value), 1.0)


def _in_float32(predictions):
    """Losses and metrics are computed in float32 even when a model computes in 16 bits (the
    predictions keep the masks they carry)."""
    converted = []
    for p in predictions:
        if jnp.issubdtype(p.dtype, jnp.floating) and p.dtype != jnp.float32:
            wide = p.astype(jnp.float32)
            carried_masks.attach(wide, carried_masks.mask_of(p))
            p = wide
        converted.append(p)
    return converted


def _times_mask(sample_weight, mask):
    weight = jnp.asarray(sample_weight, jnp.float32)
    m = mask
    while m.ndim < weight.ndim:
        m = m[..., None]
    return weight * m


def _mean_init():
    return {"total": jnp.zeros((), jnp.float32), "count": jnp.zeros((), jnp.float32)}


def _mean_update(state, value, count):
    return {
        "total": state["total"] + jnp.asarray(value, jnp.float32) * count,
        "count": state["count"] + count,
    }


def _mean_result(state):
    return state["total"] / jnp.maximum(state["count"], 1.0)
