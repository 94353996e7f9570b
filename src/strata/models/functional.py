"""`Functional`: a model defined by symbolic inputs and outputs (``Model(inputs, outputs)``)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from strata.graph.dag import build_graph
from strata.graph.operation import Operation
from strata.graph.symbolic import SymbolicTensor, is_symbolic
from strata.layers.input_layer import InputLayer
from strata.models.model import Model
from strata.state import carried_masks


def _flatten_io(structure, what: str) -> list[SymbolicTensor]:
    leaves = jax.tree_util.tree_leaves(structure)
    if not leaves:
        raise ValueError(f"Model: `{what}` is empty; pass at least one tensor.")
    for leaf in leaves:
        if not is_symbolic(leaf):
            raise TypeError(
                f"Model: every entry of `{what}` must be a symbolic tensor from the functional API "
                f"(e.g. `strata.Input(...)` or a layer's output); received {type(leaf).__name__}."
            )
    return leaves


class Functional(Model):
    """A model whose computation is the graph between `inputs` and `outputs`.

    Args:
        inputs: a symbolic tensor, a list of them, or a dict of them keyed by name.
        outputs: likewise.
        name: model name.

    Example:
        >>> import strata
        >>> x = strata.Input(shape=(4,))
        >>> y = strata.layers.Dense(2)(x)
        >>> strata.Model(x, y).count_params()
        10
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs) -> None:
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        flat_inputs = _flatten_io(inputs, "inputs")
        flat_outputs = _flatten_io(outputs, "outputs")
        for tensor in flat_inputs:
            layer = tensor.history.layer if tensor.history else None
            if not isinstance(layer, InputLayer):
                raise ValueError(
                    f"Model: inputs must come from `strata.Input(...)`; {tensor} was produced by "
                    f"layer '{getattr(layer, 'name', None)}'."
                )
        self._graph_nodes, layers = build_graph(flat_inputs, flat_outputs)
        self._sublayers = layers
        self._input_structure = inputs
        self._output_structure = outputs
        self._flat_inputs = flat_inputs
        self._flat_outputs = flat_outputs
        self.built = True

    # ---- graph views --------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        # As in Keras, op nodes (``x * 2``, ``ops.sum``) are `operations` but not `layers`.
        return [layer for layer in self._sublayers if not isinstance(layer, Operation)]

    @property
    def operations(self) -> list:
        """Every node of the graph in order: the layers and the op nodes between them."""
        return list(self._sublayers)

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return list(self._flat_outputs)

    @property
    def input(self):
        return self._input_structure

    @property
    def output(self):
        return self._output_structure

    @property
    def input_names(self) -> list[str]:
        return [t.history.layer.name for t in self._flat_inputs]

    @property
    def output_names(self) -> list[str]:
        if isinstance(self._output_structure, dict):
            return sorted(self._output_structure)
        return [t.history.layer.name for t in self._flat_outputs]

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._flat_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._flat_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # ---- running -------------------------------------------------------------------------------
    def flatten_inputs(self, data) -> list:
        """Arrange `data` (array, list/tuple in input order, or dict by input name) as a list."""
        names = self.input_names
        count = len(names)
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(names))
            missing = [n for n in names if n not in data]
            if missing or unknown:
                raise ValueError(
                    f"Model '{self.name}' expects inputs named {names}. "
                    + (f"Missing data for {missing}. " if missing else "")
                    + (f"Unknown key(s) {unknown} match no input. " if unknown else "")
                    + f"You passed a dict with keys {sorted(data)}."
                )
            return [data[n] for n in names]
        if isinstance(data, list | tuple) and count > 1:
            if len(data) != count:
                raise ValueError(
                    f"Model '{self.name}' expects {count} inputs {names}, but received "
                    f"{len(data)} arrays. Pass a list of {count} arrays in this order, or a dict "
                    "keyed by input name."
                )
            return list(data)
        if count > 1:
            raise ValueError(
                f"Model '{self.name}' expects {count} inputs {names}, but received a single "
                "array. Pass a list of arrays in this order, or a dict keyed by input name."
            )
        if isinstance(data, list | tuple) and len(data) == 1 and _is_arraylike(data[0]):
            return [data[0]]
        if isinstance(data, list | tuple) and data and all(_is_arraylike(d) for d in data):
            raise ValueError(
                f"Model '{self.name}' expects 1 input {names}, but received {len(data)} arrays. "
                "Pass the one input's array (or a list holding only it)."
            )
        return [data]

    def call(self, inputs, training=None, mask=None):
        values = {}
        masks = {}
        for tensor, value in zip(self._flat_inputs, self.flatten_inputs(inputs)):
            values[id(tensor)] = adjust_input(self.name, tensor, value)
        if mask is not None:
            for tensor, m in zip(self._flat_inputs, jax.tree_util.tree_leaves(mask)):
                masks[id(tensor)] = m
        for node in self._graph_nodes:
            args, kwargs = node.substitute(values)
            layer = node.layer
            kwargs = dict(kwargs)
            if training is not None:
                kwargs["training"] = training
            input_masks = [masks.get(id(t)) for t in node.input_tensors]
            if any(m is not None for m in input_masks):
                kwargs.setdefault("mask", input_masks[0] if len(input_masks) == 1 else input_masks)
            outputs = layer(*args, **kwargs)
            out_leaves = jax.tree_util.tree_leaves(outputs)
            # The layer attached its output masks (see `carried_masks`).
            out_masks = [carried_masks.mask_of(leaf) for leaf in out_leaves]
            for tensor, value, tensor_mask in zip(node.output_tensors, out_leaves, out_masks):
                values[id(tensor)] = value
                if tensor_mask is not None:
                    masks[id(tensor)] = tensor_mask
        return jax.tree_util.tree_map(lambda t: values[id(t)], self._output_structure)

    def compute_output_spec(self, *args, **kwargs):
        if len(self._flat_outputs) and all(
            _matches(t, s) for t, s in zip(self._flat_inputs, jax.tree_util.tree_leaves(args[0]))
        ):
            return jax.tree_util.tree_map(
                lambda t: SymbolicTensor(t.shape, t.dtype), self._output_structure
            )
        return super().compute_output_spec(*args, **kwargs)

    def get_layer(self, name=None, index=None):
        """The layer called `name`, or at position `index` in `model.layers`."""
        if (name is None) == (index is None):
            raise ValueError("get_layer: pass exactly one of `name` or `index`.")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"get_layer: index {index} is out of range; model '{self.name}' has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No such layer: {name!r}. Model '{self.name}' has layers "
            f"{[layer.name for layer in self.layers]}."
        )


def _is_arraylike(x) -> bool:
    return hasattr(x, "shape") and hasattr(x, "dtype")


def _matches(expected: SymbolicTensor, given) -> bool:
    shape = getattr(given, "shape", None)
    return shape is not None and tuple(shape) == expected.shape


def input_rank_fix(
    model_name: str, tensor: SymbolicTensor, shape: tuple, dataset: bool = False
) -> str | None:
    """How data of `shape` must be adjusted for `tensor`: ``"expand"``, ``"squeeze"`` or None.

    A 1-D array of n numbers fed to ``Input(shape=(1,))`` is read as n samples, as Keras does.
    With `dataset`, `shape` is that of all the samples, which are split into batches later, so
    a fixed batch size of the input is not compared. Raises a ValueError naming the input when
    the shape cannot fit.
    """
    expected = tuple(tensor.shape)
    if dataset and expected:
        expected = (None, *expected[1:])
    shape = tuple(shape)
    fix = None
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        fix, shape = "expand", (*shape, 1)
    elif len(shape) == len(expected) + 1 and shape[-1] == 1:
        fix, shape = "squeeze", shape[:-1]
    ok = len(shape) == len(expected) and all(e is None or e == s for e, s in zip(expected, shape))
    if not ok:
        raise ValueError(
            f"Input '{tensor.history.layer.name}' of model '{model_name}' expects shape "
            f"{expected}, but received an array of shape {tuple(shape)}."
        )
    return fix


def adjust_input(model_name: str, tensor: SymbolicTensor, value):
    """`value` checked against its `Input`, with a trailing 1-axis added or removed if needed."""
    fix = input_rank_fix(model_name, tensor, value.shape)
    if fix == "expand":
        value = jnp.expand_dims(value, -1)
    elif fix == "squeeze":
        value = jnp.squeeze(value, -1)
    dtype = tensor.dtype
    if value.dtype != dtype and jnp.issubdtype(jnp.dtype(dtype), jnp.floating):
        value = value.astype(dtype)
    return value
