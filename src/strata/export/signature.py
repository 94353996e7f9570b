"""Input signatures for export: the shapes and dtypes an exported function accepts.

As in Keras, an input signature is a list with one entry per positional argument; each entry is a
spec or a nested list/tuple/dict of specs. A spec is anything with ``shape`` and ``dtype``
(``strata.Input(...)`` tensors, `jax.ShapeDtypeStruct`, NumPy arrays); a None dimension stays
dynamic in the exported artefact.
"""

from __future__ import annotations

import jax
import numpy as np
from jax import export as jax_export


def is_spec(value) -> bool:
    return hasattr(value, "shape") and hasattr(value, "dtype")


def flatten(signature):
    """``(leaves, treedef)`` of a signature, its specs as leaves."""
    return jax.tree_util.tree_flatten(signature, is_leaf=is_spec)


def check(signature, owner: str):
    """The signature as a list of positional arguments, every leaf a spec."""
    if not isinstance(signature, list | tuple) or not signature:
        raise ValueError(
            f"{owner}: `input_signature` must be a non-empty list with one spec (or nested "
            f"structure of specs) per positional argument; received {signature!r}."
        )
    for leaf in flatten(list(signature))[0]:
        if not is_spec(leaf):
            raise ValueError(
                f"{owner}: every leaf of `input_signature` needs a `shape` and a `dtype` (for "
                f"example `strata.Input(shape=(3,))` or `jax.ShapeDtypeStruct((None, 3), "
                f"'float32')`); received {leaf!r}."
            )
    return list(signature)


def model_signature(model, owner: str):
    """The signature of a model's own inputs (a functional or Sequential model built on `Input`)."""
    try:
        structure = model.input
    except (AttributeError, ValueError):
        structure = None
    if structure is None:
        raise ValueError(
            f"{owner}: model '{model.name}' has no symbolic inputs (a subclassed model, or a "
            "Sequential model built without an `Input`), so its input shapes are unknown. Pass "
            "`input_signature=[jax.ShapeDtypeStruct((None, ...), 'float32')]`."
        )
    return [structure]


def describe(signature):
    """JSON-ready ``[{"name", "shape", "dtype"}]`` for the flat inputs (None: dynamic)."""
    leaves = flatten(signature)[0]
    return [
        {
            "name": getattr(leaf, "name", None) or f"input_{i}",
            "shape": [None if d is None else int(d) for d in leaf.shape],
            "dtype": str(np.dtype(leaf.dtype)),
        }
        for i, leaf in enumerate(leaves)
    ]


def symbolic_specs(signature, dim_name=lambda i, axis: "batch" if axis == 0 else f"dim_{i}_{axis}"):
    """`jax.ShapeDtypeStruct`s for the flat inputs, None dimensions symbolic (shared "batch" on
    axis 0, so every input agrees on the batch size)."""
    scope = jax_export.SymbolicScope()
    specs = []
    for i, leaf in enumerate(flatten(signature)[0]):
        dims = [
            dim_name(i, axis) if d is None else str(int(d)) for axis, d in enumerate(leaf.shape)
        ]
        shape = jax_export.symbolic_shape(",".join(dims), scope=scope) if dims else ()
        specs.append(jax.ShapeDtypeStruct(shape, np.dtype(leaf.dtype)))
    return specs
