"""Walk a functional graph: which nodes lie between inputs and outputs, in what order.

Layers are ordered as Keras 3 orders them (deepest first, ties by first visit in a depth-first
walk from the outputs), so `model.layers`, `get_weights()` and saved weight paths line up with
Keras for the same model code.
"""

from __future__ import annotations

import collections

from strata.graph.symbolic import SymbolicTensor


class GraphDisconnectedError(ValueError):
    pass


def _node_of(tensor: SymbolicTensor):
    if tensor.history is None:
        return None
    layer, node_index, _ = tensor.history
    return layer._inbound_nodes[node_index]


def build_graph(inputs: list[SymbolicTensor], outputs: list[SymbolicTensor]):
    """Return ``(nodes, layers)``: executable nodes in dependency order and the ordered layers.

    Raises:
        GraphDisconnectedError: an output depends on a tensor that is not among `inputs`.
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    post_order: list = []
    first_visit: dict = {}

    def visit(tensor):
        node = _node_of(tensor)
        if node is None or id(node) in finished:
            return
        if id(node) in in_progress:
            raise ValueError(f"Tensor {tensor} from layer '{node.layer.name}' is part of a cycle.")
        first_visit.setdefault(id(node.layer), len(first_visit))
        in_progress.add(id(node))
        if id(tensor) not in input_ids:
            for parent in node.input_tensors:
                visit(parent)
        in_progress.discard(id(node))
        finished.add(id(node))
        post_order.append(node)

    for out in outputs:
        visit(out)

    node_depth: dict = {}
    layer_depth: dict = {}
    layers_by_id: dict = {}
    for node in reversed(post_order):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        layers_by_id[id(node.layer)] = node.layer
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    for tensor in inputs:
        node = _node_of(tensor)
        if node is not None and id(node.layer) not in layer_depth:
            layer_depth[id(node.layer)] = 0
            first_visit[id(node.layer)] = -1
            layers_by_id[id(node.layer)] = node.layer

    by_depth = collections.defaultdict(list)
    for layer_id, depth in layer_depth.items():
        by_depth[depth].append(layer_id)
    layers = []
    for depth in sorted(by_depth, reverse=True):
        for layer_id in sorted(by_depth[depth], key=lambda i: first_visit[i]):
            layers.append(layers_by_id[layer_id])

    computable = set(input_ids)
    ordered_nodes = sorted(post_order, key=lambda n: -node_depth[id(n)])
    producing_inputs = {id(_node_of(t)) for t in inputs}
    for node in ordered_nodes:
        # An input node that is not one of the model's inputs makes nothing computable.
        if id(node) in producing_inputs or node.is_input:
            continue
        for tensor in node.input_tensors:
            if id(tensor) not in computable:
                raise GraphDisconnectedError(
                    f"Graph disconnected: layer '{node.layer.name}' needs tensor {tensor}, which "
                    f"cannot be computed from the model's inputs. Missing input: "
                    f"'{_root_name(tensor)}'. Add it to `inputs` of the Model."
                )
        for t in node.output_tensors:
            computable.add(id(t))
    executable = [n for n in ordered_nodes if id(n) not in producing_inputs and not n.is_input]
    names = [layer.name for layer in layers]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(
            f"The layer name(s) {dupes} are used more than once in the model. Every layer in a "
            "model needs a unique name; pass distinct `name=` arguments."
        )
    return executable, layers


def _root_name(tensor: SymbolicTensor) -> str:
    """The name of the input layer a tensor ultimately comes from (for error messages)."""
    node = _node_of(tensor)
    while node is not None and not node.is_input:
        node = _node_of(node.input_tensors[0])
    return node.layer.name if node is not None else str(tensor)
