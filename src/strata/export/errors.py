"""Naming the layer a failed export stopped in."""

from __future__ import annotations


def failing_layer(error: BaseException):
    """The innermost strata layer (other than a whole model, when a layer is found) whose code
    was running when `error` was raised, or None."""
    from strata.layers.layer import Layer
    from strata.models.model import Model

    layers = []
    traceback = error.__traceback__
    while traceback is not None:
        owner = traceback.tb_frame.f_locals.get("self")
        if isinstance(owner, Layer):
            layers.append(owner)
        traceback = traceback.tb_next
    plain = [layer for layer in layers if not isinstance(layer, Model)]
    return (plain or layers or [None])[-1]


def export_error(owner: str, what: str, error: BaseException) -> ValueError:
    """A ValueError saying which layer (when known) could not be exported and why."""
    layer = failing_layer(error)
    where = f" in layer '{layer.name}' ({type(layer).__name__})" if layer is not None else ""
    return ValueError(f"{owner}: could not export {what}{where}: {type(error).__name__}: {error}")
