"""`get_source_inputs`: the `Input` tensors a symbolic tensor of a functional graph comes from."""

from __future__ import annotations

from strata.graph.symbolic import is_keras_tensor


def get_source_inputs(tensor) -> list:
    """The `Input` tensors that `tensor` was computed from, in first-reached order.

    Example:
        >>> import strata
        >>> a, b = strata.Input((3,)), strata.Input((2,))
        >>> c = strata.layers.Concatenate()([strata.layers.Dense(2)(a), b])
        >>> get_source_inputs(c) == [a, b]
        True
    """
    if not is_keras_tensor(tensor):
        raise ValueError(
            f"get_source_inputs expects a symbolic tensor (from strata.Input or a layer called "
            f"on one); received {type(tensor).__name__}: {tensor!r}."
        )
    found, seen = [], set()

    def visit(t):
        if t.history is None:
            if id(t) not in seen:
                seen.add(id(t))
                found.append(t)
            return
        layer, node_index, _ = t.history
        node = layer._inbound_nodes[node_index]
        if not node.input_tensors:
            if id(t) not in seen:
                seen.add(id(t))
                found.append(t)
            return
        for parent in node.input_tensors:
            visit(parent)

    visit(tensor)
    return found
