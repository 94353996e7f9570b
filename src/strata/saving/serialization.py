"""Objects to JSON-ready configs and back, in Keras 3's encoding (`serialize_keras_object`).

Every object is written as ``{"module", "class_name", "config", "registered_name"}`` (layers add
``build_config``, models ``compile_config``); built-in functions are written by name. Reading goes
through one deserializer that resolves names only via `registry` and refuses everything else,
including serialized Python bytecode unless the caller passed ``safe_mode=False``.

Example:
    >>> import strata
    >>> config = serialize_keras_object(strata.layers.Dense(2, name="d"))
    >>> config["module"], config["class_name"], config["config"]["units"]
    ('keras.layers', 'Dense', 2)
    >>> deserialize_keras_object(config).units
    2
"""

from __future__ import annotations

import inspect

import numpy as np

from strata.saving import registry
from strata.saving.safety import (
    _SPECIAL,
    LoadContext,
    active_context,
    check_config,
    is_dtype_policy,
    is_function_reference,
    make_context,
    resolve_class,
    resolve_function,
    shape_structure,
)

# Keras builds these weightless layers in their constructors, so it writes no build_config.
_BUILT_AT_INIT = frozenset({"Activation", "Dropout", "Reshape", "InputLayer"})


# ---- writing ------------------------------------------------------------------------------------
def serialize_keras_object(obj):
    """A JSON-ready form of `obj`: plain values stay plain, objects become Keras configs.

    Args:
        obj: None, a number, string, list, tuple, dict, NumPy/JAX array, a layer, model,
            initializer, regularizer, loss, metric, optimizer, or a named function.

    Returns:
        Plain JSON values; objects as ``{"module", "class_name", "config", "registered_name"}``.

    Example:
        >>> serialize_keras_object((1, 2.5, "a"))
        [1, 2.5, 'a']
    """
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, list | tuple):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, dict):
        return {str(key): serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, slice):
        return {
            "class_name": "__slice__",
            "config": {
                "start": serialize_keras_object(obj.start),
                "stop": serialize_keras_object(obj.stop),
                "step": serialize_keras_object(obj.step),
            },
        }
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and not hasattr(obj, "get_config"):
        array = np.asarray(obj)
        return {
            "class_name": "__numpy__",
            "config": {"value": array.tolist(), "dtype": str(array.dtype)},
        }
    if hasattr(obj, "get_config") and not inspect.isclass(obj):
        return serialize_object(obj)
    if callable(obj) and not inspect.isclass(obj):
        return serialize_function(obj)
    raise TypeError(
        f"Cannot serialize {obj!r} (of type {type(obj).__name__}): it is neither a plain value "
        "nor an object with `get_config()`. Give the object a `get_config()` method and "
        "register its class with `strata.saving.register_keras_serializable`."
    )


def serialize_function(fn) -> dict:
    """A named function as ``{"class_name": "function", "config": <name>}`` (Keras's form)."""
    if getattr(fn, "__name__", "") == "<lambda>":
        raise ValueError(
            f"Cannot save the Python lambda {fn!r}: strata never writes code into files. Define "
            "a named function, decorate it with `@strata.saving.register_keras_serializable()`, "
            "and use that instead."
        )
    if registry.builtin_kind(fn) is not None:
        # Keras writes its own functions with module "builtins" and finds them by name.
        return {
            "module": "builtins",
            "class_name": "function",
            "config": fn.__name__,
            "registered_name": "function",
        }
    return {
        "module": _public_module(fn),
        "class_name": "function",
        "config": registry.get_registered_name(fn),
        "registered_name": "function",
    }


def serialize_activation(fn):
    """How a layer config stores an activation: a built-in's name, or a function reference."""
    if registry.builtin_kind(fn) == "activations":
        from strata import activations

        return activations.serialize(fn)
    return serialize_keras_object(fn)


def class_reference(cls) -> dict:
    """``module``, ``class_name`` and ``registered_name`` for a class, as Keras writes them."""
    from strata.models.functional import Functional
    from strata.models.sequential import Sequential

    kind = registry.builtin_kind(cls)
    if cls is Functional:
        return {
            "module": "keras.src.models.functional",
            "class_name": "Functional",
            "registered_name": "Functional",
        }
    keras_op_module = getattr(cls, "keras_op_module", None)
    if keras_op_module is not None:
        # A Keras operation node: Keras names its module and repeats the class name.
        return {
            "module": keras_op_module,
            "class_name": cls.__name__,
            "registered_name": cls.__name__,
        }
    if kind is not None:
        module = "keras" if cls is Sequential else registry.KIND_MODULES.get(kind, f"keras.{kind}")
        # A few Keras classes are exported (and so written) under another name than their own,
        # e.g. `GroupedQueryAttention` as "GroupQueryAttention".
        name = getattr(cls, "keras_export_name", cls.__name__)
        return {"module": module, "class_name": name, "registered_name": None}
    return {
        "module": _public_module(cls),
        "class_name": cls.__name__,
        "registered_name": registry.get_registered_name(cls),
    }


def serialize_object(obj) -> dict:
    """The Keras config of an object with `get_config()` (layers and models included)."""
    from strata.layers.layer import Layer

    ref = class_reference(type(obj))
    entry = {
        "module": ref["module"],
        "class_name": ref["class_name"],
        "config": serialize_keras_object(object_config(obj)),
        "registered_name": ref["registered_name"],
    }
    if isinstance(obj, Layer):
        # Keras's operation nodes carry no build config (Keras would try to build them).
        keras_op = getattr(obj, "keras_op_module", None) is not None
        build_config = None if keras_op else get_build_config(obj)
        if build_config is not None:
            entry["build_config"] = serialize_keras_object(build_config)
        from strata.models.model import Model

        if isinstance(obj, Model):
            from strata.saving.model_config import compile_config

            entry["compile_config"] = compile_config(obj)
    return entry


def object_config(obj) -> dict:
    """`obj.get_config()`, with the graph config for functional and sequential models."""
    from strata.models.functional import Functional
    from strata.models.sequential import Sequential
    from strata.saving import model_config

    if isinstance(obj, Sequential):
        return model_config.sequential_config(obj)
    if isinstance(obj, Functional):
        return model_config.functional_config(obj)
    config = obj.get_config()
    if not isinstance(config, dict):
        raise TypeError(
            f"{type(obj).__name__}.get_config() must return a dict; it returned "
            f"{type(config).__name__}."
        )
    return config


def get_build_config(layer):
    """The layer's ``build_config`` (its `get_build_config()`, which a subclass may override)."""
    return layer.get_build_config()


def default_build_config(layer):
    """``{"input_shape": ...}`` for a built layer (what Keras stores to rebuild it), or None."""
    from strata.models.functional import Functional
    from strata.models.sequential import Sequential

    if isinstance(layer, Sequential):
        stack = layer._stack
        shape = stack[0].batch_shape if stack and layer.built else None
        return {"input_shape": shape} if shape is not None else None
    if isinstance(layer, Functional):
        return {"input_shape": None}
    shape = getattr(layer, "_build_shape", None)
    if not layer.built or shape is None or type(layer).__name__ in _BUILT_AT_INIT:
        return None
    shapes = _call_shapes(layer)
    if shapes is not None:
        return {"shapes_dict": shapes}
    return {"input_shape": shape}


def _call_shapes(layer):
    """Keras's ``shapes_dict`` for a layer whose `build` takes one shape per call argument
    (``build(query_shape, value_shape)``): ``{"query_shape": ..., "value_shape": ...}``."""
    try:
        build_params = [
            p for p in inspect.signature(layer.build).parameters if p.endswith("_shape")
        ]
        call_signature = inspect.signature(layer.call)
    except (TypeError, ValueError):
        return None
    if len(build_params) < 2 or not layer._inbound_nodes:
        return None
    node = layer._inbound_nodes[0]
    try:
        bound = call_signature.bind(*node.args, **node.kwargs)
    except TypeError:
        return None
    shapes = {
        f"{name}_shape": value.shape
        for name, value in bound.arguments.items()
        if hasattr(value, "history") and hasattr(value, "shape")
    }
    return shapes or None


def _public_module(obj):
    module = getattr(obj, "__module__", None)
    return None if module == "__main__" else module


# ---- reading ------------------------------------------------------------------------------------
def deserialize_keras_object(config, custom_objects=None, safe_mode=None, *, kind=None):
    """Rebuild an object from its Keras config, resolving names only through the registry.

    Args:
        config: what `serialize_keras_object` returned (or a name such as ``"relu"``, returned
            unchanged).
        custom_objects: optional dict of extra names (``"MyLayer"`` or ``"Package>MyLayer"``).
        safe_mode: refuse serialized bytecode (default True; inherited inside a load).
        kind: optional expected kind (``"layers"``, ``"losses"`` ...) for configs without a
            module.

    Returns:
        The object. Anything already deserialized (not a dict or list) is returned as is.

    Raises:
        ValueError: the config names a class or function that is not a strata built-in and not
            registered, or holds a Python lambda while `safe_mode` is on.
    """
    ctx = make_context(custom_objects, safe_mode)
    check_config(config, ctx, kind=kind)
    with active_context(ctx):
        return deserialize(config, ctx, kind)


def deserialize(value, ctx: LoadContext, kind=None):
    """The recursive core of `deserialize_keras_object` (no pre-check)."""
    if isinstance(value, list):
        return [deserialize(item, ctx, kind) for item in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:
        return {key: deserialize(item, ctx, _kind_of_key(key, kind)) for key, item in value.items()}
    class_name = value["class_name"]
    special = _SPECIAL.get(class_name)
    if special is not None:
        return special(value.get("config"), ctx)
    if is_function_reference(value):
        return resolve_function(value, ctx, where=None)
    if is_dtype_policy(value):
        from strata.mixed_precision.serialized import dtype_from_policy

        return dtype_from_policy(value)
    cls = resolve_class(value, ctx, kind, where=None)
    return instantiate(cls, value, ctx)


def instantiate(cls, value: dict, ctx: LoadContext):
    """`cls` built from its config entry (models through their graph loaders) and then built."""
    from strata.layers.layer import Layer
    from strata.models.functional import Functional
    from strata.models.model import Model
    from strata.models.sequential import Sequential
    from strata.saving import model_config

    inner = value.get("config", {})
    if inner is None:
        inner = {}
    if not isinstance(inner, dict):
        raise ValueError(
            f"The config of {value.get('class_name')!r} must be a dict; received "
            f"{type(inner).__name__}."
        )
    if isinstance(cls, type) and issubclass(cls, Sequential):
        obj = model_config.sequential_from_config(cls, inner, ctx)
    elif isinstance(cls, type) and (
        issubclass(cls, Functional)
        or (cls is Model and "layers" in inner)
        or _revivable_as_functional(cls, inner)
    ):
        obj = model_config.functional_from_config(Functional if cls is Model else cls, inner, ctx)
    elif cls is Model:
        raise ValueError(
            "A config names the base class `Model` without a functional graph; a subclassed "
            "model must be saved under its own registered class name."
        )
    else:
        from_config = getattr(cls, "from_config", None)
        if from_config is None:
            raise TypeError(f"{cls.__name__} cannot be rebuilt: it has no `from_config`.")
        obj = from_config(deserialize(inner, ctx))
    if isinstance(obj, Layer) and value.get("build_config") and not obj.built:
        build_from_config(obj, value["build_config"])
    return obj


def _revivable_as_functional(cls, config: dict) -> bool:
    """A `Model` subclass saved with a functional graph (``MyModel(inputs, outputs)``), whose
    constructor takes the graph as Keras checks: Model's own, or ``(*args, **kwargs)``."""
    import inspect

    from strata.models.model import Model

    if not issubclass(cls, Model) or cls.__dict__.get("from_config") is not None:
        return False
    if not all(key in config for key in ("name", "layers", "input_layers", "output_layers")):
        return False
    init = inspect.getfullargspec(cls.__init__)
    return cls.__init__ is Model.__init__ or (init.varargs is not None and init.varkw is not None)


def build_from_config(layer, build_config) -> None:
    """Build `layer` from its ``build_config`` (its `build_from_config`, which a subclass may
    override)."""
    layer.build_from_config(build_config)


def default_build_from_config(layer, build_config) -> None:
    """Create `layer`'s weights for the shape in its ``build_config`` (no data is allocated)."""
    from strata.graph.symbolic import SymbolicTensor
    from strata.models.model import Model

    if not isinstance(build_config, dict):
        raise ValueError(f"Layer '{layer.name}': `build_config` must be a dict.")
    shape = shape_structure(build_config.get("input_shape"), f"layer '{layer.name}'")
    if shape is None:
        return
    if isinstance(layer, Model):
        # A subclassed model builds its sublayers by tracing `call` on symbolic inputs.
        def symbolic(s):
            if isinstance(s, dict):
                return {k: symbolic(v) for k, v in s.items()}
            if isinstance(s, list):
                return [symbolic(v) for v in s]
            return SymbolicTensor((None, *s[1:]), layer.dtype)

        layer(symbolic(shape))
        return
    layer._maybe_build(shape)


def _kind_of_key(key, inherited):
    """The kind a config key implies (``kernel_initializer`` -> initializers), else `inherited`."""
    if not isinstance(key, str):
        return inherited
    for suffix, kind in (
        ("initializer", "initializers"),
        ("regularizer", "regularizers"),
        ("constraint", "constraints"),
        ("activation", "activations"),
    ):
        if key.endswith(suffix):
            return kind
    return inherited


def signature_accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
