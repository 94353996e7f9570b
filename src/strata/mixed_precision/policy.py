"""`DTypePolicy`: the dtype a layer computes in and the dtype its weights are stored in.

``"mixed_bfloat16"`` and ``"mixed_float16"`` compute in 16 bits and keep weights in float32,
as Keras's policies do; a plain dtype name uses that dtype for both.
"""

from __future__ import annotations

import numpy as np

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_global = {"policy": None}


def _canonical_dtype(name: str) -> str:
    if name == "bfloat16":
        return name
    try:
        return str(np.dtype(name))
    except TypeError:
        raise ValueError(
            f"Unknown dtype policy {name!r}. Use a dtype such as 'float32', 'bfloat16' or "
            "'float16', or 'mixed_float16' / 'mixed_bfloat16'."
        ) from None


class DTypePolicy:
    """A named pair (compute dtype, variable dtype).

    Example:
        >>> policy = DTypePolicy("mixed_bfloat16")
        >>> policy.compute_dtype, policy.variable_dtype
        ('bfloat16', 'float32')
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = "float32"
        if isinstance(name, DTypePolicy):
            name = name.name
        if hasattr(name, "name") and not isinstance(name, str):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"DTypePolicy: `name` must be a string; received {name!r}.")
        if name in _MIXED:
            self.compute_dtype, self.variable_dtype = _MIXED[name], "float32"
            self.name = name
        else:
            dtype = _canonical_dtype(name)
            self.compute_dtype = self.variable_dtype = dtype
            self.name = dtype

    @property
    def is_mixed(self) -> bool:
        return self.compute_dtype != self.variable_dtype

    @property
    def quantization_mode(self) -> None:
        """None: strata's policies do not quantize (Keras's quantized policies are not built)."""
        return None

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_config(self) -> dict:
        return {"name": self.name}

    def __eq__(self, other) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self.name}">'


def set_global_policy(policy) -> None:
    """Default policy for layers created afterwards: a name, a `DTypePolicy`, or None (float32).

    Example:
        >>> set_global_policy("mixed_bfloat16")
        >>> global_policy().name
        'mixed_bfloat16'
        >>> set_global_policy(None)
    """
    _global["policy"] = None if policy is None else DTypePolicy(policy)


def global_policy() -> DTypePolicy:
    """The policy new layers use when they are not given a `dtype`."""
    return _global["policy"] or DTypePolicy("float32")


def get(dtype) -> DTypePolicy:
    """A policy from None (the global one), a name, a dtype or a `DTypePolicy`."""
    if dtype is None:
        return global_policy()
    return dtype if isinstance(dtype, DTypePolicy) else DTypePolicy(dtype)
