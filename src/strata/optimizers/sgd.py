"""`SGD` with optional (Nesterov) momentum, Keras 3's formulation."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.base import Optimizer, cast_like, check_unit_interval

_map = jax.tree_util.tree_map


def sgd_rule(learning_rate, momentum=0.0, nesterov=False) -> optax.GradientTransformation:
    """``m = momentum*m - lr*g``; update ``m`` (or ``momentum*m - lr*g`` with Nesterov)."""

    def init(params):
        if not momentum:
            return {}
        return {"momentum": _map(jnp.zeros_like, params)}

    def update(grads, state, params=None):
        def velocity(m, g):
            return momentum * m - cast_like(learning_rate, g) * g

        if not momentum:
            return _map(lambda g: -(g * cast_like(learning_rate, g)), grads), state
        m = _map(velocity, state["momentum"], grads)
        # Nesterov looks one step ahead with the *new* velocity, as Keras does.
        updates = _map(velocity, m, grads) if nesterov else m
        return updates, {"momentum": m}

    return optax.GradientTransformation(init, update)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    Args:
        learning_rate: a float (default 0.01) or a callable of the step.
        momentum: float in [0, 1]; 0 disables momentum (and its slots).
        nesterov: use Nesterov momentum.
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0, 2.0])]
        >>> opt = SGD(learning_rate=0.1)
        >>> new, _ = opt.step([jnp.array([1.0, -1.0])], opt.init_state(w), w)
        >>> [round(x, 4) for x in new[0].tolist()]  # w - lr * g
        [0.9, 2.1]
    """

    default_learning_rate = 0.01

    def __init__(self, learning_rate=None, momentum=0.0, nesterov=False, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.momentum = check_unit_interval("SGD", "momentum", momentum)
        self.nesterov = bool(nesterov)
        self.slot_groups = (("momentum",),) if self.momentum else ()

    def rule(self, learning_rate):
        return sgd_rule(learning_rate, self.momentum, self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
