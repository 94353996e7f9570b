"""The weights file (``model.weights.h5``) in Keras 3's layout, written and read safely.

Paths follow Keras's walk over a model: ``vars`` for the model's own weights, ``layers/<name>``
for its layers (``<name>`` is the snake-cased class name, numbered ``_1``, ``_2`` ... in
``model.layers`` order), attribute names for a layer's sublayers, and ``optimizer`` for the
optimizer. Each ``<path>/vars`` group holds datasets ``0``, ``1`` ... in the order of the
object's variables.

Reading never follows a link, never touches a dataset that lives outside the file, and checks
every dataset's declared shape and size before a byte of it is read.

Example:
    >>> import strata
    >>> x = strata.Input(shape=(3,))
    >>> model = strata.Model(x, strata.layers.Dense(2)(x))
    >>> [(e.path, len(e.variables)) for e in weight_entries(model)]
    [('', 0), ('layers/input_layer', 0), ('layers/dense', 2)]
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import h5py
import numpy as np

from strata.saving import own_variables
from strata.utils.naming import to_snake_case

# Keras keeps these layers' weights in a `cell` sublayer; strata's layers hold them directly.
_CELL_LAYERS = {"LSTM": "lstm_cell", "GRU": "gru_cell", "SimpleRNN": "simple_rnn_cell"}
# Layer attributes that are strata's own bookkeeping, not sublayers a user assigned.
_INTERNAL = frozenset(
    {
        "_sublayers",
        "_inbound_nodes",
        "_own_variables",
        "_regularized",
        "_losses",
        "_stack",
        "_created_nodes",
        "_graph_nodes",
        "_input_structure",
        "_output_structure",
        "_flat_inputs",
        "_flat_outputs",
    }
)
MAX_DATASET_BYTES = 1 << 32  # 4 GiB: no single weight of a model strata loads is this large.
_SPARSE_FLOOR = 64 << 20  # datasets above 64 MiB must store at least 1/1000 of their bytes.
_MAX_OBJECTS = 200_000
_MAX_DEPTH = 64


@dataclasses.dataclass
class Entry:
    """One ``<path>/vars`` group: the variables of a layer, or an optimizer's state."""

    path: str
    name: str
    variables: list
    optimizer: object = None
    # The layer whose own variables these are; its `save_own_variables`/`load_own_variables`
    # are called when it overrides them.
    layer: object = None

    @property
    def group(self) -> str:
        return f"{self.path}/vars" if self.path else "vars"


# ---- the walk -------------------------------------------------------------------------------
def weight_entries(model, include_optimizer: bool = True) -> list[Entry]:
    """Every saveable of `model` with its path, in Keras's order."""
    entries: list[Entry] = []
    _walk(model, "", entries, set(), include_optimizer)
    return entries


def _own_variables(layer) -> list:
    own = layer._own_variables
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _is_saveable(obj) -> bool:
    from strata.layers.layer import Layer
    from strata.optimizers.base import Optimizer

    return isinstance(obj, Layer | Optimizer)


def _join(path: str, name: str) -> str:
    return f"{path}/{name}" if path else name


def _walk(obj, path, entries, visited, include_optimizer) -> None:
    from strata.optimizers.base import Optimizer
    from strata.saving.registry import builtin_kind

    if id(obj) in visited:
        return
    visited.add(id(obj))
    if isinstance(obj, Optimizer):
        if include_optimizer:
            entries.append(Entry(path, obj.name, [], optimizer=obj))
        return
    own = _own_variables(obj)
    cell = None
    if builtin_kind(type(obj)) and own and not hasattr(obj, "cell"):
        cell = _CELL_LAYERS.get(type(obj).__name__)
    if cell is not None:
        entries.append(Entry(path, obj.name, []))
        entries.append(Entry(_join(path, "cell"), cell, own, layer=obj))
    else:
        entries.append(Entry(path, obj.name, own, layer=obj))
    for attr, child in _children(obj):
        child_path = _join(path, attr)
        if _is_saveable(child):
            _walk(child, child_path, entries, visited, include_optimizer)
        elif isinstance(child, list | tuple | dict):
            _walk_container(child, child_path, entries, visited, include_optimizer, set())


def _children(obj):
    from strata.models.functional import Functional
    from strata.models.model import Model

    # Keras visits the graph's layers first, then attributes by name (private ones last).
    if isinstance(obj, Functional):
        yield "layers", obj.layers
    names = {name for name in vars(obj) if name not in _INTERNAL and not name.startswith("__")}
    if isinstance(obj, Model) and not isinstance(obj, Functional):
        names.add("layers")
    for name in sorted(names, key=lambda n: f"~{n}" if n.startswith("_") else n):
        yield name, getattr(obj, name)


def _walk_container(items, path, entries, visited, include_optimizer, seen) -> None:
    if id(items) in seen:
        return
    seen.add(id(items))
    used: dict = {}
    for item in items.values() if isinstance(items, dict) else items:
        if _is_saveable(item):
            name = _unique(to_snake_case(type(item).__name__), used)
            _walk(item, _join(path, name), entries, visited, include_optimizer)
        elif isinstance(item, list | tuple | dict):
            name = _unique("container", used)
            _walk_container(item, _join(path, name), entries, visited, include_optimizer, seen)


def _unique(name: str, used: dict) -> str:
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


# ---- writing ---------------------------------------------------------------------------------
def write_weights(model, h5file: h5py.File, include_optimizer: bool = True) -> None:
    """Write `model`'s weights (and optimizer state) into an open, writable h5py file."""
    from strata.saving.optimizer_state import optimizer_values

    for entry in weight_entries(model, include_optimizer):
        group = h5file.require_group(entry.group)
        group.attrs["name"] = entry.name
        if entry.optimizer is not None:
            items = enumerate(optimizer_values(entry.optimizer))
        elif own_variables.overrides(entry.layer, "save_own_variables"):
            items = own_variables.saved(entry.layer)
        else:
            items = enumerate(v.numpy() for v in entry.variables)
        for i, value in items:
            value = np.asarray(value)
            if value.dtype.name == "bfloat16":
                dataset = group.create_dataset(str(i), data=value.astype(np.float32))
                dataset.attrs["dtype"] = "bfloat16"
            else:
                group.create_dataset(str(i), data=value)


# ---- the safety scan ---------------------------------------------------------------------------
def scan(h5file: h5py.File, source: str) -> None:
    """Refuse links, datasets stored outside the file, virtual datasets and size bombs.

    Runs over the whole file before anything is read from it.
    """
    count = 0
    stack = [(h5file, "", 0)]
    while stack:
        group, path, depth = stack.pop()
        if depth > _MAX_DEPTH:
            raise ValueError(f"{source}: HDF5 groups nested deeper than {_MAX_DEPTH} levels.")
        for key in group.keys():
            count += 1
            if count > _MAX_OBJECTS:
                raise ValueError(f"{source}: more than {_MAX_OBJECTS} HDF5 objects.")
            where = f"{path}/{key}"
            link = group.get(key, getlink=True)
            if isinstance(link, h5py.ExternalLink):
                raise ValueError(
                    f"{source}: '{where}' is an HDF5 external link (to {link.filename!r}); "
                    "weights files may not point at other files."
                )
            if not isinstance(link, h5py.HardLink):
                raise ValueError(
                    f"{source}: '{where}' is an HDF5 {type(link).__name__}; weights files may "
                    "only hold plain groups and datasets."
                )
            obj = group[key]
            if isinstance(obj, h5py.Group):
                stack.append((obj, where, depth + 1))
            elif isinstance(obj, h5py.Dataset):
                check_dataset(obj, where, source)
            else:
                raise ValueError(f"{source}: '{where}' is not a group or a dataset.")


def check_dataset(dataset: h5py.Dataset, where: str, source: str) -> None:
    """Refuse a dataset that is virtual, stored externally, non-numeric or absurdly large."""
    if dataset.is_virtual:
        raise ValueError(
            f"{source}: '{where}' is an HDF5 virtual dataset; its data would come from other "
            "files, which weights files may not reference."
        )
    if dataset.id.get_create_plist().get_external_count() > 0:
        raise ValueError(
            f"{source}: '{where}' keeps its data in an external file; weights files must hold "
            "their data themselves."
        )
    dtype = dataset.dtype
    bfloat16 = dataset.attrs.get("dtype", None) in ("bfloat16", b"bfloat16")
    if dtype.kind not in "biuf" and not (bfloat16 and dtype.itemsize == 2):
        raise ValueError(f"{source}: '{where}' has non-numeric dtype {dtype}; weights are numbers.")
    shape = dataset.shape
    if shape is None:
        raise ValueError(f"{source}: '{where}' is an empty (null-space) dataset.")
    declared = math.prod(shape) * dtype.itemsize
    if declared > MAX_DATASET_BYTES:
        raise ValueError(
            f"{source}: '{where}' declares shape {shape} ({declared} bytes), more than the "
            f"{MAX_DATASET_BYTES}-byte limit for one weight; refusing to allocate it."
        )
    if declared > _SPARSE_FLOOR and declared > 1000 * dataset.id.get_storage_size():
        raise ValueError(
            f"{source}: '{where}' declares {declared} bytes but stores only "
            f"{dataset.id.get_storage_size()}; refusing to allocate it (a shape bomb)."
        )


# ---- reading ---------------------------------------------------------------------------------
def _group_at(h5file, path: str):
    """The group at `path` (no link followed; the file was scanned), or None."""
    node = h5file
    for part in path.split("/"):
        if not isinstance(node, h5py.Group) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, h5py.Group) else None


def read_dataset(dataset: h5py.Dataset) -> np.ndarray:
    value = dataset[()]
    if dataset.attrs.get("dtype", None) in ("bfloat16", b"bfloat16"):
        import ml_dtypes

        value = value.view(ml_dtypes.bfloat16) if value.dtype.kind == "V" else value
        value = np.asarray(value).astype(ml_dtypes.bfloat16)
    return np.asarray(value)


def load_weights(
    model, h5file: h5py.File, source: str, *, skip_mismatch=False, load_optimizer=True
) -> None:
    """Assign every weight of `model` (and the optimizer state) from a scanned h5py file.

    Shapes and counts are checked for every layer before any value is read or assigned, so a
    file that does not fit leaves the model unchanged.
    """
    from strata.saving.optimizer_state import set_optimizer_values

    assignments = []
    optimizer_values = None
    custom_loads = []
    for entry in weight_entries(model, include_optimizer=load_optimizer):
        group = _group_at(h5file, entry.group)
        if entry.optimizer is not None:
            if group is not None and len(group):
                optimizer_values = (entry.optimizer, _datasets(group, entry, source))
            continue
        if own_variables.overrides(entry.layer, "load_own_variables"):
            custom_loads.append((entry.layer, group))
            continue
        if not entry.variables:
            continue
        if group is None:
            _mismatch(
                skip_mismatch,
                f"{source}: no weights for layer '{entry.name}' (expected at '{entry.group}'). "
                "The file was saved from a different model.",
            )
            continue
        datasets = _datasets(group, entry, source)
        if len(datasets) != len(entry.variables):
            _mismatch(
                skip_mismatch,
                f"{source}: layer '{entry.name}' has {len(entry.variables)} weights, but the file "
                f"holds {len(datasets)} at '{entry.group}'.",
            )
            continue
        pairs = []
        for variable, dataset in zip(entry.variables, datasets):
            if tuple(dataset.shape) != tuple(variable.shape):
                _mismatch(
                    skip_mismatch,
                    f"{source}: weight '{variable.path}' of layer '{entry.name}' has shape "
                    f"{tuple(variable.shape)}, but the file holds shape {tuple(dataset.shape)} at "
                    f"'{entry.group}/{dataset.name.rsplit('/', 1)[-1]}'.",
                )
                pairs = None
                break
            pairs.append((variable, dataset))
        if pairs:
            assignments.extend(pairs)
    values = [(variable, read_dataset(dataset)) for variable, dataset in assignments]
    for variable, value in values:
        variable.assign(value.astype(variable.dtype))
    for layer, group in custom_loads:
        layer.load_own_variables(own_variables.Store(group, read_dataset))
    if optimizer_values is not None:
        optimizer, datasets = optimizer_values
        set_optimizer_values(optimizer, model.trainable_weights, datasets, source)


def _datasets(group, entry: Entry, source: str) -> list:
    names = list(group.keys())
    expected = [str(i) for i in range(len(names))]
    if sorted(names, key=lambda n: (len(n), n)) != expected:
        raise ValueError(
            f"{source}: '{entry.group}' should hold datasets named 0..{len(names) - 1}; it holds "
            f"{sorted(names)[:10]}."
        )
    datasets = [group[name] for name in expected]
    for dataset in datasets:
        if not isinstance(dataset, h5py.Dataset):
            raise ValueError(f"{source}: '{dataset.name}' is not a dataset.")
    return datasets


def _mismatch(skip: bool, message: str) -> None:
    if not skip:
        raise ValueError(message + " Pass `skip_mismatch=True` to skip such layers.")
    warnings.warn(message + " Skipped (skip_mismatch=True).", UserWarning, stacklevel=4)
