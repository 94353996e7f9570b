"""Dtype policies as Keras 3 writes them in configs, and read back from Keras 3 or tf.keras."""

from __future__ import annotations

from strata.mixed_precision import policy as mixed_precision_policy


def dtype_policy(dtype: str) -> dict:
    """Keras 3's serialized `DTypePolicy` for a dtype name.

    Example:
        >>> dtype_policy("float32")["config"]
        {'name': 'float32'}
    """
    return {
        "module": "keras",
        "class_name": "DTypePolicy",
        "config": {"name": dtype},
        "registered_name": None,
    }


def dtype_from_policy(value):
    """A policy name from a name, None, or a serialized (Keras 3 or tf.keras) dtype policy."""
    if isinstance(value, dict):
        config = value.get("config")
        name = config.get("name") if isinstance(config, dict) else None
        if value.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy", "Policy") or not (
            isinstance(name, str)
        ):
            raise ValueError(f"Unrecognized dtype policy {value!r}; expected a DTypePolicy.")
        value = name
    if isinstance(value, str):
        # Validates the name; mixed policies ("mixed_bfloat16") are kept as names.
        mixed_precision_policy.DTypePolicy(value)
    return value
