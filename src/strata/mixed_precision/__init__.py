"""Mixed precision: compute in 16 bits, keep weights in float32 (public names only)."""

from strata.mixed_precision.policy import DTypePolicy, global_policy, set_global_policy
from strata.optimizers.loss_scale_optimizer import LossScaleOptimizer

Policy = DTypePolicy

__all__ = ["DTypePolicy", "Policy", "LossScaleOptimizer", "global_policy", "set_global_policy"]
