"""Logs as the host reports them: Python floats, in Keras's order."""

from __future__ import annotations

import jax
import numpy as np


def to_floats(device_logs) -> dict:
    """Logs as Python floats (from replicated arrays, also when they span several processes);
    a metric with one value per threshold stays an array, as in Keras.

    Example:
        >>> import numpy as np
        >>> to_floats({"loss": np.float32(0.5)})
        {'loss': 0.5}
    """

    def local(value):
        return value if getattr(value, "is_fully_addressable", True) else value.addressable_data(0)

    return {
        k: host_value(v)
        for k, v in jax.device_get({k: local(v) for k, v in device_logs.items()}).items()
    }


def host_value(value):
    """A scalar log as a Python float; a metric with one value per threshold as a NumPy array."""
    return float(value) if np.ndim(value) == 0 else np.asarray(value)


def ordered(logs: dict) -> dict:
    """Logs sorted by name with `val_` entries last, as Keras 3 orders History keys.

    Example:
        >>> list(ordered({"val_loss": 1.0, "mae": 2.0, "loss": 3.0}))
        ['loss', 'mae', 'val_loss']
    """
    train = sorted(k for k in logs if not k.startswith("val_"))
    val = sorted(k for k in logs if k.startswith("val_"))
    return {k: logs[k] for k in train + val}
