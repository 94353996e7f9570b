"""`Sequential`: a linear stack of layers, built as a functional graph underneath."""

from __future__ import annotations

import warnings

from strata.graph.symbolic import is_symbolic
from strata.layers.input_layer import InputLayer
from strata.layers.layer import Layer
from strata.models.functional import Functional
from strata.models.model import Model


class Sequential(Functional):
    """Layers applied one after another.

    The input shape comes from an `Input`/`InputLayer` first, from a first layer's legacy
    `input_shape=`/`input_dim=`, or else from the first data the model sees (the batch axis is
    left unknown). Once the shape is known the stack becomes a functional graph, so Sequential
    models train, save and summarize through the same code as functional ones.

    Example:
        >>> import strata
        >>> model = Sequential([strata.Input(shape=(4,))])
        >>> model.add(strata.layers.Dense(3, activation="softmax"))
        >>> model.count_params()
        15
    """

    def __init__(self, layers=None, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._stack: list[Layer] = []
        self._created_nodes: list = []
        self._sublayers = []
        self.built = False
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._rebuild()

    def add(self, layer, rebuild=True) -> None:
        """Append a layer (or an `Input` tensor as the first entry)."""
        if is_symbolic(layer):
            origin = layer.history.layer if layer.history else None
            if not isinstance(origin, InputLayer):
                raise ValueError(
                    f"Sequential '{self.name}': only an `Input(...)` tensor can be added; "
                    f"received {layer}."
                )
            layer = origin
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential '{self.name}': add() takes a Layer; received {type(layer).__name__}."
            )
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError(
                f"Sequential '{self.name}': an InputLayer must be the first layer; this model "
                f"already has {len(self._stack)} layer(s)."
            )
        names = [existing.name for existing in self._stack]
        if layer.name in names:
            raise ValueError(
                f"Sequential '{self.name}': a layer named '{layer.name}' is already in the model. "
                "Layer names must be unique."
            )
        if not self._stack and getattr(layer, "_declared_input_shape", None) is not None:
            warnings.warn(
                "Do not pass an `input_shape`/`input_dim` argument to a layer. When using "
                "Sequential models, prefer using an `Input(shape)` object as the first layer in "
                "the model instead.",
                UserWarning,
                stacklevel=2,
            )
            self._stack.append(
                InputLayer(
                    shape=layer._declared_input_shape,
                    batch_size=layer._declared_batch_size,
                    dtype=layer.dtype,
                )
            )
        self._stack.append(layer)
        if rebuild:
            self._rebuild()

    def pop(self, rebuild=True) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise TypeError(f"Sequential '{self.name}' has no layers to pop.")
        layer = self._stack.pop()
        if rebuild:
            self._rebuild()
        return layer

    @property
    def layers(self) -> list:
        return [layer for layer in self._stack if not isinstance(layer, InputLayer)]

    def _rebuild(self) -> None:
        """Re-run the stack on its input to (re)create the functional graph."""
        for layer, node in self._created_nodes:
            if layer._inbound_nodes and layer._inbound_nodes[-1] is node:
                layer._inbound_nodes.pop()
        self._created_nodes = []
        if not self._stack or not isinstance(self._stack[0], InputLayer):
            self._sublayers = list(self._stack)
            self.built = False
            return
        if len(self._stack) == 1:
            self._sublayers = list(self._stack)
            self.built = False
            return
        tensor = self._stack[0].output_tensor
        for layer in self._stack[1:]:
            tensor = layer(tensor)
            self._created_nodes.append((layer, layer._inbound_nodes[-1]))
        self._init_graph(self._stack[0].output_tensor, tensor)

    def build(self, input_shape=None) -> None:
        """Build from a batch shape such as ``(None, 4)`` when no input was declared."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError(f"Sequential '{self.name}': build() needs an `input_shape`.")
        if not self.layers:
            raise ValueError(
                f"Sequential '{self.name}' has no layers; add layers before using the model."
            )
        shape = tuple(input_shape)
        self._stack.insert(0, InputLayer(batch_shape=(None, *shape[1:])))
        try:
            self._rebuild()
        except Exception:
            self._stack.pop(0)
            raise

    def _maybe_build(self, input_shape) -> None:
        if not self.built:
            self.build(input_shape)

    def call(self, inputs, training=None, mask=None):
        if not self.built:
            self.build(tuple(inputs.shape))
        return super().call(inputs, training=training, mask=mask)
