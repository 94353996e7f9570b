"""Masks that travel with arrays between layer calls outside the functional graph.

In a subclassed model's `call` (or plain eager code) layers are called one after another on
arrays, so there is no graph to carry an `Embedding(mask_zero=True)` mask to the `LSTM` after
it. As in Keras, the mask rides on the array itself: a layer that computes an output mask
attaches it to its outputs, and the next layer picks it up from its inputs. JAX arrays take an
attribute; tracers (inside `jit` or `grad`) cannot, so their masks are kept by identity until
the tracer is garbage collected. Symbolic tensors carry theirs the same way (`attach_symbolic`),
so ``Embedding(mask_zero=True)(inputs)._keras_mask`` is a symbolic mask, as in Keras.

Example:
    >>> import numpy as np
    >>> import strata
    >>> embedded = strata.layers.Embedding(5, 2, mask_zero=True)(np.array([[3, 0]]))
    >>> mask_of(embedded).tolist()
    [[True, False]]
"""

from __future__ import annotations

import warnings
import weakref

import jax

_ATTRIBUTE = "_keras_mask"
_BY_ID: dict[int, object] = {}


def attach(array, mask) -> None:
    """Let `array` carry `mask` (nothing happens for a None mask)."""
    if mask is None:
        return
    try:
        setattr(array, _ATTRIBUTE, mask)
    except AttributeError:
        try:
            weakref.finalize(array, _BY_ID.pop, id(array), None)
        except TypeError:
            return  # neither an attribute nor a weak reference: the mask cannot travel
        _BY_ID[id(array)] = mask


def mask_of(array):
    """The mask `array` carries, or None."""
    mask = getattr(array, _ATTRIBUTE, None)
    return _BY_ID.get(id(array)) if mask is None else mask


def masks_of_inputs(inputs):
    """The carried mask of a layer's first argument: one mask, a list (one per array, None
    where an array carries none) for a list of arrays, or None when no array carries one."""
    if isinstance(inputs, list | tuple):
        masks = [mask_of(x) for x in inputs]
        return masks if any(m is not None for m in masks) else None
    return mask_of(inputs)


def attach_to_outputs(outputs, mask) -> None:
    """Attach `mask` (one mask, or a list with one per output) to a layer's outputs."""
    leaves = jax.tree_util.tree_leaves(outputs)
    if isinstance(mask, list | tuple):
        masks = list(mask) + [None] * (len(leaves) - len(mask))
    else:
        masks = [mask] * len(leaves)  # a single mask is shared by every output
    for leaf, leaf_mask in zip(leaves, masks):
        attach(leaf, leaf_mask)


def attach_symbolic(layer, args: tuple, kwargs: dict, outputs) -> None:
    """Give the symbolic outputs of a layer call the mask `layer.compute_mask` makes of its
    inputs' masks (or of an explicit ``mask=``), as Keras sets `_keras_mask`.

    A `compute_mask` written with `strata.ops` records its ops in the graph (Embedding's
    ``inputs != 0`` becomes a `NotEqual` node, as in Keras); one written with `jax.numpy` is
    run abstractly as a node of its own.
    """
    mask = kwargs.get("mask")
    if mask is None:
        mask = masks_of_inputs(args[0])
    if mask is None and not layer.produces_mask:
        return
    # DeprecationWarning: older JAX reads a symbolic tensor's dtype through NumPy, which warns
    # instead of raising; treated like the error newer JAX raises.
    failures = (TypeError, ValueError, IndexError, AttributeError, DeprecationWarning)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)
            output_mask = layer.compute_mask(args[0], mask)
    except failures:
        from strata.graph.operation import compute_mask_node

        try:
            output_mask = compute_mask_node(layer, args[0], mask)
        except failures:
            # No symbolic mask then; the model still computes and passes masks when it runs.
            return
    attach_to_outputs(outputs, output_mask)
