"""`Adamax`: Adam with the infinity norm, Keras 3's formulation."""

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


def adamax_rule(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """``m += (g - m)(1-β1)``, ``u = max(β2*u, |g|)``; step ``lr*m / ((1-β1^t)(u + eps))``."""

    def init(params):
        return {
            "count": jnp.zeros((), jnp.int32),
            "momentum": _map(jnp.zeros_like, params),
            "norm": _map(jnp.zeros_like, params),
        }

    def update(grads, state, params=None):
        t = (state["count"] + 1).astype(jnp.float32)
        correction = 1 - beta_1**t
        m = _map(lambda m, g: m + (g - m) * (1 - beta_1), state["momentum"], grads)
        u = _map(lambda u, g: jnp.maximum(beta_2 * u, jnp.abs(g)), state["norm"], grads)
        updates = _map(
            lambda m, u: (
                -(cast_like(learning_rate, m) * m) / (cast_like(correction, u) * (u + epsilon))
            ),
            m,
            u,
        )
        return updates, {"count": state["count"] + 1, "momentum": m, "norm": u}

    return optax.GradientTransformation(init, update)


class Adamax(Optimizer):
    """Adamax: Adam whose second moment is an exponentially weighted infinity norm.

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        beta_1: decay rate of the first moment estimate, in [0, 1] (0.9).
        beta_2: decay rate of the infinity norm, in [0, 1] (0.999).
        epsilon: added to the norm, >= 0 (1e-7).
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0, 1.0])]
        >>> opt = Adamax(learning_rate=0.1)
        >>> new, _ = opt.step([jnp.array([2.0, -0.5])], opt.init_state(w), w)
        >>> [round(x, 4) for x in new[0].tolist()]  # the first step moves each weight by ~lr
        [0.9, 1.1]
    """

    slot_groups = (("momentum", "norm"),)

    def __init__(
        self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_unit_interval("Adamax", "beta_1", beta_1)
        self.beta_2 = check_unit_interval("Adamax", "beta_2", beta_2)
        self.epsilon = check_nonneg_float("Adamax", "epsilon", epsilon)

    def rule(self, learning_rate):
        return adamax_rule(learning_rate, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
