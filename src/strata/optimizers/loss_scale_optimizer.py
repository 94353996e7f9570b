"""`LossScaleOptimizer`: dynamic loss scaling for float16 training.

float16 gradients underflow; the loss is multiplied by a scale before differentiation and the
gradients divided by it after. When a step produces inf/NaN gradients the update is skipped and
the scale halved; after `dynamic_growth_steps` good steps it is doubled (Keras's rule).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.optimizers.base import Optimizer


class LossScaleOptimizer(Optimizer):
    """Wrap an optimizer with dynamic loss scaling.

    Args:
        inner_optimizer: the optimizer that applies the (unscaled) gradients.
        initial_scale: starting loss scale (2**15).
        dynamic_growth_steps: good steps between doublings (2000).

    Example:
        >>> from strata.optimizers import SGD
        >>> LossScaleOptimizer(SGD(0.1)).learning_rate
        0.1
    """

    def __init__(
        self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None, **kwargs
    ):
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(
                "LossScaleOptimizer: `inner_optimizer` must be a strata optimizer; received "
                f"{type(inner_optimizer).__name__}."
            )
        if not initial_scale > 0:
            raise ValueError(
                f"LossScaleOptimizer: `initial_scale` must be > 0; received {initial_scale}."
            )
        if (
            isinstance(dynamic_growth_steps, bool)
            or not isinstance(dynamic_growth_steps, int)
            or dynamic_growth_steps < 1
        ):
            raise ValueError(
                "LossScaleOptimizer: `dynamic_growth_steps` must be a positive int; received "
                f"{dynamic_growth_steps!r}."
            )
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = dynamic_growth_steps
        self.name = name or "loss_scale_optimizer"
        self.state = None
        self._variables = None
        self._excluded_names = inner_optimizer._excluded_names

    def init_state(self, params) -> dict:
        return {
            "inner": self.inner_optimizer.init_state(params),
            "loss_scale": jnp.asarray(self.initial_scale, jnp.float32),
            "growth_count": jnp.zeros((), jnp.int32),
        }

    def loss_scale_of(self, state):
        return state["loss_scale"]

    def step(self, grads, state, params, decay_mask=None):
        """Unscale, then apply the inner step only if every gradient is finite."""
        scale = state["loss_scale"]
        grads = jax.tree_util.tree_map(lambda g: g / scale.astype(g.dtype), grads)
        finite = jnp.all(
            jnp.asarray([jnp.all(jnp.isfinite(g)) for g in jax.tree_util.tree_leaves(grads)])
        )
        safe_grads = jax.tree_util.tree_map(
            lambda g: jnp.where(finite, g, jnp.zeros_like(g)), grads
        )
        new_params, new_inner = self.inner_optimizer.step(
            safe_grads, state["inner"], params, decay_mask
        )
        keep = lambda new, old: jnp.where(finite, new, old)  # noqa: E731
        new_params = jax.tree_util.tree_map(keep, new_params, params)
        new_inner = jax.tree_util.tree_map(keep, new_inner, state["inner"])
        grown = state["growth_count"] + 1
        double = grown >= self.dynamic_growth_steps
        new_scale = jnp.where(finite, jnp.where(double, scale * 2.0, scale), scale / 2.0)
        new_count = jnp.where(finite & ~double, grown, 0).astype(jnp.int32)
        return new_params, {"inner": new_inner, "loss_scale": new_scale, "growth_count": new_count}

    @property
    def iterations(self) -> int:
        return 0 if self.state is None else int(self.state["inner"]["iterations"])

    @property
    def learning_rate(self):
        return (
            self.inner_optimizer.learning_rate
            if self.state is None
            else float(self.inner_optimizer.current_learning_rate(self.state["inner"]))
        )

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.inner_optimizer.learning_rate = value
        if self.state is not None:
            self.state = {
                **self.state,
                "inner": {**self.state["inner"], "learning_rate": jnp.asarray(value, jnp.float32)},
            }

    @property
    def loss_scale(self) -> float:
        return self.initial_scale if self.state is None else float(self.state["loss_scale"])

    @property
    def variables(self) -> list:
        return [] if self.state is None else jax.tree_util.tree_leaves(self.state)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }
