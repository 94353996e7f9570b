"""Mixed precision: compute in 16 bits, keep weights in float32 (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {
    "DTypePolicy": "strata.mixed_precision.policy",
    "LossScaleOptimizer": "strata.optimizers.loss_scale_optimizer",
    "Policy": "strata.mixed_precision.policy:DTypePolicy",
    "dtype_policy": "strata.mixed_precision.policy:global_policy",
    "global_policy": "strata.mixed_precision.policy",
    "set_dtype_policy": "strata.mixed_precision.policy:set_global_policy",
    "set_global_policy": "strata.mixed_precision.policy",
}

__all__ = ["DTypePolicy", "Policy", "LossScaleOptimizer", "global_policy", "set_global_policy"]
# Keras 3's names for the global policy's getter and setter.
__all__ += ["dtype_policy", "set_dtype_policy"]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
