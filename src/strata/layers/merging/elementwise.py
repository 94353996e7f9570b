"""Elementwise merges: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`.

Each is a `Merge` with one reduction; the lower-case functions build and call the layer
(``add([a, b])``), as in Keras.

Example:
    >>> import numpy as np
    >>> Add()([np.ones((1, 2)), np.ones((1, 2))]).tolist()
    [[2.0, 2.0]]
"""

from __future__ import annotations

import functools

import jax.numpy as jnp

from strata.layers.merging.base import Merge


def _elementwise(name: str, reduce, doc: str, max_inputs=None):
    def call(self, inputs):
        return functools.reduce(reduce, inputs)

    return type(name, (Merge,), {"call": call, "__doc__": doc, "max_inputs": max_inputs})


Add = _elementwise("Add", jnp.add, "Sum of a list of tensors of the same shape.")
Subtract = _elementwise(
    "Subtract", jnp.subtract, "First tensor minus the second (exactly two inputs).", max_inputs=2
)
Multiply = _elementwise("Multiply", jnp.multiply, "Elementwise product of a list of tensors.")
Maximum = _elementwise("Maximum", jnp.maximum, "Elementwise maximum of a list of tensors.")
Minimum = _elementwise("Minimum", jnp.minimum, "Elementwise minimum of a list of tensors.")


class Average(Merge):
    """Elementwise mean of a list of tensors."""

    def call(self, inputs):
        return functools.reduce(jnp.add, inputs) / len(inputs)


def _functional_form(cls):
    def apply(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    apply.__name__ = cls.__name__.lower()
    apply.__doc__ = f"Functional form of `{cls.__name__}`: ``{apply.__name__}([a, b])``."
    return apply


add = _functional_form(Add)
subtract = _functional_form(Subtract)
multiply = _functional_form(Multiply)
average = _functional_form(Average)
maximum = _functional_form(Maximum)
minimum = _functional_form(Minimum)
