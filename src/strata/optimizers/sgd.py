"""`SGD` with optional (Nesterov) momentum, Keras 3's formulation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.base import Optimizer, check_unit_interval


def sgd_rule(learning_rate, momentum=0.0, nesterov=False) -> optax.GradientTransformation:
    """``m = momentum*m - lr*g``; update ``m`` (or ``momentum*m - lr*g`` with Nesterov)."""

    def init(params):
        if not momentum:
            return optax.EmptyState()
        return {"momentum": jax.tree_util.tree_map(jnp.zeros_like, params)}

    def update(grads, state, params=None):
        if not momentum:
            return jax.tree_util.tree_map(lambda g: -learning_rate * g, grads), state
        m = jax.tree_util.tree_map(
            lambda m, g: momentum * m - learning_rate * g, state["momentum"], grads
        )
        if nesterov:
            updates = jax.tree_util.tree_map(lambda m, g: momentum * m - learning_rate * g, m, grads)
        else:
            updates = m
        return updates, {"momentum": m}

    return optax.GradientTransformation(init, update)


class SGD(Optimizer):
    """Stochastic gradient descent.

    Args:
        learning_rate: default 0.01.
        momentum: float in [0, 1]; 0 disables momentum.
        nesterov: use Nesterov momentum.

    Example:
        >>> SGD(learning_rate=0.1, momentum=0.9).learning_rate
        0.1
    """

    default_learning_rate = 0.01

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = check_unit_interval("SGD", "momentum", momentum)
        self.nesterov = bool(nesterov)

    def rule(self, learning_rate):
        return sgd_rule(learning_rate, self.momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
