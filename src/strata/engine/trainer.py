"""`Trainer`: `compile`, `fit`, `evaluate`, `predict` and the `*_on_batch` methods of `Model`.

The host side is kept thin: data is checked and moved to the device once per call, each epoch's
sample order is one small index array, and compiled chunks of steps run back to back. The host
reads logs once per chunk, and chunks are as long as the callbacks allow (see `_plan_chunks`).
"""

from __future__ import annotations

import math
import time

import jax
import jax.numpy as jnp
import numpy as np

from strata import config
from strata import distribution as distribution_lib
from strata import optimizers as strata_optimizers
from strata import random as strata_random
from strata.callbacks.callback_list import CallbackList
from strata.callbacks.history import History
from strata.callbacks.progbar_logger import ProgbarLogger
from strata.engine import data as data_lib
from strata.engine import feeds, fused_epochs
from strata.engine.objectives import build_objectives
from strata.engine.steps import StepFunctions
from strata.layers.layer import STRUCTURE

# Aim for the host to hear from the device about this often when a progress bar is shown.
_PROGRESS_INTERVAL_S = 0.1


class Trainer:
    """The training API mixed into `Model`."""

    def __init__(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None
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
            loss_weights: float, list or dict scaling each output's loss in the total.
            metrics: names, functions or `Metric` objects; per output as a list of lists or dict.
            weighted_metrics: like `metrics`, but weighted by `sample_weight`.
            steps_per_execution: fix the number of steps per compiled call (default: automatic).

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
        self.optimizer = strata_optimizers.get(optimizer)
        # Resolve names now so typos fail at compile, not at the first batch.
        _validate_identifiers(loss, "loss")
        _validate_identifiers(metrics, "metric")
        _validate_identifiers(weighted_metrics, "metric")
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

    def _require_compiled(self, method: str) -> None:
        if not self.compiled:
            raise ValueError(
                f"You must call `compile()` before using `{method}()` on model '{self.name}'."
            )

    # ---- data ---------------------------------------------------------------------------------------
    def _adapt_x(self, x, what="x", structure=None):
        if structure is None:
            x = self._columns_by_input_name(x, what)
            structure = data_lib.to_structure(x, what)
        if structure is None:
            raise ValueError(f"`{what}` is required; received None.")
        flatten = getattr(self, "flatten_inputs", None)
        if flatten is not None and self.built:
            arrays = flatten(structure)
            from strata.models.functional import input_rank_fix

            adjusted = []
            for tensor, array in zip(self._flat_inputs, arrays):
                input_rank_fix(self.name, tensor, array.shape, dataset=True)
                dtype = np.dtype(tensor.dtype) if tensor.dtype != "bfloat16" else np.float32
                adjusted.append(array.astype(dtype) if array.dtype != dtype else array)
            return adjusted
        return structure

    def _columns_by_input_name(self, x, what):
        """A DataFrame for a model with several named inputs: one column (or more) per input."""
        if not data_lib.is_dataframe(x) or not self.built:
            return x
        names = getattr(self, "input_names", None) or []
        if len(names) < 2:
            return x
        missing = [n for n in names if n not in x.columns]
        if missing:
            raise ValueError(
                f"`{what}` is a DataFrame with columns {list(x.columns)}, but model "
                f"'{self.name}' has inputs {names}; no column for {missing}. Name the columns "
                "after the inputs, or pass a dict or list of arrays."
            )
        return {name: x[name].to_numpy() for name in names}

    def _adapt_y(self, y, what="y"):
        structure = data_lib.to_structure(y, what)
        if structure is None:
            return None
        names = self._output_names()
        if isinstance(structure, dict):
            if names is None:
                return [structure[k] for k in sorted(structure)]
            unknown = sorted(set(structure) - set(names))
            missing = [n for n in names if n not in structure]
            if unknown or missing:
                raise ValueError(
                    f"Model '{self.name}' has outputs {names}; the `{what}` dict "
                    + (f"lacks {missing}" if missing else "")
                    + (" and " if missing and unknown else "")
                    + (f"has unknown key(s) {unknown}" if unknown else "")
                    + ". Key targets by output name."
                )
            return [structure[n] for n in names]
        if isinstance(structure, list):
            if names is not None and len(structure) != len(names):
                raise ValueError(
                    f"Model '{self.name}' has {len(names)} output(s) {names}, but `{what}` holds "
                    f"{len(structure)} arrays. Pass one target array per output."
                )
            return structure
        if names is not None and len(names) > 1:
            raise ValueError(
                f"Model '{self.name}' has {len(names)} outputs {names}, but `{what}` is a single "
                "array. Pass a list of target arrays (one per output) or a dict keyed by output "
                "name."
            )
        return [structure]

    def _adapt_sample_weight(self, sample_weight, count_outputs):
        if sample_weight is None:
            return [None] * count_outputs
        structure = data_lib.to_structure(sample_weight, "sample_weight")
        if isinstance(structure, dict):
            names = self._output_names()
            return [structure.get(n) for n in names]
        if isinstance(structure, list):
            if len(structure) != count_outputs:
                raise ValueError(
                    f"`sample_weight` holds {len(structure)} arrays but the model has "
                    f"{count_outputs} output(s)."
                )
            return structure
        return [structure] * count_outputs

    def _output_names(self):
        return list(self.output_names) if hasattr(self, "output_names") and self.built else None

    def _ensure_built(self, x_structure) -> None:
        """Build the model (and, for subclassed models, every sublayer) on one real sample."""
        if self.built and getattr(self, "_graph_nodes", None) is not None:
            return
        sample = jax.tree_util.tree_map(lambda a: a[:1], x_structure)
        self(sample)
        self.built = True

    def _prepare(self, x, y, sample_weight, class_weight=None):
        """Checked arrays for (x, y, sample_weight) and the number of samples."""
        x_structure = self._adapt_x(x)
        if not self.built:
            self._ensure_built(x_structure)
            x_structure = self._adapt_x(x)
        y_list = self._adapt_y(y) if y is not None else None
        count_out = len(y_list) if y_list is not None else 0
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError(
                    "You cannot use `class_weight` and `sample_weight` at the same time."
                )
            if y_list is None or len(y_list) != 1:
                raise ValueError(
                    "`class_weight` is only supported for models with a single output."
                )
            sample_weight = data_lib.class_weights_to_sample_weights(y_list[0], class_weight)
        sw_list = self._adapt_sample_weight(sample_weight, count_out)
        count = data_lib.num_samples({"x": x_structure, "y": y_list, "sample_weight": sw_list})
        return x_structure, y_list, sw_list, count

    def _fixed_batch_size(self) -> int | None:
        """The batch size the model's inputs fix (``Input(batch_shape=(32, ...))``), if any."""
        sizes = {t.shape[0] for t in getattr(self, "_flat_inputs", None) or () if t.shape}
        return sizes.pop() if len(sizes) == 1 and None not in sizes else None

    def _batch_size_for(self, method: str, batch_size):
        """`batch_size` checked against a batch size the inputs fix, which is the default."""
        fixed = self._fixed_batch_size()
        if fixed is None or batch_size is None:
            return batch_size if fixed is None else fixed
        if batch_size != fixed:
            raise ValueError(
                f"{method}: model '{self.name}' has inputs with a fixed batch size of {fixed} "
                f"(e.g. from `Input(batch_shape=...)`), but batch_size={batch_size} was given. "
                f"Pass batch_size={fixed}, or leave it out."
            )
        return batch_size

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
        non_trainable = _with_carried_state(self, self.non_trainable_weights)
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
        _check_verbose(verbose)
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
        fixed_k = self._compile_config["steps_per_execution"]
        user_callbacks = CallbackList(list(callbacks or []))
        batch_hooks = user_callbacks.uses_batch_hooks()
        val_feed = None
        if feeds.is_batch_source(x):
            if y is not None or sample_weight is not None or validation_split:
                raise ValueError(
                    "fit: when `x` is a generator, iterator or PyDataset it must yield (x, y) or "
                    "(x, y, sample_weight) batches; do not pass `y`, `sample_weight` or "
                    "`validation_split`."
                )
            group = 1 if batch_hooks else (fixed_k or 8)
            feed = self._stream_feed(x, steps_per_epoch, group, class_weight)
            shuffle = False
        else:
            x_structure, y_list, sw_list, count = self._prepare(x, y, sample_weight, class_weight)
            if validation_split and validation_data is None:
                train, val = data_lib.split_validation(
                    {"x": x_structure, "y": y_list, "sw": sw_list}, validation_split, count
                )
                x_structure, y_list, sw_list = train["x"], train["y"], train["sw"]
                count = int(jax.tree_util.tree_leaves(x_structure)[0].shape[0])
                val_feed = feeds.ArrayFeed(
                    val["x"], val["y"], val["sw"], validation_batch_size or batch_size or 32
                )
            if batch_size is None:
                batch_size = math.ceil(count / steps_per_epoch) if steps_per_epoch else 32
            if shuffle is True and (self._objectives is None or self.optimizer.state is None):
                # Keras 3 draws one permutation from NumPy's global generator while it peeks at
                # the first batch to build its metrics and optimizer. Drawing it too keeps a
                # seeded script's batches, and so its training curve, identical to Keras's.
                np.random.permutation(count)
            if feeds.data_bytes(x_structure, y_list, sw_list) > config.max_device_data_bytes():
                # Too big to keep on the device: stream it, a prefetched group of batches at a time.
                group = 1 if batch_hooks else (fixed_k or 8)
                source = feeds.ArrayBatches(x_structure, y_list, sw_list, batch_size, shuffle)
                feed = feeds.StreamFeed(source, _identity_batch, steps=len(source), group=group)
            else:
                feed = feeds.ArrayFeed(x_structure, y_list, sw_list, batch_size)
        self._ensure_objectives(*feed.first_structures())
        if validation_data is not None:
            val_feed = self._validation_feed(
                validation_data, validation_batch_size or batch_size, validation_steps
            )
        steps_fn = self._step_functions()

        history = History()
        callback_list = CallbackList([*user_callbacks.callbacks, history])
        if verbose != 0:
            callback_list.append(ProgbarLogger())
        callback_list.set_model(self)
        params = {"verbose": verbose, "epochs": epochs, "steps": feed.steps}
        callback_list.set_params(params)
        # Without a progress bar, batch hooks or a fixed `steps_per_execution`, every call runs a
        # whole epoch of in-memory data: a loop of known length (see `train_chunk`).
        whole_epochs = (
            isinstance(feed, feeds.ArrayFeed)
            and not batch_hooks
            and fixed_k is None
            and verbose not in (1, "auto")
        )
        train_chunk = steps_fn.train_chunk(feed.x_def, whole_epochs)
        state = self._initial_train_state(steps_fn)
        self.stop_training = False
        logs = {}
        chunk = _first_chunk(batch_hooks, fixed_k, verbose, feed.steps or feed.group)
        callback_list.on_train_begin()
        self._read_back(steps_fn, state)
        # A callback (BackupAndRestore) may name the epoch to resume at, as in Keras.
        initial_epoch = self.__dict__.pop("_initial_epoch", None) or initial_epoch
        per_call = fused_epochs.epochs_per_call(
            self,
            feed,
            steps_fn,
            quiet=verbose == 0
            and not user_callbacks.callbacks
            and val_feed is None
            and not fixed_k,
            epochs=epochs - initial_epoch,
        )

        def replay_epoch(epoch, epoch_logs):
            callback_list.on_epoch_begin(epoch)
            callback_list.on_epoch_end(epoch, _ordered_logs(epoch_logs))

        try:
            if per_call > 1:
                state, logs = fused_epochs.fit_fused(
                    steps_fn,
                    feed,
                    state,
                    replay_epoch,
                    first=initial_epoch,
                    epochs=epochs,
                    per_call=per_call,
                    shuffle=shuffle,
                )
                initial_epoch = epochs
            for epoch in range(initial_epoch, epochs):
                state["metrics"] = steps_fn.fresh_metrics()
                callback_list.on_epoch_begin(epoch)
                self._read_back(steps_fn, state)
                feed.begin_epoch(shuffle)
                step, ran_out = 0, False
                while feed.steps is None or step < feed.steps:
                    if batch_hooks:
                        callback_list.on_train_batch_begin(step)
                        self._read_back(steps_fn, state)
                    started = time.perf_counter()
                    block = feed.chunk(step, chunk)
                    if block is None:
                        ran_out = True
                        break
                    state, device_logs = train_chunk(state, *block)
                    step += block[-1]
                    if batch_hooks or verbose in (1, "auto"):
                        logs = _to_floats(device_logs)
                        self._write_back(steps_fn, state)
                        callback_list.on_train_batch_end(step - 1, logs)
                        self._read_back(steps_fn, state)
                    chunk = _next_chunk(
                        chunk,
                        block[-1],
                        time.perf_counter() - started,
                        batch_hooks,
                        fixed_k,
                        verbose,
                        feed.steps or chunk,
                    )
                    if self.stop_training:
                        break
                feed.end_epoch()
                if step == 0:
                    feeds.warn_out_of_data(epoch)
                    break
                if feed.steps is None and ran_out:
                    feed.steps = params["steps"] = step
                logs = _to_floats(device_logs)
                epoch_logs = dict(logs)
                self._write_back(steps_fn, state)
                if val_feed is not None and _should_validate(epoch, validation_freq):
                    val_logs = self._evaluate_feed(val_feed, callbacks=None)
                    epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
                callback_list.on_epoch_end(epoch, _ordered_logs(epoch_logs))
                self._read_back(steps_fn, state)
                if self.stop_training:
                    break
        finally:
            self._write_back(steps_fn, state)
            feed.close()
        callback_list.on_train_end(logs)
        history.params = dict(params)
        self.history = history
        return history

    def _stream_feed(self, source, steps, group, class_weight=None, targets=True):
        """A `StreamFeed` whose batches are checked like array data, building the model first."""

        def adapt(raw, index):
            try:
                return adapt_batch(raw, index)
            except ValueError as err:
                if str(err).startswith("Batch "):
                    raise
                raise ValueError(f"Batch {index}: {err}") from None

        def adapt_batch(raw, index):
            bx, by, bsw = feeds.split_batch(raw, index)
            structure = data_lib.to_structure(bx, f"x of batch {index}")
            self._ensure_built(structure)
            x_structure = self._adapt_x(None, structure=structure)
            y_list = self._adapt_y(by, f"y of batch {index}") if by is not None else None
            if (
                targets
                and y_list is None
                and self.compiled
                and self._compile_config["loss"] is not None
            ):
                raise ValueError(
                    f"Batch {index} has no targets, but model '{self.name}' was compiled with a "
                    "loss. Yield (x, y) or (x, y, sample_weight) tuples."
                )
            if class_weight is not None and y_list is not None:
                bsw = data_lib.class_weights_to_sample_weights(y_list[0], class_weight)
            sw_list = self._adapt_sample_weight(bsw, len(y_list) if y_list else 0)
            data_lib.num_samples({"x": x_structure, "y": y_list, "sample_weight": sw_list})
            return x_structure, y_list, sw_list

        return feeds.StreamFeed(source, adapt, steps=steps, group=group)

    def _validation_feed(self, validation_data, batch_size, steps):
        if feeds.is_batch_source(validation_data):
            return self._stream_feed(validation_data, steps, group=8)
        x_structure, y_list, sw_list = self._unpack_validation(validation_data)
        return feeds.ArrayFeed(x_structure, y_list, sw_list, batch_size or 32)

    def _unpack_validation(self, validation_data):
        if not isinstance(validation_data, tuple | list) or len(validation_data) not in (2, 3):
            raise ValueError(
                "`validation_data` must be a tuple (x_val, y_val) or (x_val, y_val, "
                f"val_sample_weight); received {type(validation_data).__name__}"
                + (
                    f" of length {len(validation_data)}"
                    if hasattr(validation_data, "__len__")
                    else ""
                )
                + "."
            )
        x_val, y_val = validation_data[0], validation_data[1]
        sw_val = validation_data[2] if len(validation_data) == 3 else None
        x_structure, y_list, sw_list, _ = self._prepare(x_val, y_val, sw_val)
        return x_structure, y_list, sw_list

    def _initial_train_state(self, steps_fn) -> dict:
        return steps_fn.place(
            {
                "trainable": [v.value for v in steps_fn.trainable],
                "non_trainable": [v.value for v in steps_fn.non_trainable],
                "optimizer": self.optimizer.state,
                "metrics": steps_fn.init_metrics(),
                "rng": strata_random.next_key(),
            }
        )

    def _read_back(self, steps_fn, state) -> None:
        """Take up what callbacks set on the objects (learning rate, weights); no copies.

        Called only right after `_write_back` (or before the first step), when the variables hold
        the state's own arrays unless a callback replaced them.
        """
        taken = steps_fn.place(
            {
                "trainable": [variable._value for variable in steps_fn.trainable],
                "non_trainable": [variable._value for variable in steps_fn.non_trainable],
                "optimizer": self.optimizer.state,
            }
        )
        state.update(taken)

    def _write_back(self, steps_fn, state) -> None:
        """Point the variables and optimizer at the latest state (no copies)."""
        for variable, value in zip(steps_fn.trainable, state["trainable"]):
            variable._value = value
        for variable, value in zip(steps_fn.non_trainable, state["non_trainable"]):
            variable._value = value
        self.optimizer.state = state["optimizer"]

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
        _check_verbose(verbose)
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
            x_structure, y_list, sw_list, _ = self._prepare(x, y, sample_weight)
            feed = feeds.ArrayFeed(x_structure, y_list, sw_list, batch_size or 32)
        callback_list = CallbackList(list(callbacks or []))
        if verbose != 0:
            callback_list.append(ProgbarLogger())
        callback_list.set_model(self)
        callback_list.set_params({"verbose": verbose, "epochs": 1, "steps": feed.steps})
        try:
            logs = self._evaluate_feed(feed, callback_list)
        finally:
            feed.close()
        if return_dict:
            return logs
        ordered = self._metrics_order(logs)
        if len(ordered) == 1:
            return ordered[0]
        return ordered

    def _metrics_order(self, logs: dict) -> list[float]:
        """Keras's evaluate() order: loss, per-output losses, then the rest sorted by name."""
        head = ["loss", *self._objectives.per_output_loss_names]
        rest = sorted(k for k in logs if k not in head)
        return [logs[k] for k in head + rest if k in logs]

    def _evaluate_feed(self, feed, callbacks=None):
        self._ensure_objectives(*feed.first_structures())
        steps_fn = self._step_functions()
        batch_hooks = callbacks is not None and callbacks.uses_batch_hooks()
        test_chunk = steps_fn.test_chunk(
            feed.x_def, whole=isinstance(feed, feeds.ArrayFeed) and not batch_hooks
        )
        placed = steps_fn.place(
            {
                "trainable": [v.value for v in steps_fn.trainable],
                "non_trainable": [v.value for v in steps_fn.non_trainable],
                "metrics": steps_fn.init_metrics(),
            }
        )
        trainable, non_trainable = placed["trainable"], placed["non_trainable"]
        metrics = placed["metrics"]
        if callbacks is not None:
            callbacks.on_test_begin()
        feed.begin_epoch(False)
        step, device_logs = 0, None
        try:
            while feed.steps is None or step < feed.steps:
                block = feed.chunk(step, 1 if batch_hooks else feed.steps or feed.group)
                if block is None:
                    break
                metrics, device_logs, non_trainable = test_chunk(
                    trainable, non_trainable, metrics, *block
                )
                step += block[-1]
                if callbacks is not None:
                    callbacks.on_test_batch_end(step - 1, _to_floats(device_logs))
        finally:
            feed.end_epoch()
        if device_logs is None:
            raise ValueError("evaluate: the data source produced no batches.")
        _keep_carried_state(steps_fn, non_trainable)
        logs = _ordered_logs(_to_floats(device_logs))
        if callbacks is not None:
            callbacks.on_test_end(logs)
        return logs

    # ---- predict ------------------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs as NumPy arrays (one array, or the model's list/dict structure)."""
        repeat = (
            type(x) is np.ndarray,
            getattr(x, "shape", None),
            getattr(x, "dtype", None),
            id(distribution_lib.distribution()),
        )
        if (
            verbose == 0
            and not callbacks
            and batch_size is None
            and self.__dict__.get("_last_small_predict") == (*repeat, STRUCTURE["version"])
        ):
            # The same kind of small NumPy input as last time, which needed no adapting or
            # padding: straight to the cached compiled forward pass.
            return jax.tree_util.tree_map(np.asarray, self._compiled_call(x, False))
        data_lib.check_batch_args(batch_size)
        batch_size = self._batch_size_for("predict", batch_size)
        _check_verbose(verbose)
        if feeds.is_batch_source(x):
            return self._predict_stream(x, steps, verbose, callbacks)
        x_structure = self._adapt_x(x)
        if not self.built:
            self._ensure_built(x_structure)
            x_structure = self._adapt_x(x)
        count = data_lib.num_samples({"x": x_structure})
        batch_size = batch_size or 32
        # Bucket small inputs to a power of two so predicting on 1, 3 or 7 rows does not compile
        # a new function for every size.
        batch = min(batch_size, 1 << max(0, (count - 1).bit_length()))
        if self._fixed_batch_size() is not None:
            batch = batch_size
        dist = distribution_lib.distribution()
        if count <= batch and verbose == 0 and not callbacks and dist is None:
            if repeat[0] and count == batch and _single_array_as_given(x, x_structure):
                self._last_small_predict = (*repeat, STRUCTURE["version"])
            return self._predict_one_batch(x_structure, count, batch)
        if dist is not None:
            batch = -(-batch // dist.batch_shards) * dist.batch_shards
        n_batches = math.ceil(count / batch)
        per_call = min(1 << max(0, (n_batches - 1).bit_length()), max(1, 65536 // batch))
        total_batches = math.ceil(n_batches / per_call) * per_call
        padded = np.zeros(total_batches * batch, dtype=np.int32)
        padded[:count] = np.arange(count)
        indices = padded.reshape(total_batches, batch)
        callback_list = CallbackList(list(callbacks or []))
        if verbose != 0:
            callback_list.append(ProgbarLogger())
        callback_list.set_model(self)
        callback_list.set_params({"verbose": verbose, "epochs": 1, "steps": n_batches})
        steps_fn = self._predict_functions()
        x_leaves, x_def = jax.tree_util.tree_flatten(x_structure)
        device_x = jax.device_put(x_leaves)
        predict_chunk = steps_fn.predict_chunk(x_def)
        trainable = [v.value for v in steps_fn.trainable]
        non_trainable = [v.value for v in steps_fn.non_trainable]
        callback_list.on_predict_begin()
        pieces = []
        for start in range(0, total_batches, per_call):
            out, non_trainable = predict_chunk(
                trainable,
                non_trainable,
                device_x,
                indices[start : start + per_call],
                n_batches - start,
            )
            pieces.append(out)
            callback_list.on_predict_batch_end(min(start + per_call, n_batches) - 1, None)
        _keep_carried_state(steps_fn, non_trainable)
        callback_list.on_predict_end()
        host = jax.device_get(pieces)

        def assemble(*chunks):
            joined = np.concatenate([c.reshape(-1, *c.shape[2:]) for c in chunks])
            return joined[:count]

        return jax.tree_util.tree_map(assemble, *host)

    def _predict_one_batch(self, x_structure, count: int, batch: int):
        """Small inputs: one cached compiled forward pass, rows padded to the bucket size."""

        def pad(leaf):
            if count == batch:
                return leaf
            return np.concatenate([leaf, np.zeros((batch - count, *leaf.shape[1:]), leaf.dtype)])

        outputs = self._compiled_call(jax.tree_util.tree_map(pad, x_structure), False)
        return jax.tree_util.tree_map(lambda out: np.asarray(out)[:count], outputs)

    def _predict_stream(self, source, steps, verbose, callbacks):
        """Predict batch by batch from a generator or PyDataset (x or (x, ...) batches)."""
        feed = self._stream_feed(source, steps, group=8, targets=False)
        callback_list = CallbackList(list(callbacks or []))
        if verbose != 0:
            callback_list.append(ProgbarLogger())
        callback_list.set_model(self)
        callback_list.set_params({"verbose": verbose, "epochs": 1, "steps": feed.steps})
        steps_fn = self._predict_functions()
        predict_chunk = steps_fn.predict_chunk(feed.x_def)
        trainable = [v.value for v in steps_fn.trainable]
        non_trainable = [v.value for v in steps_fn.non_trainable]
        callback_list.on_predict_begin()
        pieces, step = [], 0
        feed.begin_epoch(False)
        try:
            while feed.steps is None or step < feed.steps:
                block = feed.chunk(step, feed.group)
                if block is None:
                    break
                (x_leaves, _, _), indices, masks, _, count = block
                outputs, non_trainable = predict_chunk(
                    trainable, non_trainable, x_leaves, indices[:count], count
                )
                pieces.append((outputs, masks[:count]))
                step += count
                callback_list.on_predict_batch_end(step - 1, None)
        finally:
            feed.end_epoch()
            feed.close()
        _keep_carried_state(steps_fn, non_trainable)
        callback_list.on_predict_end()
        host = jax.device_get(pieces)
        keep = np.concatenate([m.reshape(-1) for _, m in host]) > 0

        def assemble(*chunks):
            joined = np.concatenate([c.reshape(-1, *c.shape[2:]) for c in chunks])
            return joined[keep]

        return jax.tree_util.tree_map(assemble, *[outputs for outputs, _ in host])

    def _predict_functions(self) -> StepFunctions:
        if self.compiled and self._objectives is not None:
            return self._step_functions()
        dist = distribution_lib.distribution()
        cheap_key = (STRUCTURE["version"], id(dist))
        if getattr(self, "_predict_steps_cheap_key", None) == cheap_key:
            return self._predict_steps
        non_trainable = _with_carried_state(self, self.non_trainable_weights)
        key = (
            "predict",
            tuple(v.uid for v in self.trainable_weights + non_trainable),
            id(dist),
        )
        self._predict_steps_cheap_key = cheap_key
        if getattr(self, "_predict_steps_key", None) != key:
            self._predict_steps = StepFunctions(
                self, None, None, self.trainable_weights, non_trainable, dist
            )
            self._predict_steps_key = key
        return self._predict_steps

    # ---- one batch at a time ------------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One optimizer step on this batch; returns this batch's loss (and metrics), as Keras 3."""
        self._require_compiled("train_on_batch")
        x_structure, y_list, sw_list, count = self._prepare(x, y, sample_weight, class_weight)
        self._ensure_objectives(x_structure, y_list)
        steps_fn = self._step_functions()
        state = self._initial_train_state(steps_fn)
        x_leaves, x_def = jax.tree_util.tree_flatten(x_structure)
        indices = jnp.arange(count, dtype=jnp.int32)[None, :]
        masks = jnp.ones((1, count), jnp.float32)
        state, device_logs = steps_fn.train_chunk(x_def)(
            state, (x_leaves, y_list, sw_list), indices, masks, 0, 1
        )
        self._write_back(steps_fn, state)
        return self._batch_result(_ordered_logs(_to_floats(device_logs)), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on one batch (no update)."""
        self._require_compiled("test_on_batch")
        x_structure, y_list, sw_list, count = self._prepare(x, y, sample_weight)
        logs = self._evaluate_feed(feeds.ArrayFeed(x_structure, y_list, sw_list, count))
        return self._batch_result(logs, return_dict)

    def predict_on_batch(self, x):
        """Outputs for one batch, as NumPy."""
        return self.predict(x, batch_size=max(1, _leading_size(x)), verbose=0)

    def _batch_result(self, logs, return_dict):
        if return_dict:
            return logs
        ordered = self._metrics_order(logs)
        return ordered[0] if len(ordered) == 1 else ordered

    @property
    def metrics_names(self) -> list[str]:
        if self._objectives is None:
            return []
        return ["loss", "compile_metrics", *self._objectives.per_output_loss_names]


def _identity_batch(batch, index):
    """`ArrayBatches` already yields checked ``(x, y, sample_weight)`` structures."""
    return batch


def _leading_size(x) -> int:
    leaves = jax.tree_util.tree_leaves(data_lib.to_structure(x, "x"))
    return int(leaves[0].shape[0]) if leaves else 1


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


def _check_verbose(verbose) -> None:
    if verbose not in ("auto", 0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2; received verbose={verbose!r}.")


def _to_floats(device_logs) -> dict:
    """Logs as Python floats (from replicated arrays, also when they span several processes);
    a metric with one value per threshold stays an array, as in Keras."""

    def local(value):
        return value if getattr(value, "is_fully_addressable", True) else value.addressable_data(0)

    return {
        k: float(v) if np.ndim(v) == 0 else np.asarray(v)
        for k, v in jax.device_get({k: local(v) for k, v in device_logs.items()}).items()
    }


def _ordered_logs(logs: dict) -> dict:
    """Logs sorted by name with `val_` entries last, as Keras 3 orders History keys."""
    train = sorted(k for k in logs if not k.startswith("val_"))
    val = sorted(k for k in logs if k.startswith("val_"))
    return {k: logs[k] for k in train + val}


def _should_validate(epoch: int, freq) -> bool:
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in set(freq)


def _first_chunk(batch_hooks, fixed_k, verbose, steps_per_epoch) -> int:
    if batch_hooks:
        return 1
    if fixed_k is not None:
        return fixed_k
    return 1 if verbose in (1, "auto") else steps_per_epoch


def _next_chunk(chunk, last_n, seconds, batch_hooks, fixed_k, verbose, steps_per_epoch) -> int:
    """Steps in the next compiled call.

    Batch-level callbacks need every step (1). A fixed `steps_per_execution` is honoured.
    Otherwise, without a progress bar, a whole epoch runs in one call; with one, the chunk grows
    until a call takes about `_PROGRESS_INTERVAL_S`, so the bar moves a few times per second.
    """
    if batch_hooks:
        return 1
    if fixed_k is not None:
        return fixed_k
    if verbose not in (1, "auto"):
        return steps_per_epoch
    per_step = seconds / max(last_n, 1)
    target = int(_PROGRESS_INTERVAL_S / max(per_step, 1e-7))
    return max(1, min(steps_per_epoch, max(target, chunk)))


def _with_carried_state(model, non_trainable: list) -> list:
    """The non-trainable weights, then the carried state (stateful RNNs) the step must update."""
    seen = {v.uid for v in non_trainable}
    return list(non_trainable) + [v for v in model.carried_state if v.uid not in seen]


def _keep_carried_state(steps_fn, non_trainable: list) -> None:
    """After evaluation or prediction, store the carried state the batches advanced."""
    if steps_fn.carries_state:
        for variable, value in zip(steps_fn.non_trainable, non_trainable):
            variable._value = value


def _single_array_as_given(x, x_structure) -> bool:
    """Whether adapting `x` for the model left it one array of the same shape and dtype."""
    leaves = jax.tree_util.tree_leaves(x_structure)
    return len(leaves) == 1 and leaves[0].shape == x.shape and leaves[0].dtype == x.dtype
