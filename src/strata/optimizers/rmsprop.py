"""`RMSprop`, Keras 3's formulation (epsilon inside the square root)."""

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


def rmsprop_rule(learning_rate, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    """``v = rho*v + (1-rho)*g²``; step ``lr*g/sqrt(v - a² + eps)`` (``a`` only when centered)."""

    def init(params):
        state = {"velocity": _map(jnp.zeros_like, params)}
        if momentum:
            state["momentum"] = _map(jnp.zeros_like, params)
        if centered:
            state["average_gradient"] = _map(jnp.zeros_like, params)
        return state

    def update(grads, state, params=None):
        new = {
            "velocity": _map(
                lambda v, g: rho * v + (1 - rho) * jnp.square(g), state["velocity"], grads
            )
        }
        denominator = new["velocity"]
        if centered:
            new["average_gradient"] = _map(
                lambda a, g: rho * a + (1 - rho) * g, state["average_gradient"], grads
            )
            denominator = _map(lambda v, a: v - jnp.square(a), denominator, new["average_gradient"])
        increment = _map(
            lambda g, d: cast_like(learning_rate, g) * g / jnp.sqrt(d + epsilon), grads, denominator
        )
        if momentum:
            new["momentum"] = _map(lambda m, i: momentum * m + i, state["momentum"], increment)
            increment = new["momentum"]
        return _map(jnp.negative, increment), new

    return optax.GradientTransformation(init, update)


class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running root-mean-square of recent gradients.

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        rho: decay of the squared-gradient average, in [0, 1] (0.9).
        momentum: in [0, 1]; 0 disables momentum.
        epsilon: added inside the square root (1e-7).
        centered: subtract the squared mean gradient from the variance estimate.
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0])]
        >>> opt = RMSprop(learning_rate=0.1)
        >>> new, _ = opt.step([jnp.array([2.0])], opt.init_state(w), w)
        >>> round(float(new[0][0]), 4)  # 1 - 0.1 * 2 / sqrt(0.1 * 4)
        0.6838
    """

    slot_groups = (("velocity",), ("momentum",), ("average_gradient",))

    def __init__(
        self,
        learning_rate=None,
        rho=0.9,
        momentum=0.0,
        epsilon=1e-7,
        centered=False,
        name=None,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_unit_interval("RMSprop", "rho", rho)
        self.momentum = check_unit_interval("RMSprop", "momentum", momentum)
        self.epsilon = check_nonneg_float("RMSprop", "epsilon", epsilon)
        self.centered = bool(centered)

    def rule(self, learning_rate):
        return rmsprop_rule(learning_rate, self.rho, self.momentum, self.epsilon, self.centered)

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
