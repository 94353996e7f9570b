"""`Adam` and `AdamW`, Keras 3's formulation (the "epsilon hat" form)."""

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


def update_moments(grads, momentum, velocity, beta_1, beta_2, *, rounded_betas=False):
    """Adam's moment estimates: ``m += (g - m)(1 - β1)`` and ``v += (g² - v)(1 - β2)``.

    With `rounded_betas`, ``1 - β`` is taken after rounding β to the weight's dtype, as Keras's
    Nadam does (``1 - float32(0.9)`` is not ``float32(0.1)``); Keras's Adam subtracts in float64.
    """

    def complement(beta, like):
        return 1 - cast_like(beta, like) if rounded_betas else 1 - beta

    m = _map(lambda m, g: m + (g - m) * complement(beta_1, g), momentum, grads)
    v = _map(lambda v, g: v + (jnp.square(g) - v) * complement(beta_2, g), velocity, grads)
    return m, v


def adam_rule(learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    """``w -= lr*sqrt(1-β2^t)/(1-β1^t) * m/(sqrt(v)+eps)``; with amsgrad ``v`` is a running max."""

    def init(params):
        state = {
            # The step number t - 1; Keras derives t from `iterations`, which this equals.
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
        m, v = update_moments(grads, state["momentum"], state["velocity"], beta_1, beta_2)
        new = {"count": state["count"] + 1, "momentum": m, "velocity": v}
        if amsgrad:
            new["velocity_hat"] = _map(jnp.maximum, state["velocity_hat"], v)
            v = new["velocity_hat"]
        updates = _map(lambda m, v: -(m * cast_like(alpha, m)) / (jnp.sqrt(v) + epsilon), m, v)
        return updates, new

    return optax.GradientTransformation(init, update)


class Adam(Optimizer):
    """Adam: steps scaled by bias-corrected running moments of the gradient.

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        beta_1: decay rate of the first moment estimate, in [0, 1] (0.9).
        beta_2: decay rate of the second moment estimate, in [0, 1] (0.999).
        epsilon: added to the root of the second moment (1e-7), not bias-corrected.
        amsgrad: use the running maximum of the second moment.
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0, 1.0])]
        >>> opt = Adam(learning_rate=0.1)
        >>> new, state = opt.step([jnp.array([3.0, -0.5])], opt.init_state(w), w)
        >>> [round(x, 4) for x in new[0].tolist()]  # the first step moves each weight by ~lr
        [0.9, 1.1]
    """

    def __init__(
        self,
        learning_rate=None,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-7,
        amsgrad=False,
        name=None,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_unit_interval(owner, "beta_1", beta_1)
        self.beta_2 = check_unit_interval(owner, "beta_2", beta_2)
        self.epsilon = check_nonneg_float(owner, "epsilon", epsilon)
        self.amsgrad = bool(amsgrad)
        self.slot_groups = (("momentum", "velocity"),) + ((("velocity_hat",),) if amsgrad else ())

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

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        weight_decay: the decay factor: each step first does ``w -= w * weight_decay * lr``.
        **kwargs: the arguments of `Adam`.

    Example:
        >>> AdamW().weight_decay
        0.004
    """

    def __init__(self, learning_rate=None, weight_decay=0.004, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: `weight_decay` cannot be None; pass a float such as 0.004.")
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, name=name, **kwargs
        )
