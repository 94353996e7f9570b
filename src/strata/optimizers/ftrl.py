"""`Ftrl` (McMahan et al., 2013, "Ad Click Prediction: a View from the Trenches"):
follow-the-regularized-leader, with L1 and L2 penalties solved in closed form at each step, in
Keras 3's formulation.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import optax

from strata.optimizers.base import Optimizer, cast_like

_map = jax.tree_util.tree_map


def ftrl_rule(
    learning_rate,
    learning_rate_power=-0.5,
    initial_accumulator_value=0.1,
    l1=0.0,
    l2=0.0,
    l2_shrinkage=0.0,
    beta=0.0,
):
    """Per weight: ``acc' = acc + g²``; ``linear += g + 2·l2_shrinkage·w - (acc'^-p - acc^-p)/lr·w``;
    ``w = (clip(linear, ±l1) - linear) / (acc'^-p / lr + 2·(l2 + beta / (2·lr)))``."""

    def init(params):
        return {
            "accumulator": _map(lambda p: jnp.full_like(p, initial_accumulator_value), params),
            "linear": _map(jnp.zeros_like, params),
        }

    def update(grads, state, params):
        def power(x):
            return jnp.power(x, -learning_rate_power)

        acc = state["accumulator"]
        new_acc = _map(lambda a, g: a + jnp.square(g), acc, grads)
        linear = _map(
            lambda lin, g, w, a, na: (
                lin
                + g
                + 2 * l2_shrinkage * w
                - (power(na) - power(a)) / cast_like(learning_rate, w) * w
            ),
            state["linear"],
            grads,
            params,
            acc,
            new_acc,
        )

        def new_weight_minus_old(lin, na, w):
            lr = cast_like(learning_rate, w)
            quadratic = power(na) / lr + 2 * (l2 + beta / (2.0 * lr))
            return (jnp.clip(lin, -l1, l1) - lin) / quadratic - w

        updates = _map(new_weight_minus_old, linear, new_acc, params)
        return updates, {"accumulator": new_acc, "linear": linear}

    return optax.GradientTransformation(init, update)


def _check(name: str, value, *, sign: str) -> float:
    bad = value > 0.0 if sign == "negative" else value < 0.0
    if not isinstance(value, (int, float)) or isinstance(value, bool) or bad:
        raise ValueError(f"Ftrl: `{name}` needs to be {sign} or zero. Received: {name}={value!r}.")
    return float(value)


class Ftrl(Optimizer):
    """FTRL-proximal, for wide sparse models with L1/L2 regularization in the update itself.

    Args:
        learning_rate: a float (default 0.001) or a callable of the step.
        learning_rate_power: how the step shrinks as squared gradients accumulate, <= 0 (-0.5).
        initial_accumulator_value: starting value of the sums of squares, >= 0 (0.1).
        l1_regularization_strength: L1 penalty, >= 0 (0.0); weights with small accumulated
            gradients become exactly zero.
        l2_regularization_strength: L2 penalty, >= 0 (0.0).
        l2_shrinkage_regularization_strength: L2 penalty applied through the gradient, >= 0.
        beta: added to the L2 penalty as ``beta / (2 * learning_rate)`` (0.0).
        **kwargs: the shared arguments of `Optimizer` (clipping, weight decay, name).

    Example:
        >>> import jax.numpy as jnp
        >>> w = [jnp.array([0.5, -0.5])]
        >>> opt = Ftrl(learning_rate=0.1, l1_regularization_strength=1.0)
        >>> new, _ = opt.step([jnp.array([0.1, 0.1])], opt.init_state(w), w)
        >>> new[0].tolist()  # small gradients and a large L1 penalty give exact zeros
        [0.0, 0.0]
    """

    slot_groups = (("accumulator", "linear"),)

    def __init__(
        self,
        learning_rate=None,
        learning_rate_power=-0.5,
        initial_accumulator_value=0.1,
        l1_regularization_strength=0.0,
        l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0,
        beta=0.0,
        name=None,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.initial_accumulator_value = _check(
            "initial_accumulator_value", initial_accumulator_value, sign="positive"
        )
        self.learning_rate_power = _check(
            "learning_rate_power", learning_rate_power, sign="negative"
        )
        self.l1_regularization_strength = _check(
            "l1_regularization_strength", l1_regularization_strength, sign="positive"
        )
        self.l2_regularization_strength = _check(
            "l2_regularization_strength", l2_regularization_strength, sign="positive"
        )
        self.l2_shrinkage_regularization_strength = _check(
            "l2_shrinkage_regularization_strength",
            l2_shrinkage_regularization_strength,
            sign="positive",
        )
        self.beta = float(beta)

    def rule(self, learning_rate):
        return ftrl_rule(
            learning_rate,
            self.learning_rate_power,
            self.initial_accumulator_value,
            self.l1_regularization_strength,
            self.l2_regularization_strength,
            self.l2_shrinkage_regularization_strength,
            self.beta,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        }
