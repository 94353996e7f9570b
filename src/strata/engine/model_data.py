"""From what the user passes to `fit`/`evaluate`/`predict` to a feed of checked batches.

One feed per kind of source, behind one interface (see `strata.engine.feeds`): in-memory arrays
(NumPy, lists, DataFrames, dicts) become an `ArrayFeed`; generators, iterators, `PyDataset`,
torch `DataLoader`, `tf.data` and grain datasets a `StreamFeed`; arrays too big for the device
a `StreamFeed` over `ArrayBatches`. The `steps` arguments are honoured in the feeds. Every
check against the model (input names and ranks, output count, batch size fixed by the inputs)
happens here, before anything is compiled.
"""

from __future__ import annotations

import math
import random

import jax
import numpy as np

from strata import config
from strata.engine import data as data_lib
from strata.engine import feeds


class ModelData:
    """The data-adapting half of the training API, mixed into `Model`."""

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

    def _stream_feed(self, source, steps, group, class_weight=None, targets=True):
        """A `StreamFeed` whose batches are checked like array data, building the model first."""

        def adapt(raw, index):
            try:
                return adapt_batch(raw, index)
            except ValueError as err:
                if str(err).startswith("Batch "):
                    raise
                raise ValueError(f"Batch {index}: {err}") from None

        lists_are_tuples = feeds.yields_list_tuples(source)

        def adapt_batch(raw, index):
            bx, by, bsw = feeds.split_batch(raw, index, lists_are_tuples)
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
        return feeds.ArrayFeed(x_structure, y_list, sw_list, batch_size or 32, steps=steps)

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

    def _check_steps(self, method: str, **steps) -> None:
        for name, value in steps.items():
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(
                    f"{method}: `{name}` must be a positive int or None; received {value!r}."
                )

    def _array_feed(self, x, y, sample_weight, batch_size, steps=None, class_weight=None):
        """An `ArrayFeed` for evaluation or prediction (every call starts at the first batch)."""
        x_structure, y_list, sw_list, _ = self._prepare(x, y, sample_weight, class_weight)
        return feeds.ArrayFeed(x_structure, y_list, sw_list, batch_size or 32, steps=steps)

    def _fit_feeds(
        self,
        x,
        y,
        sample_weight,
        class_weight,
        *,
        batch_size,
        steps_per_epoch,
        shuffle,
        every_batch,
        validation_split,
        validation_data,
        validation_batch_size,
        validation_steps,
    ):
        """``(training feed, validation feed or None, shuffle)`` for `fit`."""
        fixed_k = self._compile_config["steps_per_execution"]
        group = 1 if every_batch else (fixed_k or 8)
        val_feed = None
        if feeds.is_batch_source(x):
            if y is not None or sample_weight is not None or validation_split:
                raise ValueError(
                    "fit: when `x` is a generator, iterator or PyDataset it must yield (x, y) or "
                    "(x, y, sample_weight) batches; do not pass `y`, `sample_weight` or "
                    "`validation_split`."
                )
            feed = self._stream_feed(x, steps_per_epoch, group, class_weight)
            # Keras shuffles the batch order of a PyDataset; other streams come as they are, and
            # so do datasets that order themselves (`shuffled_by_fit = False`).
            shuffle = bool(shuffle) and feed.is_dataset and getattr(x, "shuffled_by_fit", True)
            if shuffle and (self._objectives is None or self.optimizer.state is None):
                # Keras draws one order while it peeks at the first batch (see arrays below).
                random.shuffle(list(range(len(x))))
        else:
            x_structure, y_list, sw_list, count = self._prepare(x, y, sample_weight, class_weight)
            if validation_split and validation_data is None:
                train, val = data_lib.split_validation(
                    {"x": x_structure, "y": y_list, "sw": sw_list}, validation_split, count
                )
                x_structure, y_list, sw_list = train["x"], train["y"], train["sw"]
                count = int(jax.tree_util.tree_leaves(x_structure)[0].shape[0])
                val_feed = feeds.ArrayFeed(
                    val["x"],
                    val["y"],
                    val["sw"],
                    validation_batch_size or batch_size or 32,
                    steps=validation_steps,
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
                source = feeds.ArrayBatches(x_structure, y_list, sw_list, batch_size, shuffle)
                steps = len(source) if steps_per_epoch is None else steps_per_epoch
                feed = feeds.StreamFeed(source, _identity_batch, steps=steps, group=group)
            else:
                feed = feeds.ArrayFeed(
                    x_structure, y_list, sw_list, batch_size, steps=steps_per_epoch, carry_over=True
                )
        if validation_data is not None:
            val_feed = self._validation_feed(
                validation_data, validation_batch_size or batch_size, validation_steps
            )
        return feed, val_feed, shuffle


def _identity_batch(batch, index):
    """`ArrayBatches` already yields checked ``(x, y, sample_weight)`` structures."""
    return batch


def leading_size(x) -> int:
    """Rows in the first array of `x` (1 for an empty structure)."""
    leaves = jax.tree_util.tree_leaves(data_lib.to_structure(x, "x"))
    return int(leaves[0].shape[0]) if leaves else 1
