"""Model configs in Keras 3's schema: functional graphs, Sequential stacks and compile settings.

A functional config lists the layers in Keras's order; each carries its calls inside this model
(``inbound_nodes``), whose tensor arguments point at ``[layer_name, node_index, tensor_index]``.
Reading replays those calls on freshly built layers, deferring a call until its inputs exist.

Example:
    >>> import strata
    >>> x = strata.Input(shape=(3,), name="x")
    >>> model = strata.Model(x, strata.layers.Dense(2, name="d")(x))
    >>> config = functional_config(model)
    >>> config["input_layers"], config["output_layers"]
    (['x', 0, 0], ['d', 0, 0])
"""

from __future__ import annotations

import collections

import jax

from strata.graph.symbolic import SymbolicTensor, is_symbolic
from strata.saving import safety, serialization
from strata.saving.safety import LoadContext


# ---- writing ------------------------------------------------------------------------------------
def _model_node_indices(model) -> dict:
    """(id(layer), global node index) -> the node's index among this model's calls of the layer."""
    per_layer = collections.defaultdict(list)
    for tensor in model.inputs:
        layer, node_index, _ = tensor.history
        per_layer[id(layer)].append(node_index)
    for node in model._graph_nodes:
        per_layer[id(node.layer)].append(node.index)
    mapping = {}
    for layer_id, indices in per_layer.items():
        for position, index in enumerate(sorted(set(indices))):
            mapping[(layer_id, index)] = position
    return mapping


def _tensor_reference(tensor: SymbolicTensor, mapping: dict) -> list:
    layer, node_index, tensor_index = tensor.history
    return [layer.name, mapping[(id(layer), node_index)], tensor_index]


def functional_config(model) -> dict:
    """The Keras config of a functional model: layers with their nodes, inputs and outputs."""
    from strata.layers.input_layer import InputLayer

    mapping = _model_node_indices(model)
    nodes_by_layer = collections.defaultdict(list)
    for node in model._graph_nodes:
        nodes_by_layer[id(node.layer)].append(node)

    def encode(value):
        if is_symbolic(value):
            return {
                "class_name": "__keras_tensor__",
                "config": {
                    "shape": list(value.shape),
                    "dtype": value.dtype,
                    "keras_history": _tensor_reference(value, mapping),
                },
            }
        if isinstance(value, list | tuple):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {str(k): encode(v) for k, v in value.items()}
        return serialization.serialize_keras_object(value)

    layers = []
    for layer in model.operations:
        entry = serialization.serialize_object(layer)
        entry["name"] = layer.name
        nodes = [] if isinstance(layer, InputLayer) else nodes_by_layer[id(layer)]
        entry["inbound_nodes"] = [
            {"args": encode(list(node.args)), "kwargs": encode(node.kwargs)}
            for node in sorted(nodes, key=lambda n: n.index)
        ]
        layers.append(entry)

    def io(structure):
        if is_symbolic(structure):
            return _tensor_reference(structure, mapping)
        if isinstance(structure, dict):
            return {str(k): io(v) for k, v in structure.items()}
        return [io(v) for v in structure]

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": io(model._input_structure),
        "output_layers": io(model._output_structure),
    }


def sequential_config(model) -> dict:
    """The Keras config of a Sequential model: its layers in order (the InputLayer first)."""
    from strata.mixed_precision.serialized import dtype_policy

    config = {
        "name": model.name,
        "trainable": model.trainable,
        "dtype": dtype_policy(model.dtype),
        "layers": [serialization.serialize_object(layer) for layer in model._stack],
    }
    build = serialization.get_build_config(model)
    if build is not None:
        config["build_input_shape"] = build["input_shape"]
    return config


def compile_config(model) -> dict:
    """``compile_config`` as Keras writes it; ``{}`` for a model that was never compiled."""
    if not getattr(model, "compiled", False) or model._compile_config is None:
        return {}
    settings = model._compile_config
    serialize = serialization.serialize_keras_object
    return {
        "optimizer": serialize(model.optimizer),
        "loss": serialize(settings["loss"]),
        "loss_weights": serialize(settings["loss_weights"]),
        "metrics": serialize(settings["metrics"]),
        "weighted_metrics": serialize(settings["weighted_metrics"]),
        "run_eagerly": bool(model.run_eagerly),
        # strata picks the steps per compiled call itself (None); Keras needs an int, and the
        # numbers are the same either way.
        "steps_per_execution": settings["steps_per_execution"] or 1,
        "jit_compile": bool(model.jit_compile),
    }


# ---- reading ------------------------------------------------------------------------------------
def compile_from_config(model, config: dict, ctx: LoadContext) -> None:
    """Compile `model` as `compile_config` says (names resolved through the registry)."""
    if not config:
        return
    if not isinstance(config, dict):
        raise ValueError(f"`compile_config` must be a dict; received {type(config).__name__}.")
    optimizer = config.get("optimizer") or "rmsprop"
    if isinstance(optimizer, dict):
        optimizer = serialization.deserialize(optimizer, ctx, "optimizers")
    steps = config.get("steps_per_execution")
    model.compile(
        optimizer=optimizer,
        loss=serialization.deserialize(config.get("loss"), ctx, "losses"),
        loss_weights=config.get("loss_weights"),
        metrics=serialization.deserialize(config.get("metrics"), ctx, "metrics"),
        weighted_metrics=serialization.deserialize(config.get("weighted_metrics"), ctx, "metrics"),
        steps_per_execution=None if steps in (None, 1) else steps,
        run_eagerly=bool(config.get("run_eagerly", False)),
        jit_compile="auto" if config.get("jit_compile", True) is not False else False,
    )


def _check_layers_list(config: dict, owner: str) -> list:
    layers = config.get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"{owner}: `layers` must be a list of layer configs.")
    for i, entry in enumerate(layers):
        if not isinstance(entry, dict) or "class_name" not in entry:
            raise ValueError(f"{owner}: layers[{i}] is not a layer config.")
    return layers


def _new_layer(entry: dict, ctx: LoadContext, owner: str):
    from strata.layers.layer import Layer

    trimmed = {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}
    layer = serialization.deserialize(trimmed, ctx, "layers")
    if not isinstance(layer, Layer):
        raise ValueError(
            f"{owner}: the entry {entry.get('class_name')!r} is not a layer (it built a "
            f"{type(layer).__name__})."
        )
    return layer


def sequential_from_config(cls, config: dict, ctx: LoadContext):
    """A Sequential model from its config (tf.keras 2's ``batch_input_shape`` included)."""
    from strata.layers.input_layer import InputLayer
    from strata.mixed_precision.serialized import dtype_from_policy

    name = config.get("name")
    owner = f"Sequential '{name}'"
    entries = _check_layers_list(config, owner)
    model = cls(
        name=name,
        trainable=config.get("trainable", True),
        dtype=dtype_from_policy(config.get("dtype")),
    )
    layers = []
    for i, entry in enumerate(entries):
        inner = entry.get("config")
        if isinstance(inner, dict) and "batch_input_shape" in inner:
            inner = dict(inner)
            shape = safety.shape_structure(inner.pop("batch_input_shape"), owner)
            entry = {**entry, "config": inner}
            if i == 0 and entry.get("class_name") != "InputLayer" and shape is not None:
                layers.append(
                    InputLayer(batch_shape=shape, dtype=dtype_from_policy(inner.get("dtype")))
                )
        layers.append(_new_layer(entry, ctx, owner))
    for i, layer in enumerate(layers):
        model.add(layer, rebuild=i == len(layers) - 1)
    shape = safety.shape_structure(config.get("build_input_shape"), owner)
    if not model.built and shape is not None and model.layers:
        model.build(shape)
    return model


def _node_call(node, owner: str):
    """``(args, kwargs)`` templates of one saved call, from Keras 3's or the legacy format."""
    if isinstance(node, dict):
        args, kwargs = node.get("args", []), node.get("kwargs", {})
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise ValueError(f"{owner}: a node needs `args` (a list) and `kwargs` (a dict).")
        return args, kwargs
    if isinstance(node, list) and node:
        # tf.keras 2: [[layer_name, node_index, tensor_index, kwargs], ...].
        tensors, kwargs = [], {}
        for item in node:
            if not isinstance(item, list) or len(item) not in (3, 4):
                raise ValueError(f"{owner}: malformed legacy node entry {item!r}.")
            tensors.append(
                {"class_name": "__keras_tensor__", "config": {"keras_history": list(item[:3])}}
            )
            if len(item) == 4 and isinstance(item[3], dict):
                kwargs = item[3]
        args = [tensors[0]] if len(tensors) == 1 else [tensors]
        return args, kwargs
    raise ValueError(f"{owner}: malformed node {node!r}.")


class _NotReady(Exception):
    """A node's input comes from a call that has not been replayed yet."""


def functional_from_config(
    cls, config: dict, ctx: LoadContext, *, make_layer=None, inputs=None, call_function=None
):
    """A functional model from its config: build each layer, then replay its calls in order.

    `make_layer(entry)`, `inputs` (input layer name -> tensor) and `call_function(layer, *args,
    **kwargs)` let `clone_model` substitute layers, inputs and calls.
    """
    from strata.layers.input_layer import InputLayer

    name = config.get("name")
    owner = f"Model '{name}'"
    entries = _check_layers_list(config, owner)
    created: dict = {}
    outputs_of: dict = {}
    pending: dict = {}
    order = []
    for entry in entries:
        layer_name = entry.get("name") or (entry.get("config") or {}).get("name")
        if not isinstance(layer_name, str):
            raise ValueError(f"{owner}: every layer entry needs a `name`.")
        if layer_name in created:
            raise ValueError(f"{owner}: the layer name {layer_name!r} is used more than once.")
        if inputs is not None and layer_name in inputs:
            layer = inputs[layer_name].history.layer
        else:
            layer = make_layer(entry) if make_layer is not None else _new_layer(entry, ctx, owner)
        created[layer_name] = layer
        order.append(layer_name)
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise ValueError(f"{owner}: `inbound_nodes` of {layer_name!r} must be a list.")
        if isinstance(layer, InputLayer):
            tensor = inputs[layer_name] if inputs and layer_name in inputs else layer.output_tensor
            outputs_of[layer_name] = [[tensor]]
            pending[layer_name] = collections.deque()
        else:
            outputs_of[layer_name] = []
            pending[layer_name] = collections.deque(nodes)

    def tensor_at(history):
        layer_name, node_index, tensor_index = history
        if layer_name not in created:
            raise ValueError(
                f"{owner}: a node refers to layer {layer_name!r}, which is not in the model."
            )
        calls = outputs_of[layer_name]
        if node_index >= len(calls):
            if not pending[layer_name] and node_index >= len(calls):
                raise ValueError(
                    f"{owner}: a node refers to call {node_index} of layer {layer_name!r}, which "
                    f"has only {len(calls)} call(s) in this model."
                )
            raise _NotReady
        if tensor_index >= len(calls[node_index]):
            raise ValueError(
                f"{owner}: a node refers to output {tensor_index} of layer {layer_name!r}, which "
                f"has {len(calls[node_index])} output(s)."
            )
        return calls[node_index][tensor_index]

    def fill(value):
        if isinstance(value, list):
            return [fill(v) for v in value]
        if isinstance(value, dict):
            if value.get("class_name") == "__keras_tensor__":
                history = (value.get("config") or {}).get("keras_history")
                safety.check_keras_tensor(value.get("config"), owner)
                return tensor_at(history)
            if "class_name" in value:
                return serialization.deserialize(value, ctx)
            return {k: fill(v) for k, v in value.items()}
        return value

    while any(pending.values()):
        progress = False
        for layer_name in order:
            queue = pending[layer_name]
            while queue:
                args, kwargs = _node_call(queue[0], owner)
                try:
                    args, kwargs = fill(args), fill(kwargs)
                except _NotReady:
                    break
                layer = created[layer_name]
                if call_function is not None:
                    result = call_function(layer, *args, **kwargs)
                else:
                    result = layer(*args, **kwargs)
                outputs_of[layer_name].append(jax.tree_util.tree_leaves(result))
                queue.popleft()
                progress = True
        if not progress:
            stuck = [n for n in order if pending[n]]
            raise ValueError(
                f"{owner}: the calls of layer(s) {stuck} depend on tensors that no layer produces "
                "(a cycle or a missing call); the config is inconsistent."
            )

    def io(structure, what):
        if (
            isinstance(structure, list)
            and len(structure) == 3
            and isinstance(structure[0], str)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in structure[1:])
        ):
            try:
                return tensor_at(structure)
            except _NotReady:
                raise ValueError(
                    f"{owner}: `{what}` refers to a call that never happens."
                ) from None
        if isinstance(structure, dict):
            return {k: io(v, what) for k, v in structure.items()}
        if isinstance(structure, list) and structure:
            return [io(v, what) for v in structure]
        raise ValueError(f"{owner}: malformed `{what}`: {structure!r}.")

    inputs = io(config.get("input_layers"), "input_layers")
    outputs = io(config.get("output_layers"), "output_layers")
    return cls(inputs=inputs, outputs=outputs, name=name, trainable=config.get("trainable", True))
