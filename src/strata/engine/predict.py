"""`predict` and `predict_on_batch`: outputs as NumPy, batch by batch or many batches per call.

Small inputs take one cached compiled forward pass (rows padded to a power-of-two bucket, so 1,
3 or 7 rows share a compilation); a repeat of the last small NumPy input goes straight to it.
Larger inputs run chunks of batches per compiled call; when a callback watches single predict
batches, every batch is its own call and ``on_predict_batch_end`` receives
``{"outputs": ...}`` with that batch's outputs, as in Keras.
"""

from __future__ import annotations

import math

import jax
import numpy as np

from strata import distribution as distribution_lib
from strata.callbacks.callback_list import CallbackList
from strata.callbacks.progbar_logger import ProgbarLogger
from strata.engine import data as data_lib
from strata.engine import feeds, state_sync
from strata.engine.model_data import leading_size
from strata.engine.steps import StepFunctions
from strata.layers.layer import STRUCTURE

# Rows one compiled predict call may cover when nothing watches single batches.
_ROWS_PER_CALL = 65536


class Predictor:
    """The prediction half of the training API, mixed into `Model`."""

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs as NumPy arrays (one array, or the model's list/dict structure).

        Args:
            x: input data (arrays, lists, dicts, DataFrames, or a batch source).
            batch_size: rows per batch (32).
            verbose: "auto", 0, 1 or 2.
            steps: stop after this many batches.
            callbacks: callbacks whose predict hooks are called, as in Keras.

        Example:
            >>> import numpy as np, strata
            >>> x = strata.Input(shape=(2,))
            >>> model = strata.Model(x, strata.layers.Dense(1, kernel_initializer="ones")(x))
            >>> model.predict(np.ones((3, 2)), verbose=0).ravel().tolist()
            [2.0, 2.0, 2.0]
        """
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
            and steps is None
            and self.__dict__.get("_last_small_predict") == (*repeat, STRUCTURE["version"])
        ):
            # The same kind of small NumPy input as last time, which needed no adapting or
            # padding: straight to the cached compiled forward pass.
            return jax.tree_util.tree_map(np.asarray, self._compiled_call(x, False))
        data_lib.check_batch_args(batch_size)
        batch_size = self._batch_size_for("predict", batch_size)
        check_verbose(verbose)
        self._check_steps("predict", steps=steps)
        callback_list = self._callback_list(callbacks, verbose)
        if feeds.is_batch_source(x):
            return self._predict_stream(x, steps, callback_list)
        x_structure = self._adapt_x(x)
        if not self.built:
            self._ensure_built(x_structure)
            x_structure = self._adapt_x(x)
        count = data_lib.num_samples({"x": x_structure})
        batch_size = batch_size or 32
        if steps is not None:
            count = min(count, steps * batch_size)
            x_structure = jax.tree_util.tree_map(lambda a: a[:count], x_structure)
        # Bucket small inputs to a power of two so predicting on 1, 3 or 7 rows does not compile
        # a new function for every size.
        batch = min(batch_size, 1 << max(0, (count - 1).bit_length()))
        if self._fixed_batch_size() is not None:
            batch = batch_size
        dist = distribution_lib.distribution()
        if count <= batch and not callback_list.callbacks and dist is None and not self._eager:
            if repeat[0] and count == batch and _single_array_as_given(x, x_structure):
                self._last_small_predict = (*repeat, STRUCTURE["version"])
            return self._predict_one_batch(x_structure, count, batch)
        if dist is not None:
            batch = -(-batch // dist.batch_shards) * dist.batch_shards
        n_batches = math.ceil(count / batch)
        if steps is not None and steps > n_batches:
            feeds.warn_out_of_data()
        every_batch = "predict" in callback_list.batch_hook_kinds() or self._eager
        per_call = (
            1
            if every_batch
            else min(1 << max(0, (n_batches - 1).bit_length()), max(1, _ROWS_PER_CALL // batch))
        )
        total_batches = math.ceil(n_batches / per_call) * per_call
        padded = np.zeros(total_batches * batch, dtype=np.int32)
        padded[:count] = np.arange(count)
        indices = padded.reshape(total_batches, batch)
        callback_list.set_params({"verbose": verbose, "epochs": 1, "steps": n_batches})
        steps_fn = self._predict_functions()
        x_leaves, x_def = jax.tree_util.tree_flatten(x_structure)
        device_x = jax.device_put(x_leaves)
        predict_chunk = steps_fn.predict_chunk(x_def)
        trainable, non_trainable = state_sync.weights_state(steps_fn)
        callback_list.on_predict_begin()
        pieces = []
        for start in range(0, total_batches, per_call):
            callback_list.on_predict_batch_begin(start)
            out, non_trainable = predict_chunk(
                trainable,
                non_trainable,
                device_x,
                indices[start : start + per_call],
                n_batches - start,
            )
            pieces.append(out)
            last = min(start + per_call, n_batches) - 1
            rows = min(batch, count - start * batch)
            callback_list.on_predict_batch_end(last, _batch_outputs(out, rows, every_batch))
        state_sync.keep_carried_state(steps_fn, non_trainable)
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

    def _predict_stream(self, source, steps, callback_list):
        """Predict batch by batch from a generator or PyDataset (x or (x, ...) batches)."""
        every_batch = "predict" in callback_list.batch_hook_kinds() or self._eager
        feed = self._stream_feed(source, steps, group=1 if every_batch else 8, targets=False)
        callback_list.set_params(
            {"verbose": callback_list.params.get("verbose"), "epochs": 1, "steps": feed.steps}
        )
        steps_fn = self._predict_functions()
        predict_chunk = steps_fn.predict_chunk(feed.x_def)
        trainable, non_trainable = state_sync.weights_state(steps_fn)
        callback_list.on_predict_begin()
        pieces, step = [], 0
        feed.begin_epoch(False)
        try:
            while True:
                block = feed.chunk(step, feed.group)
                if block is None:
                    break
                (x_leaves, _, _), indices, masks, _, count = block
                callback_list.on_predict_batch_begin(step)
                outputs, non_trainable = predict_chunk(
                    trainable, non_trainable, x_leaves, indices[:count], count
                )
                pieces.append((outputs, masks[:count]))
                step += count
                rows = int(np.asarray(masks[0]).sum()) if every_batch else 0
                callback_list.on_predict_batch_end(
                    step - 1, _batch_outputs(outputs, rows, every_batch)
                )
        finally:
            feed.end_epoch()
            feed.close()
        if feed.steps is not None and step < feed.steps:
            feeds.warn_out_of_data()
        state_sync.keep_carried_state(steps_fn, non_trainable)
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
        non_trainable = state_sync.with_carried_state(self, self.non_trainable_weights)
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

    def predict_on_batch(self, x):
        """Outputs for one batch, as NumPy."""
        return self.predict(x, batch_size=max(1, leading_size(x)), verbose=0)

    def _callback_list(self, callbacks, verbose, **params) -> CallbackList:
        """The user's callbacks (and a progress bar unless ``verbose=0``), set up on this model."""
        callback_list = CallbackList(list(callbacks or []))
        if verbose != 0:
            callback_list.append(ProgbarLogger())
        callback_list.set_model(self)
        callback_list.set_params({"verbose": verbose, "epochs": 1, "steps": None, **params})
        return callback_list


def _batch_outputs(outputs, rows: int, wanted: bool) -> dict:
    """``{"outputs": ...}`` for ``on_predict_batch_end``: the call's single batch, real rows only
    (only when a callback watches single batches; the progress bar needs no outputs)."""
    if not wanted:
        return {}
    return {"outputs": jax.tree_util.tree_map(lambda o: np.asarray(o[0])[:rows], outputs)}


def check_verbose(verbose) -> None:
    if verbose not in ("auto", 0, 1, 2):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2; received verbose={verbose!r}.")


def _single_array_as_given(x, x_structure) -> bool:
    """Whether adapting `x` for the model left it one array of the same shape and dtype."""
    leaves = jax.tree_util.tree_leaves(x_structure)
    return len(leaves) == 1 and leaves[0].shape == x.shape and leaves[0].dtype == x.dtype
