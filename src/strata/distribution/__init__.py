"""Several devices and hosts through JAX's own sharding (public names only)."""

from strata.distribution.distributions import (
    DataParallel,
    Distribution,
    ModelParallel,
    distribution,
    set_distribution,
)
from strata.distribution.initialize import initialize
from strata.distribution.mesh import DeviceMesh, LayoutMap, TensorLayout, list_devices

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "Distribution",
    "LayoutMap",
    "ModelParallel",
    "TensorLayout",
    "distribution",
    "initialize",
    "list_devices",
    "set_distribution",
]
