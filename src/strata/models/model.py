"""`Model`: a layer that can be trained. ``Model(inputs, outputs)`` gives a `Functional` model;
subclassing `Model` and defining `call` gives a subclassed one. All train through one engine.
"""

from __future__ import annotations

from strata.engine.trainer import Trainer
from strata.layers.layer import Layer


class Model(Trainer, Layer):
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

    def get_layer(self, name=None, index=None):
        from strata.models.functional import Functional

        return Functional.get_layer(self, name=name, index=index)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
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
