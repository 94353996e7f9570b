"""`Adadelta`, Keras 3's formulation (a learning rate multiplies Zeiler's step)."""

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


def adadelta_rule(learning_rate, rho=0.95, epsilon=1e-7):
    """Running averages of g² and of past steps d²; step ``lr*d``, ``d = -g*rms(d²)/rms(g²)``.

    ``rms(x) = sqrt(x + eps)``. The step average is updated with the new step, after it is
    taken (Zeiler 2012, Algorithm 1).
    """

    def rms(x):
        return jnp.sqrt(x + epsilon)

    def init(params):
        return {
            "accumulated_grad": _map(jnp.zeros_like, params),
            "accumulated_delta_var": _map(jnp.zeros_like, params),
        }

    def update(grads, state, params=None):
        accumulated_grad = _map(
            lambda a, g: rho * a + (1 - rho) * jnp.square(g), state["accumulated_grad"], grads
        )
        delta = _map(
            lambda g, a, d: -(rms(d) * g) / rms(a),
            grads,
            accumulated_grad,
            state["accumulated_delta_var"],
        )
        accumulated_delta = _map(
            lambda a, d: rho * a + (1 - rho) * jnp.square(d), state["accumulated_delta_var"], delta
        )
        updates = _map(lambda d: cast_like(learning_rate, d) * d, delta)
        return updates, {
            "accumulated_grad": accumulated_grad,
            "accumulated_delta_var": accumulated_delta,
        }

    return optax.GradientTransformation(init, update)


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of recent step sizes to recent gradient sizes.

    Args:
        learning_rate: a float (default 0.001; 1.0 gives the paper's form) or a callable of the
            step.
        rho: decay rate of both running averages, in [0, 1] (0.95).
        epsilon: added inside each square root, >= 0 (1e-7).
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0])]
        >>> opt = Adadelta(learning_rate=1.0, epsilon=1e-6)
        >>> new, _ = opt.step([jnp.array([1.0])], opt.init_state(w), w)
        >>> round(float(new[0][0]), 5)  # 1 - sqrt(1e-6) / sqrt(0.05 + 1e-6)
        0.99553
    """

    slot_groups = (("accumulated_grad", "accumulated_delta_var"),)

    def __init__(self, learning_rate=None, rho=0.95, epsilon=1e-7, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.rho = check_unit_interval("Adadelta", "rho", rho)
        self.epsilon = check_nonneg_float("Adadelta", "epsilon", epsilon)

    def rule(self, learning_rate):
        return adadelta_rule(learning_rate, self.rho, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
