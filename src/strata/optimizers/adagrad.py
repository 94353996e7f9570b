"""`Adagrad`, Keras 3's formulation (epsilon inside the square root)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.base import Optimizer, cast_like, check_nonneg_float

_map = jax.tree_util.tree_map


def adagrad_rule(learning_rate, initial_accumulator_value=0.1, epsilon=1e-7):
    """``acc += g²`` (from `initial_accumulator_value`); step ``lr*g/sqrt(acc + eps)``."""

    def init(params):
        return {"accumulator": _map(lambda p: jnp.full_like(p, initial_accumulator_value), params)}

    def update(grads, state, params=None):
        accumulator = _map(lambda a, g: a + jnp.square(g), state["accumulator"], grads)
        updates = _map(
            lambda g, a: -(cast_like(learning_rate, g) * g) / jnp.sqrt(a + epsilon),
            grads,
            accumulator,
        )
        return updates, {"accumulator": accumulator}

    return optax.GradientTransformation(init, update)


class Adagrad(Optimizer):
    """Adagrad: per-weight steps shrinking with the sum of that weight's squared gradients.

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        initial_accumulator_value: starting value of the sums of squares, >= 0 (0.1).
        epsilon: added inside the square root, >= 0 (1e-7).
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([1.0])]
        >>> opt = Adagrad(learning_rate=0.1)
        >>> new, _ = opt.step([jnp.array([0.3])], opt.init_state(w), w)
        >>> round(float(new[0][0]), 4)  # 1 - 0.1 * 0.3 / sqrt(0.1 + 0.09)
        0.9312
    """

    slot_groups = (("accumulator",),)

    def __init__(
        self,
        learning_rate=None,
        initial_accumulator_value=0.1,
        epsilon=1e-7,
        name=None,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = check_nonneg_float(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value
        )
        self.epsilon = check_nonneg_float("Adagrad", "epsilon", epsilon)

    def rule(self, learning_rate):
        return adagrad_rule(learning_rate, self.initial_accumulator_value, self.epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
