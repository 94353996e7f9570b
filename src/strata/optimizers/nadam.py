"""`Nadam`: Adam with Nesterov momentum (Dozat 2016), Keras 3's formulation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.adam import update_moments
from strata.optimizers.base import (
    Optimizer,
    cast_like,
    check_nonneg_float,
    check_unit_interval,
)

_map = jax.tree_util.tree_map

# Dozat's momentum schedule: u_t = β1 (1 - 0.5 * 0.96^t).
_SCHEDULE_DECAY = 0.96


def nadam_rule(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """Adam's moments; step ``lr * m̂ / (sqrt(v̂) + eps)`` with Dozat's momentum schedule.

    ``u_t = β1(1 - 0.5*0.96^t)``; ``u_product`` (the running product of ``u_t``) is updated
    first, then ``m̂ = u_{t+1}*m/(1 - u_product*u_{t+1}) + (1-u_t)*g/(1 - u_product)`` and
    ``v̂ = v/(1 - β2^t)``.
    """

    def init(params):
        return {
            "count": jnp.zeros((), jnp.int32),
            "u_product": jnp.ones((), jnp.float32),
            "momentum": _map(jnp.zeros_like, params),
            "velocity": _map(jnp.zeros_like, params),
        }

    def update(grads, state, params=None):
        t = (state["count"] + 1).astype(jnp.float32)
        u_t = beta_1 * (1.0 - 0.5 * _SCHEDULE_DECAY**t)
        u_next = beta_1 * (1.0 - 0.5 * _SCHEDULE_DECAY ** (t + 1))
        # Keras multiplies in this order (u_product * β1 * ...), which rounds differently from
        # u_product * u_t; keep it for bitwise parity.
        u_product = state["u_product"] * beta_1 * (1.0 - 0.5 * _SCHEDULE_DECAY**t)
        u_product_next = u_product * u_next
        beta_2_power = beta_2**t
        m, v = update_moments(
            grads, state["momentum"], state["velocity"], beta_1, beta_2, rounded_betas=True
        )

        def step(m, v, g):
            def c(x):
                return cast_like(x, g)

            m_hat = c(u_next) * m / (1 - c(u_product_next)) + (1 - c(u_t)) * g / (1 - c(u_product))
            v_hat = v / (1 - c(beta_2_power))
            return -(m_hat * c(learning_rate)) / (jnp.sqrt(v_hat) + epsilon)

        updates = _map(step, m, v, grads)
        new = {"count": state["count"] + 1, "u_product": u_product, "momentum": m, "velocity": v}
        return updates, new

    return optax.GradientTransformation(init, update)


class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum.

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        beta_1: decay rate of the first moment estimate, in [0, 1] (0.9).
        beta_2: decay rate of the second moment estimate, in [0, 1] (0.999).
        epsilon: added to the root of the second moment, >= 0 (1e-7).
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0])]
        >>> opt = Nadam(learning_rate=0.1)
        >>> new, state = opt.step([jnp.array([0.5])], opt.init_state(w), w)
        >>> round(float(new[0][0]), 4), int(state["iterations"])
        (0.8937, 1)
    """

    slot_groups = (("momentum", "velocity"),)
    scalar_slots = ("u_product",)

    def __init__(
        self, learning_rate=None, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name=None, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = check_unit_interval("Nadam", "beta_1", beta_1)
        self.beta_2 = check_unit_interval("Nadam", "beta_2", beta_2)
        self.epsilon = check_nonneg_float("Nadam", "epsilon", epsilon)

    def rule(self, learning_rate):
        return nadam_rule(learning_rate, self.beta_1, self.beta_2, self.epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
