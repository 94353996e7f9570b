"""`Operation`: a `strata.ops` function applied to symbolic tensors, recorded as a graph node.

Keras 3 records ``inputs * 2.0`` or ``ops.sum(x, axis=-1)`` in a functional graph as a node of
an operation class (``Multiply``, ``Sum``) whose constructor takes the op's static arguments
(``axis``, ``keepdims``) and whose call takes its tensors. strata does the same with one
generic layer: `operation_class` makes, once per op, a subclass named as Keras names it, so
summaries, plots, saving and the engine treat op nodes like any other layer, and files written
by Keras (module ``keras.src.ops.numpy`` and friends) load by that class name.

Example:
    >>> from strata import ops
    >>> x = SymbolicTensor((None, 3))
    >>> y = ops.sum(x, axis=-1)
    >>> y.shape, type(y._keras_history.operation).__name__
    ((None,), 'Sum')
"""

from __future__ import annotations

import inspect

import jax
import numpy as np

from strata.graph.node import Node
from strata.graph.symbolic import SymbolicTensor, is_symbolic  # noqa: F401 - doctest
from strata.layers.layer import Layer

# Keras class name -> the generated `Operation` subclass (filled as `strata.ops` is imported).
OPERATIONS: dict[str, type] = {}

_MISSING = object()


class Operation(Layer):
    """A node that applies ``function`` with a fixed configuration (``axis=-1`` ...).

    Args:
        name: node name (``sum``, ``sum_1``, ... by default).
        **config: the op's static arguments, Keras's constructor arguments for this op.
    """

    function = None
    config_names: tuple = ()
    keras_op_module = "keras.src.ops.numpy"

    def __init__(self, name=None, **config):
        super().__init__(name=name)
        params = inspect.signature(type(self).function).parameters
        for key in list(config):
            if key not in params:
                if config[key] is None:
                    # An option of Keras's op that strata's has not, left at its default.
                    config.pop(key)
                    continue
                raise ValueError(
                    f"Operation '{self.name}' ({type(self).__name__}) got the argument "
                    f"{key}={config[key]!r}, which strata's `{type(self).function.__name__}` "
                    f"does not take; it takes {list(params)}."
                )
        self.op_config = config
        self.built = True

    def __call__(self, *args, **kwargs):
        # A functional model passes `training` and `mask` to every node; ops use neither.
        kwargs.pop("training", None)
        kwargs.pop("mask", None)
        if any(is_symbolic(x) for x in jax.tree_util.tree_leaves((args, kwargs))):
            return self._symbolic_call(args, kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        positional, keywords = _bind(type(self).function, self.op_config, args, kwargs)
        return type(self).function(*positional, **keywords)

    def _symbolic_call(self, args, kwargs):
        try:
            outputs = self.compute_output_spec(*args, **kwargs)
        except (TypeError, ValueError, IndexError) as err:
            shapes = [t.shape for t in jax.tree_util.tree_leaves((args, kwargs)) if is_symbolic(t)]
            config = ", ".join(f"{k}={v!r}" for k, v in self.op_config.items())
            raise ValueError(
                f"`{type(self).function.__name__}` cannot be applied to symbolic tensors of "
                f"shape(s) {shapes}" + (f" with {config}" if config else "") + f": {err}"
            ) from None
        for i, out in enumerate(jax.tree_util.tree_leaves(outputs)):
            out.name = self.name if i == 0 else f"{self.name}_{i}"
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_mask(self, inputs, mask=None):
        return None  # as in Keras, an op's output carries no mask

    def get_config(self) -> dict:
        return {"name": self.name, **self.op_config}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def operation_class(class_name: str, module: str, function, config_names: tuple) -> type:
    """The `Operation` subclass Keras calls `class_name` (made on first request)."""
    cls = OPERATIONS.get(class_name)
    if cls is None:
        cls = type(
            class_name,
            (Operation,),
            {
                "function": staticmethod(function),
                "config_names": tuple(config_names),
                "keras_op_module": module,
                "__module__": __name__,
                "__doc__": f"The graph node of ``{function.__name__}`` (Keras's {class_name}).",
            },
        )
        OPERATIONS[class_name] = cls
    elif cls.function is not function:
        raise ValueError(
            f"Two ops claim the Keras class name {class_name!r}: `{cls.function.__name__}` and "
            f"`{function.__name__}`. Give one of them its own `class_name`."
        )
    return cls


def record(cls: type, signature: inspect.Signature, args: tuple, kwargs: dict):
    """Apply the op of `cls` to symbolic arguments: a new node, its symbolic output(s)."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as err:
        raise TypeError(f"`{cls.function.__name__}`: {err}") from None
    bound.apply_defaults()
    config, call_args, call_kwargs = {}, [], {}
    for name, param in signature.parameters.items():
        value = bound.arguments.get(name)
        if param.kind is param.VAR_POSITIONAL:
            call_args.extend(value or ())
        elif param.kind is param.VAR_KEYWORD:
            call_kwargs.update(value or {})
        elif name in cls.config_names:
            config[name] = _plain(value)
        else:
            call_args.append(value)
    return cls(**config)(*call_args, **call_kwargs)


def _plain(value):
    """A config value ready for a file: a dtype object (``jnp.float16``) by its name."""
    if isinstance(value, type | np.dtype):
        return str(np.dtype(value))
    return value


def _bind(function, config: dict, args: tuple, kwargs: dict):
    """Positional and keyword arguments for `function` from a node's config and call arguments,
    in the parameter order of `function` (config entries fill their parameters by name)."""
    positional, keywords = [], dict(kwargs)
    remaining = iter(args)
    after_star = False
    for name, param in inspect.signature(function).parameters.items():
        if param.kind is param.VAR_POSITIONAL:
            positional.extend(remaining)
            after_star = True
            continue
        if param.kind is param.VAR_KEYWORD:
            continue
        if name in config:
            value = config[name]
        elif name in keywords:
            value = keywords.pop(name)
        else:
            value = next(remaining, _MISSING)
            if value is _MISSING:
                if param.default is param.empty:
                    raise TypeError(f"`{function.__name__}` is missing its argument `{name}`.")
                value = param.default
        if after_star or param.kind is param.KEYWORD_ONLY:
            keywords[name] = value
        else:
            positional.append(value)
    return positional, keywords


def _layer_mask(inputs, mask=None, layer=None):
    return layer.compute_mask(inputs, mask)


def compute_mask_node(layer, inputs, mask):
    """The symbolic mask ``layer.compute_mask(inputs, mask)``, computed as a node of its own
    (for a `compute_mask` that works on arrays only)."""
    cls = operation_class("ComputeMask", "strata.graph.operation", _layer_mask, ("layer",))
    return cls(layer=layer)(inputs, mask)
