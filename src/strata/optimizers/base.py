"""`Optimizer`: Keras's optimizer interface over an optax transformation.

Each optimizer contributes one *rule*: an `optax.GradientTransformation` built for a given
learning rate, implementing Keras 3's update formula. The base class chains it with optax's
gradient clipping and Keras's decoupled weight decay. The learning rate and the step counter live
in the optimizer state (arrays), so changing `optimizer.learning_rate` between epochs, or using a
schedule, never recompiles the training step.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

from strata.utils.naming import to_snake_case


def clip_by_norm_per_tensor(max_norm: float) -> optax.GradientTransformation:
    """Scale each gradient tensor whose L2 norm exceeds `max_norm` down to that norm."""

    def update(grads, state, params=None):
        def clip(g):
            norm = jnp.sqrt(jnp.sum(jnp.square(g)))
            return g * max_norm / jnp.maximum(norm, max_norm)

        return jax.tree_util.tree_map(clip, grads), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


class Optimizer:
    """Base class of strata's optimizers.

    Args:
        learning_rate: a float, or a schedule (callable of the step number).
        weight_decay: decoupled weight decay factor (applied as ``w -= w * wd * lr``).
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one).
        name: optimizer name.
        lr: tf.keras 2 spelling of `learning_rate` (deprecated; warns once).

    Subclasses implement `rule(learning_rate) -> optax.GradientTransformation` producing
    *updates* (added to the weights) from gradients.
    """

    default_learning_rate = 0.001

    def __init__(
        self,
        learning_rate=None,
        weight_decay=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        use_ema=False,
        ema_momentum=0.99,
        ema_overwrite_frequency=None,
        loss_scale_factor=None,
        gradient_accumulation_steps=None,
        name=None,
        **kwargs,
    ):
        owner = type(self).__name__
        if "lr" in kwargs:
            legacy = kwargs.pop("lr")
            warnings.warn(
                f"{owner}: the `lr` argument is deprecated; use `learning_rate` instead. "
                f"Using learning_rate={legacy}.",
                DeprecationWarning,
                stacklevel=3,
            )
            if learning_rate is None:
                learning_rate = legacy
        if "decay" in kwargs:
            kwargs.pop("decay")
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.",
                UserWarning,
                stacklevel=3,
            )
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {kwargs}.")
        if learning_rate is None:
            learning_rate = self.default_learning_rate
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set."
            )
        if use_ema or gradient_accumulation_steps or loss_scale_factor:
            raise NotImplementedError(
                f"{owner}: `use_ema`, `gradient_accumulation_steps` and `loss_scale_factor` are not "
                "supported yet."
            )
        self.name = name or to_snake_case(owner)
        self._schedule = None
        self._initial_learning_rate = None
        self._set_learning_rate_arg(learning_rate)
        self.weight_decay = _check_nonneg(owner, "weight_decay", weight_decay)
        self.clipnorm = _check_nonneg(owner, "clipnorm", clipnorm)
        self.clipvalue = _check_nonneg(owner, "clipvalue", clipvalue)
        self.global_clipnorm = _check_nonneg(owner, "global_clipnorm", global_clipnorm)
        self._excluded_names: set[str] = set()
        self.state = None
        self._variables = None

    def _set_learning_rate_arg(self, learning_rate) -> None:
        if callable(learning_rate):
            self._schedule = learning_rate
            return
        if isinstance(learning_rate, bool) or not isinstance(
            learning_rate, int | float | np.floating | np.integer
        ):
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` must be a float, a schedule, or a "
                f"callable of the step; received learning_rate={learning_rate!r}."
            )
        if learning_rate < 0:
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` must be >= 0; received {learning_rate}."
            )
        self._initial_learning_rate = float(learning_rate)

    # ---- the pure core -------------------------------------------------------------------------
    def rule(self, learning_rate) -> optax.GradientTransformation:
        raise NotImplementedError

    def transformation(self, learning_rate, params) -> optax.GradientTransformation:
        """The full chain for one step: clipping, weight decay, then this optimizer's rule."""
        parts = []
        if self.clipnorm is not None:
            parts.append(clip_by_norm_per_tensor(self.clipnorm))
        if self.global_clipnorm is not None:
            parts.append(optax.clip_by_global_norm(self.global_clipnorm))
        if self.clipvalue is not None:
            parts.append(optax.clip(self.clipvalue))
        parts.append(self.rule(learning_rate))
        return optax.chain(*parts)

    def init_state(self, params) -> dict:
        """Optimizer state for a list of weight arrays."""
        learning_rate = 0.0 if self._initial_learning_rate is None else self._initial_learning_rate
        return {
            "iterations": jnp.zeros((), jnp.int32),
            "learning_rate": jnp.asarray(learning_rate, jnp.float32),
            "slots": self.transformation(jnp.float32(0.0), params).init(params),
        }

    def current_learning_rate(self, state):
        if self._schedule is not None:
            return jnp.asarray(self._schedule(state["iterations"]), jnp.float32)
        return state["learning_rate"]

    def step(self, grads, state, params, decay_mask=None):
        """One update: ``(grads, state, params) -> (new_params, new_state)``. Pure."""
        learning_rate = self.current_learning_rate(state)
        if self.weight_decay:
            # Keras decays before the update: w <- w - w * weight_decay * lr.
            mask = decay_mask if decay_mask is not None else [True] * len(params)
            params = [
                w - w * (self.weight_decay * learning_rate) if decay else w
                for w, decay in zip(params, mask)
            ]
        updates, slots = self.transformation(learning_rate, params).update(
            grads, state["slots"], params
        )
        new_params = optax.apply_updates(params, updates)
        new_state = {
            "iterations": state["iterations"] + 1,
            "learning_rate": state["learning_rate"],
            "slots": slots,
        }
        return new_params, new_state

    # ---- the Keras-shaped shell ------------------------------------------------------------------
    def build(self, variables) -> None:
        """Create the state for these variables (a list of `Variable`)."""
        self._variables = list(variables)
        self.state = self.init_state([v.value for v in self._variables])

    def apply_gradients(self, grads_and_vars) -> None:
        """Eagerly apply ``[(grad, variable), ...]``, as in Keras."""
        grads_and_vars = list(grads_and_vars)
        variables = [v for _, v in grads_and_vars]
        if self.state is None or [v.uid for v in variables] != [
            v.uid for v in self._variables or []
        ]:
            self.build(variables)
        params = [v.value for v in variables]
        grads = [jnp.asarray(g) for g, _ in grads_and_vars]
        new_params, self.state = self.step(grads, self.state, params, self._decay_mask(variables))
        for variable, value in zip(variables, new_params):
            variable.assign(value)

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        self._excluded_names |= {v.path for v in var_list or []} | set(var_names or [])

    def _decay_mask(self, variables) -> list[bool]:
        return [
            not any(name in v.path for name in self._excluded_names) for v in variables
        ]

    @property
    def iterations(self) -> int:
        return 0 if self.state is None else int(self.state["iterations"])

    @property
    def learning_rate(self):
        if self._schedule is not None:
            return float(self._schedule(self.iterations))
        if self.state is None:
            return self._initial_learning_rate
        return float(self.state["learning_rate"])

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if callable(value) or self._schedule is not None:
            raise TypeError(
                f"{type(self).__name__}: the learning rate is a schedule; it cannot be changed by "
                "assignment. Create a new optimizer instead."
            )
        self._set_learning_rate_arg(value)
        if self.state is not None:
            self.state = {**self.state, "learning_rate": jnp.asarray(value, jnp.float32)}

    lr = learning_rate

    @property
    def variables(self) -> list:
        if self.state is None:
            return []
        return [self.state["iterations"], self.state["learning_rate"]] + jax.tree_util.tree_leaves(
            self.state["slots"]
        )

    def count_params(self) -> int:
        return int(sum(np.size(v) for v in self.variables))

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "learning_rate": self._initial_learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _check_nonneg(owner, name, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{owner}: `{name}` must be a non-negative float; received {value!r}.")
    return float(value)


def check_unit_interval(owner: str, name: str, value, *, closed_top=True) -> float:
    """Validate a hyperparameter in [0, 1] (or [0, 1))."""
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    ok = ok and 0 <= value and (value <= 1 if closed_top else value < 1)
    if not ok:
        top = "1]" if closed_top else "1)"
        raise ValueError(f"{owner}: `{name}` must be a float between [0, {top}; received {value!r}.")
    return float(value)
