"""Dtype policies (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {
    "DTypePolicy": "strata.mixed_precision.policy",
    "FloatDTypePolicy": "strata.mixed_precision.policy_io",
    "deserialize": "strata.mixed_precision.policy_io",
    "get": "strata.mixed_precision.policy_io",
    "serialize": "strata.mixed_precision.policy_io",
}

__all__ = ["DTypePolicy", "FloatDTypePolicy", "deserialize", "get", "serialize"]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
