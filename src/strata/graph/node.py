"""`Node`: one call of a layer in a functional graph."""

from __future__ import annotations

import jax

from strata.graph.symbolic import History, SymbolicTensor, is_symbolic


class Node:
    """Records that `layer` was called with `args`/`kwargs` and produced `outputs`.

    The call arguments are kept as a template: symbolic tensors in it are replaced by concrete
    values when the graph runs; everything else (e.g. ``axis=1``) is passed as given.
    """

    def __init__(self, layer, args=(), kwargs=None, outputs=None):
        self.layer = layer
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.input_tensors = [
            x for x in jax.tree_util.tree_leaves((self.args, self.kwargs)) if is_symbolic(x)
        ]
        self.outputs = outputs
        self.output_tensors: list[SymbolicTensor] = jax.tree_util.tree_leaves(outputs)
        self.index = len(layer._inbound_nodes)
        layer._inbound_nodes.append(self)
        for i, tensor in enumerate(self.output_tensors):
            tensor.history = History(layer, self.index, i)

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list[Node]:
        parents = []
        for tensor in self.input_tensors:
            if tensor.history is not None:
                layer, node_index, _ = tensor.history
                node = layer._inbound_nodes[node_index]
                if node not in parents:
                    parents.append(node)
        return parents

    def substitute(self, values: dict):
        """The call arguments with each symbolic tensor replaced by ``values[id(tensor)]``."""

        def fill(x):
            return values[id(x)] if is_symbolic(x) else x

        return jax.tree_util.tree_map(fill, (self.args, self.kwargs))
