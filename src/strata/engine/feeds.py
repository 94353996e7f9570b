"""Feeds: where the batches of one `fit`/`evaluate`/`predict` call come from.

Both kinds hand the compiled chunk function the same thing — ``(data, indices, masks, start, n)``:
a block of rows on the device, rows ``(steps, batch)`` of indices into it, a 0/1 mask of real
samples, and which index rows to run — so one compiled function serves arrays and streams.

- `ArrayFeed`: data that fits in memory goes to the device once; each epoch is a new index array.
- `StreamFeed`: a generator, iterable or `PyDataset` yields batches; groups of `group` batches
  are padded to the first batch's size, stacked, and moved to the device by a background thread
  while the previous group trains, so the device does not wait for Python when the source keeps up.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import queue
import random
import threading
import warnings

import jax
import numpy as np

from strata import distribution as distribution_lib
from strata.engine import data as data_lib
from strata.utils.py_dataset import PyDataset


class ArrayFeed:
    """In-memory arrays: moved to the device once, re-indexed every pass over them.

    Args:
        x_structure, y_list, sw_list: the checked arrays (y and sample weights may be empty).
        batch_size: rows per batch (the last batch of a pass may be partial).
        steps: batches per epoch (None: one whole pass).
        carry_over: as Keras's `fit` with `steps_per_epoch`: an epoch continues the pass where
            the previous one stopped, and a new (reshuffled) pass starts only once one is used
            up. Without it (evaluation, prediction) every epoch starts a new pass.
    """

    group = None

    def __init__(self, x_structure, y_list, sw_list, batch_size: int, steps=None, carry_over=False):
        self._first = (x_structure, y_list)
        self.x_leaves, self.x_def = jax.tree_util.tree_flatten(x_structure)
        self.count = int(self.x_leaves[0].shape[0])
        self.batch_size = min(batch_size, self.count)
        self.batches_per_pass = -(-self.count // self.batch_size)
        self.steps_per_epoch = steps
        self.carry_over = carry_over and steps is not None
        self.distribution = distribution_lib.distribution()
        self.processes = jax.process_count() if self.distribution is not None else 1
        self._pass = None
        self._seen = 0
        self._offset = 0
        self._taken = 0
        y_list, sw_list = list(y_list or []), list(sw_list or [])
        if self.processes > 1:
            self._init_multi_process(y_list, sw_list, batch_size)
        else:
            placement = None if self.distribution is None else self.distribution.replicated()
            self.data = jax.device_put((self.x_leaves, y_list, sw_list), placement)
        self.steps = self.batches_per_pass if steps is None else steps
        self.epoch_steps = self.steps

    def _init_multi_process(self, y_list, sw_list, batch_size: int) -> None:
        """Several processes: each holds its own rows; together they form one global array.

        `batch_size` is the global batch; each process contributes an equal share of every
        batch from its own rows, so a process never needs another's data on the host.
        """
        from jax.experimental import multihost_utils

        counts = multihost_utils.process_allgather(np.int32(self.count))
        if len(set(np.ravel(counts).tolist())) > 1:
            raise ValueError(
                "With several processes every process must hold the same number of samples; "
                f"they hold {np.ravel(counts).tolist()}. Split the data evenly (drop or repeat "
                "a few rows)."
            )
        self.local_batch = -(-batch_size // self.processes)
        self.batch_size = self.local_batch * self.processes
        self.batches_per_pass = -(-self.count // self.local_batch)
        rows = self.distribution.batch_sharding()
        self.data = jax.tree_util.tree_map(
            lambda leaf: jax.make_array_from_process_local_data(rows, leaf),
            (self.x_leaves, y_list, sw_list),
        )

    def first_structures(self):
        """(x, y) arrays to infer output shapes and resolve losses and metrics from."""
        return self._first

    @property
    def whole_passes(self) -> bool:
        """Whether every epoch is exactly one pass (so a compiled call may run all its rows)."""
        return self.steps_per_epoch is None

    def begin_epoch(self, shuffle) -> None:
        if self._pass is None or not self.carry_over:
            self._pass = self._new_pass(shuffle)
            self._seen = 0
        self._offset = self._seen
        self._taken = 0
        self.epoch_steps = min(self.steps, self.batches_per_pass - self._seen)

    def _new_pass(self, shuffle):
        if self.processes > 1:
            return self._new_multi_process_pass(shuffle)
        indices, masks = data_lib.epoch_batches(self.count, self.batch_size, shuffle)
        placement = None
        if self.distribution is not None:
            # Each batch is split over the batch shards; pad it with masked rows to divide evenly.
            indices, masks = pad_columns(indices, masks, self.distribution.batch_shards)
            placement = self.distribution.replicated()
        # On the device once per pass (measured: passing the NumPy arrays to every chunk call
        # instead made an MLP epoch ~8% slower on the CPU).
        return jax.device_put((indices, masks), placement)

    def _new_multi_process_pass(self, shuffle):
        from jax.sharding import NamedSharding, PartitionSpec

        indices, masks = data_lib.epoch_batches(self.count, self.local_batch, shuffle)
        indices = indices + jax.process_index() * self.count  # rows of this process, globally
        dist = self.distribution
        columns = NamedSharding(dist.device_mesh.jax_mesh, PartitionSpec(None, dist.batch_dim_name))
        return (
            jax.make_array_from_process_local_data(columns, indices),
            jax.make_array_from_process_local_data(columns, masks),
        )

    def chunk(self, step: int, n: int):
        """Up to `n` batches from step `step` of this epoch, or None when the epoch is done."""
        if step >= self.epoch_steps:
            return None
        indices, masks = self._pass
        count = min(n, self.epoch_steps - step)
        self._taken = step + count
        return self.data, indices, masks, self._offset + step, count

    def end_epoch(self) -> None:
        self._seen += self._taken
        if self._seen >= self.batches_per_pass:
            self._pass = None

    def close(self) -> None:
        self._pass = None


class ArrayBatches:
    """In-memory arrays served batch by batch from the host (for data too big for the device).

    Iterating gives one epoch of ``(x, y, sample_weight)`` batches in a fresh order (Keras's
    shuffle rules); `StreamFeed` then moves them to the device a group at a time, prefetching the
    next group while the current one trains.
    """

    def __init__(self, x_structure, y_list, sw_list, batch_size: int, shuffle):
        self.arrays = (x_structure, y_list, sw_list)
        self.count = int(jax.tree_util.tree_leaves(x_structure)[0].shape[0])
        self.batch_size = min(batch_size, self.count)
        self.shuffle = shuffle

    def __len__(self) -> int:
        return -(-self.count // self.batch_size)

    def __iter__(self):
        indices, masks = data_lib.epoch_batches(self.count, self.batch_size, self.shuffle)
        for row, mask in zip(indices, masks):
            rows = row[mask > 0]
            yield jax.tree_util.tree_map(lambda a, rows=rows: a[rows], self.arrays)


def data_bytes(*structures) -> int:
    """Total size in bytes of the arrays in `structures`."""
    return int(sum(leaf.nbytes for leaf in jax.tree_util.tree_leaves(structures)))


def pad_columns(indices, masks, multiple: int):
    """Widen ``(steps, batch)`` index and mask rows to a multiple of `multiple` (masked padding).

    Example:
        >>> i, m = pad_columns(np.ones((2, 3), np.int32), np.ones((2, 3), np.float32), 2)
        >>> i.shape, m[0].tolist()
        ((2, 4), [1.0, 1.0, 1.0, 0.0])
    """
    extra = -indices.shape[1] % multiple
    if not extra:
        return indices, masks
    steps = indices.shape[0]
    indices = np.concatenate([indices, np.zeros((steps, extra), indices.dtype)], axis=1)
    masks = np.concatenate([masks, np.zeros((steps, extra), masks.dtype)], axis=1)
    return indices, masks


def is_batch_source(x) -> bool:
    """True for data that arrives batch by batch: a `PyDataset`, a generator or other iterator,
    or an iterable that is not itself array data."""
    if isinstance(x, PyDataset):
        return True
    if isinstance(x, np.ndarray | list | tuple | dict | str | bytes) or hasattr(x, "__array__"):
        return False
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not hasattr(x, "shape"))


def _get_item(dataset, index):
    return dataset[index]


def yields_list_tuples(source) -> bool:
    """A torch `DataLoader` yields ``[x, y]`` lists where other sources yield tuples; Keras
    reads those lists as tuples (and only those: a list from a generator is x)."""
    return type(source).__module__.startswith("torch.")


def split_batch(batch, index: int, lists_are_tuples: bool = False):
    """A batch as ``(x, y, sample_weight)``: tuples of 1 to 3 entries, or bare x."""
    if lists_are_tuples and isinstance(batch, list):
        batch = tuple(batch)
    if isinstance(batch, tuple):
        if not 1 <= len(batch) <= 3:
            raise ValueError(
                f"Batch {index} is a tuple of {len(batch)} entries; expected (x,), (x, y) or "
                "(x, y, sample_weight)."
            )
        return (*batch, None, None)[:3]
    return batch, None, None


class StreamFeed:
    """Batches from a Python source, grouped, padded and prefetched to the device.

    Args:
        source: a `PyDataset`, generator, iterator or iterable of batches.
        adapt: ``(raw_batch, index) -> (x_structure, y_list, sw_list)`` with checked arrays.
        steps: batches per epoch (None: the `PyDataset`'s length, or until the source ends).
        group: batches per compiled call.
    """

    def __init__(self, source, adapt, steps=None, group=1):
        self.source = source
        self.adapt = adapt
        self.group = group
        self.is_dataset = isinstance(source, PyDataset)
        if self.is_dataset:
            steps = len(source) if steps is None else steps
        self.steps = steps
        # A PyDataset is read as Keras reads it: a pass visits every index once (in a new random
        # order when shuffling); with `steps_per_epoch`, an epoch goes on where the last stopped.
        self._order, self._cursor, self._epoch_indices, self._consumed = None, 0, [], 0
        self._iterator = None
        self._held = None
        self._pool = None
        if self.is_dataset and source.workers > 1:
            if source.use_multiprocessing:
                # Spawned, not forked: forking a process that runs JAX's threads can deadlock.
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=source.workers, mp_context=multiprocessing.get_context("spawn")
                )
            else:
                self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=source.workers)
        first = self._peek()
        self.first = adapt(first, 0)
        x = self.first[0]
        self.x_def = jax.tree_util.tree_structure(x)
        self.batch_size = int(jax.tree_util.tree_leaves(x)[0].shape[0])
        self._leaf_specs = [
            (leaf.shape[1:], leaf.dtype) for leaf in jax.tree_util.tree_leaves(self.first)
        ]
        rows = self.group * self.batch_size
        self.indices = jax.device_put(np.arange(rows, dtype=np.int32).reshape(self.group, -1))
        self._queue = None
        self._current, self._used = None, 0
        self._thread = None

    whole_passes = False

    def first_structures(self):
        return self.first[0], self.first[1]

    def _peek(self):
        """The first batch, read without losing it: a dataset re-reads index 0; an iterator's
        first batch is held and handed out again at the start of the first epoch."""
        if self.is_dataset:
            if len(self.source) == 0:
                raise ValueError("The PyDataset is empty (len() == 0).")
            return self.source[0]
        self._iterator = iter(self.source)
        try:
            self._held = next(self._iterator)
        except StopIteration:
            raise ValueError("The data source produced no batches.") from None
        return self._held

    def _raw_epoch(self):
        """The raw batches of one epoch."""
        if self.is_dataset:
            yield from self._dataset_epoch()
            return
        if self._iterator is None or (self._held is None and not hasattr(self.source, "__next__")):
            self._iterator = iter(self.source)
        produced = 0
        if self._held is not None:
            held, self._held = self._held, None
            produced += 1
            yield held
        while self.steps is None or produced < self.steps:
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                return
            produced += 1
            yield batch

    def _dataset_epoch(self):
        source, indices = self.source, self._epoch_indices
        if self._pool is None:
            for index in indices:
                yield source[index]
            return
        ahead = max(source.max_queue_size, source.workers)
        pending = [self._pool.submit(_get_item, source, i) for i in indices[:ahead]]
        for position in range(len(indices)):
            batch = pending.pop(0).result()
            following = position + len(pending) + 1
            if following < len(indices):
                pending.append(self._pool.submit(_get_item, source, indices[following]))
            yield batch

    def _begin_dataset_epoch(self, shuffle) -> None:
        if self._order is None:
            self._order = list(range(len(self.source)))
            if shuffle:
                # Python's generator, as Keras shuffles a PyDataset's batches.
                random.shuffle(self._order)
            self._cursor = 0
        self._epoch_indices = self._order[self._cursor : self._cursor + self.steps]
        self._consumed = 0

    def _check(self, structure, index):
        leaves = jax.tree_util.tree_leaves(structure)
        if len(leaves) != len(self._leaf_specs):
            raise ValueError(
                f"Batch {index} has {len(leaves)} arrays, but the first batch had "
                f"{len(self._leaf_specs)}. Every batch must have the same structure."
            )
        for position, (leaf, (shape, dtype)) in enumerate(zip(leaves, self._leaf_specs)):
            if leaf.shape[1:] != shape:
                raise ValueError(
                    f"Batch {index}, array {position}: samples of shape {leaf.shape[1:]}, but the "
                    f"first batch had {shape}. Every batch must hold samples of the same shape."
                )
            if leaf.shape[0] > self.batch_size:
                raise ValueError(
                    f"Batch {index}, array {position}: {leaf.shape[0]} samples, more than the "
                    f"first batch's {self.batch_size}. Make the first batch the largest."
                )
            if leaf.dtype != dtype:
                raise ValueError(
                    f"Batch {index}, array {position}: dtype {leaf.dtype}, but the first batch "
                    f"had {dtype}."
                )
        counts = {int(leaf.shape[0]) for leaf in leaves}
        if len(counts) > 1:
            raise ValueError(
                f"Batch {index}: its arrays hold different numbers of samples {sorted(counts)}."
            )

    def _groups(self):
        group = []
        for index, raw in enumerate(self._raw_epoch()):
            structure = self.adapt(raw, index)
            self._check(structure, index)
            group.append(structure)
            if len(group) == self.group:
                yield self._stack(group)
                group = []
        if group:
            yield self._stack(group)

    def _stack(self, group):
        """Pad each batch to the batch size and stack the group into one block of rows."""
        rows = self.group * self.batch_size
        masks = np.zeros((self.group, self.batch_size), np.float32)
        structures = []
        for i, structure in enumerate(group):
            count = int(jax.tree_util.tree_leaves(structure[0])[0].shape[0])
            masks[i, :count] = 1.0
            structures.append(structure)

        def block(*leaves):
            out = np.zeros((rows, *leaves[0].shape[1:]), leaves[0].dtype)
            for i, leaf in enumerate(leaves):
                out[i * self.batch_size : i * self.batch_size + leaf.shape[0]] = leaf
            return out

        data = jax.tree_util.tree_map(block, *structures)
        x, y, sw = data
        x_leaves = jax.tree_util.tree_leaves(x)
        return jax.device_put(((x_leaves, y, sw), masks)), len(group)

    def begin_epoch(self, shuffle=None) -> None:
        if self.is_dataset:
            self._begin_dataset_epoch(shuffle)
        self._current, self._used = None, 0
        self._queue = queue.Queue(maxsize=2)
        stop = self._stop = threading.Event()

        def produce(q=self._queue):
            try:
                for item in self._groups():
                    while not stop.is_set():
                        try:
                            q.put(item, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                q.put(None)
            except BaseException as err:  # handed to the training thread, raised there
                q.put(err)

        self._thread = threading.Thread(target=produce, daemon=True)
        self._thread.start()

    def chunk(self, step: int, n: int):
        """Up to `n` of the prefetched group's batches not yet run, or None at the source's
        end. A call never spans two groups (each is its own block of rows on the device)."""
        if self._current is None or self._used == self._current[1]:
            item = self._queue.get()
            if item is None:
                return None
            if isinstance(item, BaseException):
                raise item
            self._current, self._used = item, 0
        (data, masks), count = self._current
        start = self._used
        self._used = min(count, start + n)
        self._consumed += self._used - start
        return data, self.indices, masks, start, self._used - start

    def end_epoch(self) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
            self._thread = None
        if self.is_dataset:
            self._cursor += self._consumed
            self._consumed = 0
            if self._cursor >= len(self._order or ()):
                self._order = None
            self.source.on_epoch_end()

    def close(self) -> None:
        self.end_epoch() if self._thread is not None else None
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def warn_out_of_data(epoch: int | None = None) -> None:
    """Keras's warning when a source gives fewer batches than the `steps` asked for."""
    where = "" if epoch is None else f" in epoch {epoch + 1}"
    warnings.warn(
        f"Your input ran out of data{where}; interrupting the epoch. Make sure the source can "
        "produce "
        "at least `steps_per_epoch * epochs` batches (`steps` for evaluate/predict; for a "
        "generator, loop over your data forever and set `steps_per_epoch`).",
        UserWarning,
        stacklevel=3,
    )
