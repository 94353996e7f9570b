"""Several devices and hosts through JAX's own sharding (public names only)."""

from strata.distribution.distributions import (
    DataParallel,
    Distribution,
    ModelParallel,
    distribution,
    set_distribution,
)
from strata.distribution.initialize import initialize
from strata.distribution.mesh import (
    DeviceMesh,
    LayoutMap,
    TensorLayout,
    get_device_count,
    list_devices,
)

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "Distribution",
    "LayoutMap",
    "ModelParallel",
    "TensorLayout",
    "distribution",
    "get_device_count",
    "initialize",
    "list_devices",
    "set_distribution",
]
