"""``keras.dtype_policies``'s functions over `DTypePolicy`: `get`, `serialize`, `deserialize`,
and `FloatDTypePolicy`, Keras's older name for a policy of float dtypes.
"""

from __future__ import annotations

from strata.mixed_precision.policy import DTypePolicy, global_policy


class FloatDTypePolicy(DTypePolicy):
    """A `DTypePolicy` saved under Keras's older class name ``FloatDTypePolicy``.

    Example:
        >>> FloatDTypePolicy("float16").compute_dtype
        'float16'
    """


_CLASSES = {"DTypePolicy": DTypePolicy, "FloatDTypePolicy": FloatDTypePolicy}


def serialize(dtype_policy) -> dict:
    """The policy as Keras writes it in a config.

    Example:
        >>> serialize(DTypePolicy("mixed_float16"))["config"]
        {'name': 'mixed_float16'}
    """
    if not isinstance(dtype_policy, DTypePolicy):
        raise ValueError(
            f"serialize expects a DTypePolicy; received {type(dtype_policy).__name__}: "
            f"{dtype_policy!r}. Build one with DTypePolicy('mixed_float16')."
        )
    return {
        "module": "keras",
        "class_name": type(dtype_policy).__name__,
        "config": dtype_policy.get_config(),
        "registered_name": None,
    }


def deserialize(config, custom_objects=None):
    """The policy a `serialize` dict (or a class name in `custom_objects`) describes.

    Example:
        >>> deserialize({"class_name": "DTypePolicy", "config": {"name": "bfloat16"}}).name
        'bfloat16'
    """
    classes = {**_CLASSES, **(custom_objects or {})}
    name = config.get("class_name") if isinstance(config, dict) else None
    if name not in classes:
        raise ValueError(
            f"Could not deserialize a dtype policy from {config!r}: expected a dict with "
            f"'class_name' one of {sorted(classes)} and a 'config'."
        )
    return classes[name].from_config(config.get("config", {}))


def get(identifier):
    """A policy from None (the global policy), a name, a `serialize` dict or a policy.

    Example:
        >>> get("mixed_bfloat16").variable_dtype
        'float32'
    """
    if identifier is None:
        return global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    raise ValueError(
        "Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
        f"Received: dtype={identifier!r}"
    )
