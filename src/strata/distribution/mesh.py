"""`DeviceMesh`, `TensorLayout`, `LayoutMap`: names for how arrays are laid out over devices.

They are thin, Keras-shaped wrappers over `jax.sharding.Mesh`, `PartitionSpec` and
`NamedSharding`; nothing is re-implemented.
"""

from __future__ import annotations

import re

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec


def list_devices(device_type=None) -> list[str]:
    """All devices of all processes, as ``"cpu:0"``-style strings.

    Example:
        >>> list_devices()[0].startswith(jax.devices()[0].platform)
        True
    """
    devices = jax.devices(device_type) if device_type else jax.devices()
    return [f"{d.platform}:{d.id}" for d in devices]


def get_device_count(device_type=None) -> int:
    """How many devices of `device_type` (``"cpu"``, ``"gpu"``, ``"tpu"``; None: the default
    kind) all processes have together.

    Example:
        >>> get_device_count() == len(list_devices())
        True
    """
    if device_type is not None and not isinstance(device_type, str):
        raise TypeError(
            f"get_device_count: `device_type` must be 'cpu', 'gpu', 'tpu' or None; received "
            f"{device_type!r}."
        )
    return int(jax.device_count(device_type))


def _resolve_devices(devices):
    if devices is None:
        return list(jax.devices())
    by_name = {f"{d.platform}:{d.id}": d for d in jax.devices()}
    resolved = []
    for device in devices:
        if isinstance(device, str):
            if device not in by_name:
                raise ValueError(
                    f"Unknown device {device!r}; available devices: {sorted(by_name)}."
                )
            resolved.append(by_name[device])
        else:
            resolved.append(device)
    return resolved


class DeviceMesh:
    """A grid of devices with named axes.

    Args:
        shape: grid shape, e.g. ``(2, 4)``; its product must equal the number of devices.
        axis_names: one name per grid axis, e.g. ``("batch", "model")``.
        devices: devices (objects or ``"cpu:0"`` strings); all devices by default.

    Example:
        >>> mesh = DeviceMesh((len(jax.devices()),), ["batch"])
        >>> mesh.axis_names
        ('batch',)
    """

    def __init__(self, shape, axis_names, devices=None):
        shape = tuple(int(s) for s in shape)
        axis_names = tuple(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(
                f"DeviceMesh: `shape` {shape} and `axis_names` {axis_names} must have the same "
                "length."
            )
        devices = _resolve_devices(devices)
        if int(np.prod(shape)) != len(devices):
            raise ValueError(
                f"DeviceMesh: shape {shape} holds {int(np.prod(shape))} devices, but "
                f"{len(devices)} devices were given. Pick a shape whose product is {len(devices)}."
            )
        self.shape = shape
        self.axis_names = axis_names
        self.devices = np.asarray(devices, dtype=object).reshape(shape)
        self.jax_mesh = Mesh(self.devices, axis_names)

    def __repr__(self) -> str:
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """How one array is split: one mesh axis name (or None, replicated) per array axis.

    Example:
        >>> TensorLayout((None, "model")).axes
        (None, 'model')
    """

    def __init__(self, axes, device_mesh: DeviceMesh | None = None):
        self.axes = tuple(axes)
        self.device_mesh = device_mesh

    def sharding(self, mesh: DeviceMesh | None = None) -> NamedSharding:
        mesh = mesh or self.device_mesh
        if mesh is None:
            raise ValueError("TensorLayout has no device mesh; pass one or set it on the layout.")
        unknown = [a for a in self.axes if a is not None and a not in mesh.axis_names]
        if unknown:
            raise ValueError(
                f"TensorLayout axes {self.axes} name mesh axes {unknown} that the mesh "
                f"{mesh.axis_names} does not have."
            )
        return NamedSharding(mesh.jax_mesh, PartitionSpec(*self.axes))


class LayoutMap:
    """Variable path patterns -> layouts (for `ModelParallel`).

    Keys are regular expressions searched in each variable's path (``"dense/kernel"``); an exact
    key wins, otherwise exactly one pattern may match.

    Example:
        >>> mesh = DeviceMesh((len(jax.devices()),), ["model"])
        >>> layouts = LayoutMap(mesh)
        >>> layouts["dense.*kernel"] = (None, "model")
        >>> layouts["dense_1/kernel"].axes
        (None, 'model')
    """

    def __init__(self, device_mesh: DeviceMesh):
        self.device_mesh = device_mesh
        self._layouts: dict[str, TensorLayout] = {}

    def __setitem__(self, key: str, layout) -> None:
        if not isinstance(layout, TensorLayout):
            layout = TensorLayout(layout, self.device_mesh)
        elif layout.device_mesh is None:
            layout.device_mesh = self.device_mesh
        re.compile(key)
        self._layouts[key] = layout

    def __getitem__(self, path: str) -> TensorLayout | None:
        if path in self._layouts:
            return self._layouts[path]
        matches = [key for key in self._layouts if re.search(key, path)]
        if len(matches) > 1:
            raise ValueError(
                f"Variable path '{path}' matches several LayoutMap keys {matches}; make the "
                "patterns specific enough that at most one matches."
            )
        return self._layouts[matches[0]] if matches else None

    def __contains__(self, path) -> bool:
        return self[path] is not None

    def __len__(self) -> int:
        return len(self._layouts)
