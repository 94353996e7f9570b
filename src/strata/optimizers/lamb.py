"""`Lamb` (You et al., 2019, "Large Batch Optimization for Deep Learning"): Adam's step, rescaled
per weight tensor by the ratio of the weights' norm to the step's norm (a trust ratio).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.base import (
    Optimizer,
    cast_like,
    check_nonneg_float,
    check_unit_interval,
)

_map = jax.tree_util.tree_map


def lamb_rule(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam's bias-corrected ``m̂ / (sqrt(v̂) + eps)``, times ``‖w‖ / ‖step‖`` (1 when either
    norm is 0), times the learning rate."""

    def init(params):
        return {
            "count": jnp.zeros((), jnp.int32),
            "momentum": _map(jnp.zeros_like, params),
            "velocity": _map(jnp.zeros_like, params),
        }

    def update(grads, state, params):
        t = (state["count"] + 1).astype(jnp.float32)
        m = _map(lambda m, g: m + (g - m) * (1 - beta_1), state["momentum"], grads)
        v = _map(lambda v, g: v + (jnp.square(g) - v) * (1 - beta_2), state["velocity"], grads)

        def step(m, v, w):
            direction = (m / cast_like(1.0 - beta_1**t, m)) / (
                jnp.sqrt(v / cast_like(1.0 - beta_2**t, v)) + epsilon
            )
            w_norm = jnp.sqrt(jnp.sum(jnp.square(w)))
            d_norm = jnp.sqrt(jnp.sum(jnp.square(direction)))
            ratio = jnp.where((w_norm > 0) & (d_norm > 0), w_norm / d_norm, 1.0)
            return -(ratio * cast_like(learning_rate, w) * direction)

        updates = _map(step, m, v, params)
        return updates, {"count": state["count"] + 1, "momentum": m, "velocity": v}

    return optax.GradientTransformation(init, update)


class Lamb(Optimizer):
    """Lamb: Adam with a per-tensor trust ratio, for large batches.

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        beta_1: decay rate of the first moment, in [0, 1] (0.9).
        beta_2: decay rate of the second moment, in [0, 1] (0.999).
        epsilon: added to the root of the second moment, >= 0 (1e-7).
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([3.0, 4.0])]
        >>> opt = Lamb(learning_rate=0.1)
        >>> new, _ = opt.step([jnp.array([1.0, 1.0])], opt.init_state(w), w)
        >>> [round(x, 3) for x in new[0].tolist()]  # the step's norm is lr * ||w|| = 0.5
        [2.646, 3.646]
    """

    slot_groups = (("momentum", "velocity"),)

    def __init__(
        self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_unit_interval("Lamb", "beta_1", beta_1)
        self.beta_2 = check_unit_interval("Lamb", "beta_2", beta_2)
        self.epsilon = check_nonneg_float("Lamb", "epsilon", epsilon)

    def rule(self, learning_rate):
        return lamb_rule(learning_rate, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
