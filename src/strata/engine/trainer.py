"""`Trainer`: `compile`, `fit`, `evaluate` and the `*_on_batch` methods of `Model`.

`fit` reads as its story: check the arguments, adapt the data into feeds (`model_data`), resolve
losses and metrics on the first batch, set up callbacks, and hand the epochs to `TrainLoop`.
Evaluation runs through `test_loop` (shared with `fit`'s validation) and prediction through
`predict`; the state <-> variable copying lives in `state_sync`.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp

from strata import distribution as distribution_lib
from strata import optimizers as strata_optimizers
from strata.callbacks.history import History
from strata.engine import data as data_lib
from strata.engine import feeds, state_sync
from strata.engine.chunk_policy import ChunkPolicy
from strata.engine.logs import ordered, to_floats
from strata.engine.model_data import ModelData
from strata.engine.objectives import build_objectives
from strata.engine.predict import Predictor, check_verbose
from strata.engine.steps import StepFunctions
from strata.engine.test_loop import run_test_loop
from strata.engine.train_loop import TrainLoop


class Trainer(ModelData, Predictor):
    """The training API mixed into `Model`."""

    def __init__(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
        self.run_eagerly = False
        self.jit_compile = True
        self._compile_config = None
        self._objectives = None
        self._steps = None
        self._steps_key = None

    # ---- compile -----------------------------------------------------------------------------------
    def compile(
        self,
        optimizer="rmsprop",
        loss=None,
        loss_weights=None,
        metrics=None,
        weighted_metrics=None,
        run_eagerly=False,
        steps_per_execution=None,
        jit_compile="auto",
        auto_scale_loss=True,
    ):
        """Configure training.

        Args:
            optimizer: name (``"adam"``) or `Optimizer` instance.
            loss: name, function, `Loss`, or one per output (list, or dict by output name).
                May be left out when the model's loss comes only from `add_loss`.
            loss_weights: float, list or dict scaling each output's loss in the total.
            metrics: names, functions or `Metric` objects; per output as a list of lists or dict.
            weighted_metrics: like `metrics`, but weighted by `sample_weight`.
            run_eagerly: run every step op by op on concrete arrays (slow; for debugging with
                `print` or a debugger inside `call`).
            steps_per_execution: fix the number of steps per compiled call (default: automatic).
            jit_compile: "auto" or True compiles the steps with XLA; False runs them eagerly,
                as Keras's JAX backend does.
            auto_scale_loss: under the "mixed_float16" policy, wrap the optimizer in a
                `LossScaleOptimizer`, as Keras does.

        Example:
            >>> import strata
            >>> x = strata.Input(shape=(2,))
            >>> model = strata.Model(x, strata.layers.Dense(1)(x))
            >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
            >>> model.compiled
            True
        """
        if steps_per_execution is not None and (
            isinstance(steps_per_execution, bool)
            or not isinstance(steps_per_execution, int)
            or steps_per_execution < 1
        ):
            raise ValueError(
                "compile: `steps_per_execution` must be a positive int; received "
                f"{steps_per_execution!r}."
            )
        if not isinstance(run_eagerly, bool):
            raise ValueError(f"compile: `run_eagerly` must be a bool; received {run_eagerly!r}.")
        if jit_compile not in ("auto", True, False):
            raise ValueError(
                f"compile: `jit_compile` must be 'auto', True or False; received {jit_compile!r}."
            )
        if not isinstance(auto_scale_loss, bool):
            raise ValueError(
                f"compile: `auto_scale_loss` must be a bool; received {auto_scale_loss!r}."
            )
        if jit_compile is True and run_eagerly:
            warnings.warn(
                "compile: `run_eagerly=True` and `jit_compile=True` together: the steps run "
                "eagerly (jit_compile is turned off), as in Keras.",
                UserWarning,
                stacklevel=2,
            )
        self.optimizer = _scaled_if_mixed_float16(
            self, strata_optimizers.get(optimizer), auto_scale_loss
        )
        # Resolve names now so typos fail at compile, not at the first batch.
        _validate_identifiers(loss, "loss")
        _validate_identifiers(metrics, "metric")
        _validate_identifiers(weighted_metrics, "metric")
        self.run_eagerly = run_eagerly
        self.jit_compile = jit_compile is not False and not run_eagerly
        self._compile_config = {
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
            "steps_per_execution": steps_per_execution,
        }
        self._objectives = None
        self._steps = None
        self._steps_key = None
        self.compiled = True

    @property
    def _eager(self) -> bool:
        """Steps run op by op in Python (``run_eagerly=True`` or ``jit_compile=False``)."""
        return bool(self.__dict__.get("run_eagerly")) or self.__dict__.get("jit_compile") is False

    def _require_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using `{method}()` on model '{self.name}'."
            )

    def _ensure_objectives(self, x_structure, y_list) -> None:
        if self._objectives is not None:
            return
        rows = self._fixed_batch_size() or 2
        sample = jax.tree_util.tree_map(
            lambda a: jax.ShapeDtypeStruct((rows, *a.shape[1:]), a.dtype), x_structure
        )
        outputs = jax.eval_shape(self._predict_outputs_for_shape, sample)
        out_leaves = (
            [outputs[n] for n in self._output_names()]
            if isinstance(outputs, dict)
            else jax.tree_util.tree_leaves(outputs)
        )
        names = self._output_names() or [f"output_{i}" for i in range(len(out_leaves))]
        if y_list is not None and len(y_list) != len(out_leaves):
            raise ValueError(
                f"Model '{self.name}' produces {len(out_leaves)} output(s) but received "
                f"{len(y_list)} target array(s)."
            )
        y_shapes = (
            [tuple(y.shape) for y in y_list]
            if y_list is not None
            else [o.shape for o in out_leaves]
        )
        self._objectives = build_objectives(
            self._compile_config, names, y_shapes, [tuple(o.shape) for o in out_leaves]
        )

    def _predict_outputs_for_shape(self, sample):
        return self(sample, training=False)

    def _step_functions(self) -> StepFunctions:
        trainable = self.trainable_weights
        non_trainable = state_sync.with_carried_state(self, self.non_trainable_weights)
        dist = distribution_lib.distribution()
        key = (
            tuple(v.uid for v in trainable),
            tuple(v.uid for v in non_trainable),
            id(self._objectives),
            id(dist),
        )
        if self._steps is None or self._steps_key != key:
            self._steps = StepFunctions(
                self, self._objectives, self.optimizer, trainable, non_trainable, dist
            )
            self._steps_key = key
            if self.optimizer is not None:
                if self.optimizer.state is None or [v.uid for v in self.optimizer._variables] != [
                    v.uid for v in trainable
                ]:
                    self.optimizer.build(trainable)
                self._steps.decay_mask = self.optimizer._decay_mask(trainable)
        return self._steps

    @property
    def trace_counts(self) -> dict:
        """How many times each compiled function was traced (for tests and diagnostics)."""
        return dict(self._steps.trace_counts) if self._steps is not None else {}

    def _metrics_order(self, logs: dict) -> list[float]:
        """Keras's evaluate() order: loss, per-output losses, then the rest sorted by name."""
        head = ["loss", *self._objectives.per_output_loss_names]
        rest = sorted(k for k in logs if k not in head)
        return [logs[k] for k in head + rest if k in logs]

    def _batch_result(self, logs, return_dict):
        if return_dict:
            return logs
        ordered = self._metrics_order(logs)
        return ordered[0] if len(ordered) == 1 else ordered

    # ---- fit ------------------------------------------------------------------------------------------
    def fit(
        self,
        x=None,
        y=None,
        batch_size=None,
        epochs=1,
        verbose="auto",
        callbacks=None,
        validation_split=0.0,
        validation_data=None,
        shuffle=True,
        class_weight=None,
        sample_weight=None,
        initial_epoch=0,
        steps_per_epoch=None,
        validation_steps=None,
        validation_batch_size=None,
        validation_freq=1,
    ):
        """Train for `epochs` epochs; returns a `History`.

        With `steps_per_epoch`, an epoch runs that many batches and the next epoch goes on
        where it stopped (a new shuffled pass over arrays starts once one is used up), as Keras.

        Example:
            >>> import strata
            >>> x = strata.Input(shape=(1,))
            >>> model = strata.Model(x, strata.layers.Dense(1)(x))
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> model.fit([1, 2, 3], [2, 4, 6], epochs=2, verbose=0).epoch
            [0, 1]
        """
        self._require_compiled("fit")
        data_lib.check_batch_args(batch_size, epochs)
        batch_size = self._batch_size_for("fit", batch_size)
        validation_batch_size = self._batch_size_for("fit", validation_batch_size)
        check_verbose(verbose)
        self._check_steps(
            "fit",
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_batch_size=validation_batch_size,
        )
        _check_validation_freq(validation_freq)
        if (
            isinstance(initial_epoch, bool)
            or not isinstance(initial_epoch, int)
            or initial_epoch < 0
        ):
            raise ValueError(
                f"`initial_epoch` must be a non-negative int; received {initial_epoch!r}."
            )
        if x is None:
            raise ValueError("fit: `x` is required.")
        if y is None and self._compile_config["loss"] is not None and not feeds.is_batch_source(x):
            raise ValueError(
                f"fit: model '{self.name}' was compiled with a loss, so `y` (the targets) is "
                "required."
            )
        user = self._callback_list(callbacks, 0)
        every_batch = "train" in user.batch_hook_kinds() or self._eager
        feed, val_feed, shuffle = self._fit_feeds(
            x,
            y,
            sample_weight,
            class_weight,
            batch_size=batch_size,
            steps_per_epoch=steps_per_epoch,
            shuffle=shuffle,
            every_batch=every_batch,
            validation_split=validation_split,
            validation_data=validation_data,
            validation_batch_size=validation_batch_size,
            validation_steps=validation_steps,
        )
        self._ensure_objectives(*feed.first_structures())
        steps_fn = self._step_functions()
        history = History()
        callback_list = self._callback_list(
            [*user.callbacks, history], verbose, epochs=epochs, steps=feed.steps
        )
        fixed = self._compile_config["steps_per_execution"]
        policy = ChunkPolicy(
            every_batch=every_batch, fixed=fixed, progress_bar=verbose in (1, "auto")
        )
        TrainLoop(self, steps_fn, feed, val_feed, callback_list, policy).run(
            epochs=epochs,
            initial_epoch=initial_epoch,
            shuffle=shuffle,
            validation_freq=validation_freq,
            quiet=verbose == 0 and not user.callbacks and val_feed is None and not fixed,
        )
        history.params = dict(callback_list.params)
        self.history = history
        return history

    # ---- evaluate -----------------------------------------------------------------------------------
    def evaluate(
        self,
        x=None,
        y=None,
        batch_size=None,
        verbose="auto",
        sample_weight=None,
        steps=None,
        callbacks=None,
        return_dict=False,
    ):
        """Loss and metrics on the data: a float (loss only), a list, or a dict (`return_dict`)."""
        self._require_compiled("evaluate")
        data_lib.check_batch_args(batch_size)
        batch_size = self._batch_size_for("evaluate", batch_size)
        check_verbose(verbose)
        self._check_steps("evaluate", steps=steps)
        if x is None:
            raise ValueError("evaluate: `x` is required.")
        if feeds.is_batch_source(x):
            if y is not None or sample_weight is not None:
                raise ValueError(
                    "evaluate: when `x` is a generator, iterator or PyDataset it must yield "
                    "(x, y) batches; do not pass `y` or `sample_weight`."
                )
            feed = self._stream_feed(x, steps, group=8)
        else:
            feed = self._array_feed(x, y, sample_weight, batch_size, steps=steps)
        callback_list = self._callback_list(callbacks, verbose, steps=feed.steps)
        try:
            self._ensure_objectives(*feed.first_structures())
            logs = run_test_loop(self._step_functions(), feed, callback_list)
        finally:
            feed.close()
        return self._batch_result(logs, return_dict)

    # ---- one batch at a time ------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on this batch; returns this batch's loss (and metrics), as Keras 3."""
        self._require_compiled("train_on_batch")
        x_structure, y_list, sw_list, count = self._prepare(x, y, sample_weight, class_weight)
        self._ensure_objectives(x_structure, y_list)
        steps_fn = self._step_functions()
        state = state_sync.initial_train_state(self, steps_fn)
        x_leaves, x_def = jax.tree_util.tree_flatten(x_structure)
        indices = jnp.arange(count, dtype=jnp.int32)[None, :]
        masks = jnp.ones((1, count), jnp.float32)
        state, device_logs = steps_fn.train_chunk(x_def)(
            state, (x_leaves, y_list or [], sw_list), indices, masks, 0, 1
        )
        state_sync.write_back(self, steps_fn, state)
        return self._batch_result(ordered(to_floats(device_logs)), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on one batch (no update)."""
        self._require_compiled("test_on_batch")
        x_structure, y_list, sw_list, count = self._prepare(x, y, sample_weight)
        feed = feeds.ArrayFeed(x_structure, y_list, sw_list, count)
        self._ensure_objectives(*feed.first_structures())
        logs = run_test_loop(self._step_functions(), feed, self._callback_list(None, 0))
        return self._batch_result(logs, return_dict)

    @property
    def metrics_names(self) -> list[str]:
        if self._objectives is None:
            return []
        return ["loss", "compile_metrics", *self._objectives.per_output_loss_names]


def _validate_identifiers(value, kind):
    """Resolve every string in a compile argument once, so unknown names fail at compile."""
    from strata import losses as strata_losses
    from strata import metrics as strata_metrics

    for leaf in jax.tree_util.tree_leaves(value):
        if not isinstance(leaf, str):
            continue
        if kind == "loss" and leaf.lower() not in ("crossentropy", "ce"):
            strata_losses.get(leaf)
        if kind == "metric" and leaf.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
            strata_metrics.get(leaf)


def _check_validation_freq(freq) -> None:
    if isinstance(freq, bool) or not (
        (isinstance(freq, int) and freq >= 1)
        or (isinstance(freq, list | tuple) and all(isinstance(f, int) for f in freq))
    ):
        raise ValueError(
            "fit: `validation_freq` must be a positive int (validate every N epochs) or a list "
            f"of epoch numbers (1-based); received {freq!r}."
        )


def _scaled_if_mixed_float16(model, optimizer, auto_scale_loss: bool):
    """As Keras: under "mixed_float16" the optimizer is wrapped in a `LossScaleOptimizer`."""
    from strata.optimizers.loss_scale_optimizer import LossScaleOptimizer

    if (
        auto_scale_loss
        and model.dtype_policy.name == "mixed_float16"
        and optimizer is not None
        and not isinstance(optimizer, LossScaleOptimizer)
    ):
        return LossScaleOptimizer(optimizer, name="loss_scale_optimizer")
    return optimizer
