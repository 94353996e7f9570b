"""`Lion` (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"): a step of fixed
size per weight, in the sign of an interpolation between momentum and gradient.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.base import Optimizer, cast_like, check_unit_interval

_map = jax.tree_util.tree_map


def lion_rule(learning_rate, beta_1=0.9, beta_2=0.99):
    """Step ``-lr * sign(β1·m + (1-β1)·g)``, then ``m = β2·m + (1-β2)·g``."""

    def init(params):
        return {"count": jnp.zeros((), jnp.int32), "momentum": _map(jnp.zeros_like, params)}

    def update(grads, state, params=None):
        updates = _map(
            lambda m, g: -cast_like(learning_rate, m) * jnp.sign(m * beta_1 + g * (1.0 - beta_1)),
            state["momentum"],
            grads,
        )
        m = _map(lambda m, g: m * beta_2 + g * (1.0 - beta_2), state["momentum"], grads)
        return updates, {"count": state["count"] + 1, "momentum": m}

    return optax.GradientTransformation(init, update)


class Lion(Optimizer):
    """Lion: sign-of-momentum steps, with far less state than Adam (one slot per weight).

    Args:
        learning_rate: a float (default 0.001) or a callable of the step; Lion's steps are
            ``learning_rate`` in size, so it is usually 3-10 times smaller than Adam's.
        beta_1: the gradient's share in the step direction is ``1 - beta_1``, in (0, 1] (0.9).
        beta_2: decay rate of the momentum, in [0, 1] (0.99).
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0, 1.0])]
        >>> opt = Lion(learning_rate=0.1)
        >>> new, _ = opt.step([jnp.array([2.0, -0.5])], opt.init_state(w), w)
        >>> [round(x, 4) for x in new[0].tolist()]
        [0.9, 1.1]
    """

    slot_groups = (("momentum",),)

    def __init__(self, learning_rate=None, beta_1=0.9, beta_2=0.99, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if isinstance(beta_1, (int, float)) and not isinstance(beta_1, bool) and beta_1 <= 0:
            raise ValueError(
                "Lion: argument `beta_1` must be in the (0, 1] range; at 0 the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1!r}."
            )
        self.beta_1 = check_unit_interval("Lion", "beta_1", beta_1)
        self.beta_2 = check_unit_interval("Lion", "beta_2", beta_2)

    def rule(self, learning_rate):
        return lion_rule(learning_rate, self.beta_1, self.beta_2)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}
