"""`Adam` and `AdamW`, Keras 3's formulation (the "epsilon hat" form)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.base import Optimizer, check_unit_interval

_map = jax.tree_util.tree_map


def adam_rule(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """``w -= lr*sqrt(1-β2^t)/(1-β1^t) * m/(sqrt(v)+eps)``; with amsgrad ``v`` is a running max."""

    def init(params):
        state = {
            "count": jnp.zeros((), jnp.int32),
            "momentum": _map(jnp.zeros_like, params),
            "velocity": _map(jnp.zeros_like, params),
        }
        if amsgrad:
            state["velocity_hat"] = _map(jnp.zeros_like, params)
        return state

    def update(grads, state, params=None):
        t = (state["count"] + 1).astype(jnp.float32)
        alpha = learning_rate * jnp.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        m = _map(lambda m, g: m + (g - m) * (1 - beta_1), state["momentum"], grads)
        v = _map(lambda v, g: v + (jnp.square(g) - v) * (1 - beta_2), state["velocity"], grads)
        new = {"count": state["count"] + 1, "momentum": m, "velocity": v}
        denominator_source = v
        if amsgrad:
            new["velocity_hat"] = _map(jnp.maximum, state["velocity_hat"], v)
            denominator_source = new["velocity_hat"]
        updates = _map(lambda m, v: -(m * alpha) / (jnp.sqrt(v) + epsilon), m, denominator_source)
        return updates, new

    return optax.GradientTransformation(init, update)


class Adam(Optimizer):
    """Adam.

    Args:
        learning_rate: default 0.001.
        beta_1, beta_2: decay rates of the first and second moment estimates.
        epsilon: added to the root of the second moment (1e-7).
        amsgrad: use the running maximum of the second moment.

    Example:
        >>> Adam(learning_rate=0.01).learning_rate
        0.01
    """

    def __init__(
        self,
        learning_rate=None,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        name="adam",
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_unit_interval(owner, "beta_1", beta_1)
        self.beta_2 = check_unit_interval(owner, "beta_2", beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)

    def rule(self, learning_rate):
        return adam_rule(learning_rate, self.beta_1, self.beta_2, self.epsilon, self.amsgrad)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.004), applied before each update.

    Example:
        >>> AdamW().weight_decay
        0.004
    """

    def __init__(self, learning_rate=None, weight_decay=0.004, name="adamw", **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: `weight_decay` cannot be None; pass a float such as 0.004.")
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, name=name, **kwargs)
