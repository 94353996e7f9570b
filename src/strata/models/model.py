"""`Model`: a layer that can be trained. ``Model(inputs, outputs)`` gives a `Functional` model;
subclassing `Model` and defining `call` gives a subclassed one. All train through one engine.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from strata import random as strata_random
from strata.engine.legacy_fit import LegacyGeneratorMethods
from strata.engine.model_steps import StepMethods
from strata.engine.trainer import Trainer
from strata.export.model_export import ExportMixin
from strata.graph.symbolic import is_symbolic
from strata.layers.layer import Layer, _to_array_tree
from strata.saving.model_methods import SavingMixin
from strata.state import scope as state_scope


class Model(ExportMixin, LegacyGeneratorMethods, SavingMixin, StepMethods, Trainer, Layer):
    """A trainable stack of layers.

    Use it as ``Model(inputs, outputs)`` (the functional API) or subclass it::

        class TwoLayer(strata.Model):
            def __init__(self):
                super().__init__()
                self.hidden = strata.layers.Dense(8, activation="relu")
                self.out = strata.layers.Dense(1)

            def call(self, x):
                return self.out(self.hidden(x))

    Example:
        >>> import strata
        >>> x = strata.Input(shape=(3,))
        >>> model = Model(inputs=x, outputs=strata.layers.Dense(1)(x))
        >>> type(model).__name__
        'Functional'
    """

    def __new__(cls, *args, **kwargs):
        from strata.models.functional import Functional

        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return object.__new__(Functional)
        if not issubclass(cls, Functional) and _functional_arguments(args, kwargs):
            # As Keras: ``MyModel(inputs, outputs)`` for a subclass (with its own `train_step`,
            # say) builds a functional model of a class that also derives from `Functional`.
            return object.__new__(_functional_variant(cls))
        if cls is Model and ("input" in kwargs or "output" in kwargs):
            raise ValueError(
                "Unrecognized keyword arguments passed to Model: "
                f"{sorted(k for k in kwargs if k in ('input', 'output'))}. "
                "Use `inputs=` and `outputs=` (plural)."
            )
        return object.__new__(cls)

    def __init__(self, *args, name=None, trainable=True, dtype=None, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(
                "Model(inputs, outputs) is only for the functional API; a subclass of Model "
                "takes its own arguments."
            )
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype, **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self) -> list:
        return list(self._sublayers)

    def __call__(self, *args, **kwargs):
        """Symbolic call (functional API) or a call on arrays.

        A built model called on concrete arrays outside a compiled function runs one cached,
        jitted forward pass instead of dispatching every operation from Python.
        """
        if self._compiled_call_applies(args, kwargs):
            return self._compiled_call(args[0], bool(kwargs.get("training") or False))
        return super().__call__(*args, **kwargs)

    def _compiled_call_applies(self, args, kwargs) -> bool:
        if not self.built or len(args) != 1 or set(kwargs) - {"training"}:
            return False
        if state_scope.current() is not None:
            return False
        leaves = jax.tree_util.tree_leaves(args[0])
        return bool(leaves) and not any(
            is_symbolic(leaf) or isinstance(leaf, jax.core.Tracer) for leaf in leaves
        )

    def _compiled_call(self, inputs, training: bool):
        steps = self._predict_functions()
        cache = self.__dict__.setdefault("_jitted_calls", {})
        key = (training, id(steps))
        if key not in cache:

            def forward(trainable, non_trainable, x, rng):
                outputs, new_non_trainable, _ = steps.forward(
                    trainable, non_trainable, x, training=training, rng=rng
                )
                return outputs, new_non_trainable

            cache.clear()
            cache[key] = jax.jit(forward)
        inputs = _host_arrays_as_given(inputs, self.dtype)
        rng = strata_random.next_key() if training else None
        # Outside any scope a variable's value is its stored array: read it directly.
        outputs, new_non_trainable = cache[key](
            [v._value for v in steps.trainable],
            [v._value for v in steps.non_trainable],
            inputs,
            rng,
        )
        if training or steps.carries_state:
            for variable, value in zip(steps.non_trainable, new_non_trainable):
                variable._value = value
        return outputs

    # ---- the stateless API (for a custom `train_step`, see `strata.engine.custom_steps`) -------
    def stateless_call(
        self, trainable_variables, non_trainable_variables, *args, return_losses=False, **kwargs
    ):
        """Run the model on the given weight values instead of its stored ones; pure.

        Args:
            trainable_variables / non_trainable_variables: arrays in the order of
                `self.trainable_variables` / `self.non_trainable_variables`.
            *args, **kwargs: the call's inputs and options (``training=True`` ...).
            return_losses: also return the losses the layers added.

        Returns:
            ``(outputs, non_trainable_values)`` (the values after the call, e.g. updated
            batch statistics), plus the added losses when `return_losses`.

        Inside a custom `train_step`, each call draws a fresh key from the step for dropout and
        the like, and the added losses are kept for `compute_loss`.

        Example:
            >>> import numpy as np, strata
            >>> x = strata.Input(shape=(2,))
            >>> model = strata.Model(x, strata.layers.Dense(1, kernel_initializer="ones")(x))
            >>> out, _ = model.stateless_call([np.full((2, 1), 2.0), np.zeros(1)], [], np.ones((1, 2)))
            >>> out.tolist()
            [[4.0]]
        """
        trainable = self.trainable_variables
        non_trainable = self.non_trainable_variables
        for what, given, own in (
            ("trainable_variables", trainable_variables, trainable),
            ("non_trainable_variables", non_trainable_variables, non_trainable),
        ):
            if len(given) != len(own):
                raise ValueError(
                    f"Model '{self.name}'.stateless_call: `{what}` holds {len(given)} values, but "
                    f"the model has {len(own)} ({[v.path for v in own]}). Pass one value per "
                    f"variable, in the order of `model.{what}`."
                )
        outer = state_scope.current()
        rng = None
        if outer is not None and outer._rng_key is not None:
            rng = outer.next_key()
        bindings = list(zip(trainable, trainable_variables)) + list(
            zip(non_trainable, non_trainable_variables)
        )
        mask = outer.sample_mask if outer is not None else None
        with state_scope.StateScope(bindings, rng_key=rng, sample_mask=mask) as scope:
            outputs = self(*args, **kwargs)
            new_non_trainable = [scope.lookup(v) for v in non_trainable]
            losses = list(scope.losses)
        if outer is not None:
            outer.losses.extend(losses)
        if return_losses:
            return outputs, new_non_trainable, losses
        return outputs, new_non_trainable

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss of `y_pred` against `y`, plus the losses added by layers during the
        latest `stateless_call` in this step (which it consumes).

        Padding rows of the engine's last batch have weight 0, so the value equals that of the
        unpadded batch. Returns a float32 scalar (0 when the model was compiled without a loss
        and no layer added one).
        """
        self._require_compiled("compute_loss")
        active = state_scope.current()
        added = []
        if active is not None:
            added = list(active.losses)
            active.losses.clear()
        if self._compile_config.get("loss") is None:
            total = jnp.zeros((), jnp.float32)
            for extra in added:
                total = total + jnp.asarray(extra, jnp.float32)
            return total
        if self._objectives is None:
            raise ValueError(
                f"Model '{self.name}'.compute_loss: the compiled loss is set up by the first "
                "`fit`/`evaluate`/`train_on_batch` call; call it from `train_step`/`test_step`."
            )
        steps = self._steps
        y_pred_list = steps._outputs_list(y_pred)
        y_list, sw_list = steps.targets_as_lists(y, sample_weight)
        mask = active.sample_mask if active is not None else None
        if mask is None:
            mask = jnp.ones((jax.tree_util.tree_leaves(y_pred)[0].shape[0],), jnp.float32)
        y_pred_list = [
            p.astype(jnp.float32) if jnp.issubdtype(p.dtype, jnp.floating) else p
            for p in y_pred_list
        ]
        total, _ = steps.compute_losses(y_list, y_pred_list, sw_list, mask, added)
        return total

    def compute_loss_and_updates(
        self,
        trainable_variables,
        non_trainable_variables,
        metrics_variables,
        x,
        y,
        sample_weight=None,
        training=False,
        optimizer_variables=None,
    ):
        """Forward pass and loss on the given values, for `jax.value_and_grad(..., has_aux=True)`.

        Returns:
            ``(loss, (y_pred, non_trainable_values, metrics_variables))``, as Keras's JAX trainer
            (the metrics state is passed through unchanged).
        """
        y_pred, new_non_trainable = self.stateless_call(
            trainable_variables, non_trainable_variables, x, training=training
        )
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return loss, (y_pred, new_non_trainable, metrics_variables)

    def get_layer(self, name=None, index=None):
        from strata.models.functional import Functional

        return Functional.get_layer(self, name=name, index=index)

    def summary(
        self,
        line_length=None,
        positions=None,
        print_fn=None,
        expand_nested=False,
        show_trainable=False,
        layer_range=None,
    ):
        """Print a table of the model's layers, output shapes and parameter counts.

        Args:
            line_length, positions: table width and column boundaries (fractions or columns).
            print_fn: called with the whole text instead of printing it.
            expand_nested: also list the layers of nested models.
            show_trainable: add a "Trainable" column.
            layer_range: not supported yet; passing it raises a ValueError.
        """
        from strata.utils.summary import print_summary

        if layer_range is not None:
            raise ValueError(
                f"Model '{self.name}'.summary(): `layer_range` is not supported yet; print the "
                "whole summary (or call summary() on a sub-model built from the layers you want)."
            )

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
        )


def _functional_arguments(args, kwargs) -> bool:
    """Whether a subclass's constructor was given a graph: (inputs, outputs), as Keras reads it."""
    return (
        len(args) == 2
        or (len(args) == 1 and "outputs" in kwargs)
        or ("inputs" in kwargs and "outputs" in kwargs)
    )


_FUNCTIONAL_VARIANTS: dict = {}


def _functional_variant(cls):
    """`cls` with `Functional` behind it in the MRO (its own methods still come first)."""
    from strata.models.functional import Functional

    if cls not in _FUNCTIONAL_VARIANTS:
        variant = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
        variant.__qualname__ = cls.__qualname__
        _FUNCTIONAL_VARIANTS[cls] = variant
    return _FUNCTIONAL_VARIANTS[cls]


def _host_arrays_as_given(x, dtype):
    """Inputs for a jitted call: NumPy arrays stay NumPy (the call copies them to the device
    faster than `jnp.asarray` would); float arrays are cast to `dtype` either way."""
    leaves = jax.tree_util.tree_leaves(x)
    if not leaves or not all(type(leaf) is np.ndarray for leaf in leaves):
        return _to_array_tree(x, dtype)
    target = np.dtype(jnp.dtype(dtype))

    def cast(leaf):
        return leaf.astype(target) if leaf.dtype.kind == "f" and leaf.dtype != target else leaf

    return jax.tree_util.tree_map(cast, x)
