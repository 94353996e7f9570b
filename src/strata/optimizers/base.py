"""`Optimizer`: Keras's optimizer interface over an optax transformation.

Each optimizer contributes one *rule*: an `optax.GradientTransformation` built for a given
learning rate, implementing Keras 3's update formula. The base class chains it with Keras's
gradient clipping and decoupled weight decay. The learning rate and the step counter live in the
optimizer state (arrays), so changing `optimizer.learning_rate` between epochs, or using a
schedule, never recompiles the training step.

Conventions for a rule's state, relied on by `apply_gradients` (partial updates) and `variables`
(Keras's variable order): it is a dict; a per-weight slot is a Python ``list`` parallel to the
weights; anything else (a step counter, Nadam's ``u_product``) is a scalar array.
"""

from __future__ import annotations

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

from strata.optimizers.keras_api import IterationCount, OptimizerVariables
from strata.utils.naming import to_snake_case, unique_name
from strata.utils.validation import check_rate

_map = jax.tree_util.tree_map


def cast_like(value, reference):
    """`value` in `reference`'s dtype, as Keras casts scalars to each variable's dtype."""
    return jnp.asarray(value, dtype=reference.dtype)


def clip_by_norm_per_tensor(max_norm: float) -> optax.GradientTransformation:
    """Scale each gradient tensor whose L2 norm exceeds `max_norm` down to that norm."""

    def update(grads, state, params=None):
        def clip(g):
            norm = jnp.sqrt(jnp.sum(jnp.square(g)))
            return g * max_norm / jnp.maximum(norm, max_norm)

        return _map(clip, grads), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def clip_by_global_norm(max_norm: float) -> optax.GradientTransformation:
    """Scale all gradients together so that their joint L2 norm is at most `max_norm`.

    Keras's formulation, ``g * max_norm * min(1/norm, 1/max_norm)``: an infinite or NaN norm turns
    every gradient into NaN, where `optax.clip_by_global_norm` would zero the finite ones.
    """

    def update(grads, state, params=None):
        leaves = jax.tree_util.tree_leaves(grads)
        norm = jnp.sqrt(jnp.sum(jnp.stack([jnp.sum(jnp.square(g)) for g in leaves])))
        scale = max_norm * jnp.minimum(1.0 / norm, 1.0 / max_norm)
        scale = scale + (norm - norm)
        return _map(lambda g: g * cast_like(scale, g), grads), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


class Optimizer(OptimizerVariables):
    """Base class of strata's optimizers.

    Args:
        learning_rate: a float, or a schedule (a callable of the step number, 0 on the first step).
        weight_decay: decoupled weight decay factor (applied as ``w -= w * wd * lr``).
        clipnorm / clipvalue / global_clipnorm: gradient clipping (at most one).
        name: optimizer name; defaults to the snake-cased class name, made unique.
        lr: tf.keras 2 spelling of `learning_rate` (deprecated; warns).

    Subclasses implement `rule(learning_rate) -> optax.GradientTransformation` producing
    *updates* (added to the weights) from gradients, and list their per-weight slots in
    `slot_groups` (Keras's variable order); or, as in Keras, `update_step(gradient, variable,
    learning_rate)` with slots made in `build` by `add_variable_from_reference`.
    """

    default_learning_rate = 0.001
    #: Per-weight slot names, grouped as Keras creates them: a group's slots are interleaved per
    #: weight (``m0, v0, m1, v1``), groups follow one another.
    slot_groups: tuple[tuple[str, ...], ...] = ()
    #: Scalar state that Keras also keeps as optimizer variables (after the slots).
    scalar_slots: tuple[str, ...] = ()

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
            # Keras 3 rejects `lr`; accepting it keeps tf.keras 2 scripts running.
            warnings.warn(
                f"{owner}: the `lr` argument is deprecated; use `learning_rate` instead. "
                f"Using learning_rate={legacy}.",
                DeprecationWarning,
                stacklevel=3,
            )
            if learning_rate is None:
                learning_rate = legacy
        if kwargs.pop("decay", None) is not None:
            warnings.warn(
                "Argument `decay` is no longer supported and will be ignored.",
                UserWarning,
                stacklevel=3,
            )
        if kwargs:
            raise ValueError(
                f"{owner}: argument(s) not recognized: {kwargs}. Remove them; see "
                f"help(strata.optimizers.{owner}) for the accepted arguments."
            )
        if learning_rate is None:
            learning_rate = self.default_learning_rate
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set; "
                f"received clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}."
            )
        if use_ema or gradient_accumulation_steps or loss_scale_factor:
            raise NotImplementedError(
                f"{owner}: `use_ema`, `gradient_accumulation_steps` and `loss_scale_factor` are not "
                "supported yet."
            )
        self.name = name or unique_name(to_snake_case(owner))
        self._schedule = None
        self._initial_learning_rate = None
        self._set_learning_rate_arg(learning_rate)
        self.weight_decay = _check_nonneg(owner, "weight_decay", weight_decay)
        self.clipnorm = _check_nonneg(owner, "clipnorm", clipnorm)
        self.clipvalue = _check_nonneg(owner, "clipvalue", clipvalue)
        self.global_clipnorm = _check_nonneg(owner, "global_clipnorm", global_clipnorm)
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self._excluded_names: set[str] = set()
        self.state = None
        self._variables = None
        self._traced_iterations = None
        self._reset_extra()

    def _set_learning_rate_arg(self, learning_rate) -> None:
        if callable(learning_rate):
            self._schedule = learning_rate
            return
        # Keras accepts only a Python float; an int such as 1 is taken as 1.0 here.
        if isinstance(learning_rate, bool) or not isinstance(
            learning_rate, int | float | np.floating | np.integer
        ):
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` must be a float, a schedule, or a "
                f"callable of the step; received learning_rate={learning_rate!r}."
            )
        if not learning_rate >= 0:
            raise ValueError(
                f"{type(self).__name__}: `learning_rate` must be >= 0; received "
                f"learning_rate={learning_rate}."
            )
        self._initial_learning_rate = float(learning_rate)

    # ---- the pure core -------------------------------------------------------------------------
    def rule(self, learning_rate) -> optax.GradientTransformation:
        raise NotImplementedError(
            f"{type(self).__name__} defines neither `rule` (an optax transformation) nor "
            "`update_step(gradient, variable, learning_rate)`."
        )

    def transformation(self, learning_rate, params) -> optax.GradientTransformation:
        """The full chain for one step: clipping, then this optimizer's rule."""
        return optax.chain(*self._clipping(), self.rule(learning_rate))

    def _clipping(self) -> list:
        # Keras skips a clip argument that is 0 (`if self.clipnorm and self.clipnorm > 0`).
        if self.clipnorm:
            return [clip_by_norm_per_tensor(self.clipnorm)]
        if self.global_clipnorm:
            return [clip_by_global_norm(self.global_clipnorm)]
        if self.clipvalue:
            return [optax.clip(self.clipvalue)]
        return []

    def init_state(self, params) -> dict:
        """Optimizer state for a list of weight arrays."""
        learning_rate = 0.0 if self._initial_learning_rate is None else self._initial_learning_rate
        state = {
            # NumPy scalars copied over: `jnp` would compile a small program for each.
            "iterations": jax.device_put(np.zeros((), np.int32)),
            "learning_rate": jax.device_put(np.asarray(learning_rate, np.float32)),
            # One compiled program creates every slot; run op by op, each new weight shape
            # would compile its own small program. A Keras-style optimizer keeps its slots
            # as variables made in `build` ("extra").
            "slots": ()
            if self._keras_style
            else jax.jit(self.transformation(jnp.float32(0.0), params).init)(list(params)),
        }
        if self._extra_initial:
            state["extra"] = [jnp.array(v) for v in self._extra_initial]
        return state

    def current_learning_rate(self, state):
        if self._schedule is not None:
            return jnp.asarray(self._schedule(state["iterations"]), jnp.float32)
        return state["learning_rate"]

    def step(self, grads, state, params, decay_mask=None):
        """One update: ``(grads, state, params) -> (new_params, new_state)``. Pure."""
        params = list(params)
        # Keras casts each gradient to its variable's dtype.
        grads = [jnp.asarray(g, dtype=p.dtype) for g, p in zip(grads, params)]
        learning_rate = self.current_learning_rate(state)
        if self.weight_decay is not None:
            # Keras decays before the update: w <- w - w * weight_decay * lr.
            mask = decay_mask if decay_mask is not None else [True] * len(params)
            params = [
                w - w * cast_like(self.weight_decay, w) * cast_like(learning_rate, w)
                if decay
                else w
                for w, decay in zip(params, mask)
            ]
        if self._keras_style:
            for clip in self._clipping():
                grads, _ = clip.update(grads, clip.init(params), params)
            new_params, extra = self._keras_style_update(grads, {**state}, params)
            slots = state["slots"]
        else:
            updates, slots = self.transformation(learning_rate, params).update(
                grads, state["slots"], params
            )
            new_params = optax.apply_updates(params, updates)
            extra = state.get("extra")
        new_state = {
            "iterations": state["iterations"] + 1,
            "learning_rate": state["learning_rate"],
            "slots": slots,
        }
        if extra is not None:
            new_state["extra"] = extra
        return new_params, new_state

    # ---- the Keras-shaped shell ------------------------------------------------------------------
    def build(self, variables) -> None:
        """Create the state for these variables (a list of `Variable`)."""
        self._reset_extra()
        self._variables = list(variables)
        self.state = self.init_state([v.value for v in self._variables])

    @property
    def built(self) -> bool:
        return self.state is not None

    def apply_gradients(self, grads_and_vars) -> int:
        """Eagerly apply ``[(grad, variable), ...]``, as in Keras; returns the new step count.

        The first call builds the optimizer. Later calls may pass any subset of those variables,
        in any order; a ``None`` gradient skips its variable (with a warning, as in Keras).
        """
        grads_and_vars = list(grads_and_vars)
        return self.apply([g for g, _ in grads_and_vars], [v for _, v in grads_and_vars])

    def apply(self, grads, trainable_variables=None) -> int:
        """Apply `grads` to `trainable_variables` (default: the variables it was built with)."""
        owner = type(self).__name__
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    f"{owner}: when passing `grads` without `trainable_variables`, the optimizer "
                    "must already be built; call `optimizer.build(trainable_variables)` first."
                )
            trainable_variables = self._variables
        trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(
                f"{owner}: received {len(grads)} gradients for {len(trainable_variables)} "
                "variables; pass one gradient per variable."
            )
        if not self.built:
            self.build(trainable_variables)
        index = {v.uid: i for i, v in enumerate(self._variables)}
        for variable in trainable_variables:
            if variable.uid not in index:
                raise ValueError(
                    f"{owner}: unknown variable {variable!r}. This optimizer can only update the "
                    "variables it was built with; create a new optimizer for new variables."
                )
        missing = [v.path for g, v in zip(grads, trainable_variables) if g is None]
        if len(missing) == len(grads):
            raise ValueError(f"{owner}: no gradients provided for any variable.")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss.",
                UserWarning,
                stacklevel=3,
            )
        params = [v.value for v in self._variables]
        full_grads = [jnp.zeros_like(p) for p in params]
        selected = [False] * len(params)
        for grad, variable in zip(grads, trainable_variables):
            if grad is not None:
                i = index[variable.uid]
                full_grads[i] = jnp.asarray(grad, dtype=params[i].dtype)
                selected[i] = True
        for i, (grad, param) in enumerate(zip(full_grads, params)):
            if grad.shape != param.shape:
                raise ValueError(
                    f"{owner}: the gradient for variable '{self._variables[i].path}' has shape "
                    f"{tuple(grad.shape)}; expected the variable's shape {tuple(param.shape)}."
                )
        new_params, new_state = self.step(
            full_grads, self.state, params, self._decay_mask(self._variables)
        )
        if not all(selected):
            # Variables without a gradient keep their values and their slots, as in Keras.
            new_params = [new if s else old for new, old, s in zip(new_params, params, selected)]
            new_state = {
                **new_state,
                "slots": _select_slots(new_state["slots"], self.state["slots"], selected),
            }
        self.state = new_state
        for variable, value in zip(self._variables, new_params):
            variable.assign(value)
        return self.iterations

    def loss_scale_of(self, state):
        """The factor the training loss is multiplied by before differentiation (None: 1)."""
        return None

    def exclude_from_weight_decay(self, var_list=None, var_names=None) -> None:
        self._excluded_names |= {v.path for v in var_list or []} | set(var_names or [])

    def _decay_mask(self, variables) -> list[bool]:
        return [not any(name in v.path for name in self._excluded_names) for v in variables]

    @property
    def iterations(self) -> int:
        """The number of steps taken: an int that also answers Keras's variable methods
        (`numpy`, `value`, `assign`); inside a Keras-style `update_step`, the traced count."""
        if self._traced_iterations is not None:
            return self._traced_iterations
        return IterationCount(0 if self.state is None else int(self.state["iterations"]), self)

    @property
    def learning_rate(self):
        if self._schedule is not None:
            return float(self._schedule(self.iterations))
        if self.state is None:
            return LearningRate(self._initial_learning_rate, self)
        return LearningRate(float(self.state["learning_rate"]), self)

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        if callable(value) or self._schedule is not None:
            raise TypeError(
                f"{type(self).__name__}: the learning rate is a schedule (or is being set to one); "
                "it cannot be changed by assignment. Create a new optimizer instead."
            )
        self._set_learning_rate_arg(value)
        if self.state is not None:
            self.state = {**self.state, "learning_rate": jnp.asarray(value, jnp.float32)}

    lr = learning_rate

    def count_params(self) -> int:
        return int(sum(np.size(v) for v in self.variables))

    def get_config(self) -> dict:
        """The constructor arguments (Keras's keys and order)."""
        learning_rate = self._schedule if self._schedule is not None else float(self.learning_rate)
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LearningRate(float):
    """An optimizer's learning rate as a float that remembers its optimizer, so that tf.keras 2's
    ``K.set_value(optimizer.lr, 0.01)`` can assign it (tf.keras 2 returned a variable there)."""

    def __new__(cls, value: float, optimizer: Optimizer):
        result = super().__new__(cls, value)
        result.optimizer = optimizer
        return result

    def __repr__(self) -> str:
        return float.__repr__(self)

    def __reduce__(self):
        # Copies and pickles (a config, a saved file) hold the plain number.
        return (float, (float(self),))


def _select_slots(new, old, selected):
    """Per-weight slots from `new` where `selected`, else from `old`; scalars from `new`."""

    def pick(new_node, old_node):
        if isinstance(new_node, list):
            return [n if s else o for n, o, s in zip(new_node, old_node, selected)]
        return new_node

    return _map(pick, new, old, is_leaf=lambda node: isinstance(node, list))


def _check_nonneg(owner, name, value):
    if value is None:
        return None
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not value >= 0:
        raise ValueError(
            f"{owner}: `{name}` must be a non-negative float or None; received {name}={value!r}."
        )
    return float(value)


def check_unit_interval(owner: str, name: str, value, *, closed_top=True) -> float:
    """A hyperparameter in [0, 1] (or [0, 1)), as a float."""
    return check_rate(owner, name, value, include_one=closed_top)


def check_nonneg_float(owner: str, name: str, value) -> float:
    """Validate a hyperparameter that must be a float >= 0 (an epsilon, an initial value)."""
    checked = _check_nonneg(owner, name, value)
    if checked is None:
        raise ValueError(f"{owner}: `{name}` must be a non-negative float; received None.")
    return checked
