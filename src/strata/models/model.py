"""`Model`: a layer that can be trained. ``Model(inputs, outputs)`` gives a `Functional` model;
subclassing `Model` and defining `call` gives a subclassed one. All train through one engine.
"""

from __future__ import annotations

import jax

from strata import random as strata_random
from strata.engine.trainer import Trainer
from strata.graph.symbolic import is_symbolic
from strata.layers.layer import Layer, _to_array_tree
from strata.saving.model_methods import SavingMixin
from strata.state import scope as state_scope


class Model(SavingMixin, Trainer, Layer):
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
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            from strata.models.functional import Functional

            return object.__new__(Functional)
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
        inputs = _to_array_tree(inputs, self.dtype)
        rng = strata_random.next_key() if training else None
        outputs, new_non_trainable = cache[key](
            [v.value for v in steps.trainable], [v.value for v in steps.non_trainable], inputs, rng
        )
        if training:
            for variable, value in zip(steps.non_trainable, new_non_trainable):
                variable._value = value
        return outputs

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
        """Print a table of the model's layers, output shapes and parameter counts."""
        from strata.utils.summary import print_summary

        print_summary(
            self,
            line_length=line_length,
            positions=positions,
            print_fn=print_fn,
            expand_nested=expand_nested,
            show_trainable=show_trainable,
        )
