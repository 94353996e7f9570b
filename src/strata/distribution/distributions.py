"""`DataParallel` and `ModelParallel`: where a model's weights and batches live during `fit`.

A distribution answers three questions for the engine: the sharding of each weight (by its
path), the sharding of a batch (split along the batch axis), and the mesh. The engine places the
training state accordingly and constrains each gathered batch inside the compiled step; XLA's
SPMD partitioner does the rest (gradient all-reduce included), so the numbers are those of one
device. A batch whose size does not divide the number of batch shards is padded with masked rows.
"""

from __future__ import annotations

import contextlib

import jax
from jax.sharding import NamedSharding, PartitionSpec

from strata.distribution.mesh import DeviceMesh, LayoutMap

_active = {"distribution": None}


class Distribution:
    """Base class: a device mesh and a batch axis name."""

    def __init__(self, device_mesh: DeviceMesh, batch_dim_name: str):
        if batch_dim_name not in device_mesh.axis_names:
            raise ValueError(
                f"{type(self).__name__}: batch axis '{batch_dim_name}' is not an axis of the mesh "
                f"{device_mesh.axis_names}."
            )
        self.device_mesh = device_mesh
        self.batch_dim_name = batch_dim_name

    @property
    def batch_shards(self) -> int:
        """How many pieces each batch is split into."""
        return self.device_mesh.shape[self.device_mesh.axis_names.index(self.batch_dim_name)]

    def batch_sharding(self) -> NamedSharding:
        return NamedSharding(self.device_mesh.jax_mesh, PartitionSpec(self.batch_dim_name))

    def replicated(self) -> NamedSharding:
        return NamedSharding(self.device_mesh.jax_mesh, PartitionSpec())

    def variable_sharding(self, variable) -> NamedSharding:
        return self.replicated()

    @contextlib.contextmanager
    def scope(self):
        """Make this the active distribution inside a ``with`` block."""
        previous = _active["distribution"]
        _active["distribution"] = self
        try:
            yield self
        finally:
            _active["distribution"] = previous


class DataParallel(Distribution):
    """Replicate the weights on every device; split each batch across devices.

    Args:
        device_mesh: a 1-D mesh (the first axis is the batch axis); or
        devices: devices to build one from (all devices by default).

    Example:
        >>> dist = DataParallel()
        >>> dist.batch_shards == len(jax.devices())
        True
    """

    def __init__(
        self, device_mesh: DeviceMesh | None = None, devices=None, auto_shard_dataset=True
    ):
        if device_mesh is None:
            count = len(devices) if devices is not None else len(jax.devices())
            device_mesh = DeviceMesh((count,), ["batch"], devices)
        super().__init__(device_mesh, device_mesh.axis_names[0])
        self.auto_shard_dataset = auto_shard_dataset


class ModelParallel(Distribution):
    """Lay out weights by a `LayoutMap` (others replicated); split batches on `batch_dim_name`.

    Example:
        >>> mesh = DeviceMesh((1, len(jax.devices())), ["batch", "model"])
        >>> layouts = LayoutMap(mesh)
        >>> layouts[".*kernel"] = (None, "model")
        >>> ModelParallel(layout_map=layouts, batch_dim_name="batch").batch_dim_name
        'batch'
    """

    def __init__(self, *, layout_map: LayoutMap, batch_dim_name: str | None = None):
        mesh = layout_map.device_mesh
        super().__init__(mesh, batch_dim_name or mesh.axis_names[0])
        self.layout_map = layout_map

    def variable_sharding(self, variable) -> NamedSharding:
        layout = self.layout_map[variable.path]
        if layout is None:
            return self.replicated()
        if len(layout.axes) != len(variable.shape):
            raise ValueError(
                f"LayoutMap: layout {layout.axes} for variable '{variable.path}' has "
                f"{len(layout.axes)} axes, but the variable has shape {variable.shape}."
            )
        return layout.sharding(self.device_mesh)


def set_distribution(value: Distribution | None) -> None:
    """Use `value` for every later `fit`/`evaluate`/`predict` (None: one device)."""
    if value is not None and not isinstance(value, Distribution):
        raise TypeError(
            f"set_distribution expects a DataParallel or ModelParallel instance or None; "
            f"received {type(value).__name__}."
        )
    _active["distribution"] = value


def distribution() -> Distribution | None:
    """The active distribution, or None."""
    return _active["distribution"]
