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

import base64
import builtins
import contextlib
import contextvars
import dataclasses
import inspect
import marshal
import types

import numpy as np

from strata.saving import registry

_LAMBDA_REFUSED = (
    "Requested the deserialization of a `Lambda` layer whose `function` is a Python lambda "
    "(serialized bytecode). Running it could execute arbitrary code, so it is refused by "
    "default. If you trust the source of this file, pass `safe_mode=False` to the loading "
    "function."
)
_NUMERIC_KINDS = "biuf"
# Keras builds these weightless layers in their constructors, so it writes no build_config.
_BUILT_AT_INIT = frozenset({"Activation", "Dropout", "Reshape", "InputLayer"})


@dataclasses.dataclass
class LoadContext:
    """What one load may resolve: the caller's custom objects and safe mode, and the file."""

    custom_objects: dict = dataclasses.field(default_factory=dict)
    safe_mode: bool = True
    source: str | None = None


_ACTIVE: contextvars.ContextVar[LoadContext | None] = contextvars.ContextVar(
    "strata_load_context", default=None
)


@contextlib.contextmanager
def active_context(ctx: LoadContext):
    """Make `ctx` the default for nested `deserialize_keras_object` calls (custom `from_config`)."""
    token = _ACTIVE.set(ctx)
    try:
        yield ctx
    finally:
        _ACTIVE.reset(token)


def make_context(custom_objects=None, safe_mode=None, source=None) -> LoadContext:
    outer = _ACTIVE.get()
    if safe_mode is None:
        safe_mode = outer.safe_mode if outer is not None else True
    if not isinstance(safe_mode, bool):
        raise TypeError(f"`safe_mode` must be True or False; received safe_mode={safe_mode!r}.")
    merged = dict(outer.custom_objects) if outer is not None else {}
    if custom_objects is not None:
        if not isinstance(custom_objects, dict):
            raise TypeError(
                "`custom_objects` must be a dict mapping names to classes or functions; "
                f"received {type(custom_objects).__name__}."
            )
        merged.update(custom_objects)
    return LoadContext(merged, safe_mode, source or (outer.source if outer else None))


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
    """``{"input_shape": ...}`` for a built layer (what Keras stores to rebuild it), or None."""
    from strata.models.functional import Functional
    from strata.models.sequential import Sequential

    custom = getattr(layer, "get_build_config", None)
    if custom is not None:
        return custom()
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
        from strata.layers.layer import dtype_from_policy

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
        issubclass(cls, Functional) or (cls is Model and "layers" in inner)
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


def build_from_config(layer, build_config) -> None:
    """Create `layer`'s weights for the shape in its ``build_config`` (no data is allocated)."""
    from strata.graph.symbolic import SymbolicTensor
    from strata.models.model import Model

    custom = getattr(layer, "build_from_config", None)
    if custom is not None:
        custom(build_config)
        return
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


def shape_structure(value, owner: str):
    """A shape (tuple of int/None) or a list/dict of shapes, from JSON lists; checked."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): shape_structure(v, owner) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in value):
            for d in value:
                if d is not None and not 0 <= d < 2**31:
                    raise ValueError(f"{owner}: invalid dimension {d} in shape {value}.")
            if len(value) > 64:
                raise ValueError(f"{owner}: a shape of rank {len(value)} is not plausible.")
            return tuple(value)
        return [shape_structure(v, owner) for v in value]
    raise ValueError(f"{owner}: expected a shape (a list of ints or nulls); received {value!r}.")


def is_dtype_policy(value: dict) -> bool:
    return (
        value.get("class_name") in registry.DTYPE_POLICY_NAMES
        and registry.kind_of_module(value.get("module")) is not None
    )


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


def is_function_reference(value: dict) -> bool:
    return value.get("class_name") == "function" or value.get("registered_name") == "function"


def resolve_function(value: dict, ctx: LoadContext, where):
    """A function named in a config: the caller's/registered objects, then strata's built-ins."""
    name = value.get("config")
    if not isinstance(name, str):
        raise ValueError(_at(where, f"a function reference needs a name; received {value!r}."))
    short = name.split(">")[-1]
    module = value.get("module")
    found = registry.lookup_custom((name, short), ctx.custom_objects)
    if found is None and ">" not in name:
        if not _names_builtin_functions(module):
            raise ValueError(
                _at(
                    where,
                    f"Could not locate function {name!r} of module {module!r}: strata resolves "
                    "functions of Keras and strata (module 'builtins', 'keras...' or "
                    "'strata...') and functions you registered, and never imports a module "
                    f"named in a file. If {module!r}.{short} is yours, decorate it with "
                    "`@strata.saving.register_keras_serializable()` or pass "
                    f"`custom_objects={{{short!r}: {short}}}`.",
                )
            )
        found = registry.find_builtin_function(name)
    if found is None or not callable(found):
        raise ValueError(
            _at(
                where,
                f"Could not locate function {name!r} (module {module!r}). Loading only resolves "
                "strata's built-in activations, losses and metrics and functions you registered; "
                "it never imports modules named in a file. If this function is yours, decorate it "
                "with `@strata.saving.register_keras_serializable()` or pass "
                f"`custom_objects={{{short!r}: {short}}}`.",
            )
        )
    return found


def _names_builtin_functions(module) -> bool:
    """Whether a function reference's module is one whose functions strata has built in: Keras
    writes ``"builtins"`` for its own functions, strata and older Keras their module paths."""
    return module in (None, "builtins") or registry.kind_of_module(module) is not None


def resolve_class(value: dict, ctx: LoadContext, kind=None, where=None):
    """The class a config entry names, or a ValueError that says why it is refused."""
    class_name = value.get("class_name")
    registered_name = value.get("registered_name")
    module = value.get("module")
    if not isinstance(class_name, str) or not class_name:
        raise ValueError(
            _at(where, f"`class_name` must be a non-empty string; got {class_name!r}.")
        )
    found = registry.lookup_custom((registered_name, class_name), ctx.custom_objects)
    if found is not None:
        return found
    module_kind = registry.kind_of_module(module)
    # Keras writes `registered_name: null` for its built-ins (and "Functional" for Functional);
    # a custom class carries its own name there, so it never silently becomes a built-in.
    # Operations saved as graph nodes (`keras.src.ops...`) carry their class name there too.
    is_builtin_name = (
        registered_name is None
        or (class_name == "Functional" and registered_name == "Functional")
        or (isinstance(module, str) and ".ops." in module and registered_name == class_name)
    )
    if module_kind is not None and is_builtin_name:
        lookup_kind = kind if module_kind == "any" else module_kind
        found = registry.find_builtin(class_name, lookup_kind)
        if found is None and module_kind == "any" and kind is not None:
            found = registry.find_builtin(class_name, None)
        if found is not None:
            return found
    label = registered_name if isinstance(registered_name, str) else class_name
    raise ValueError(
        _at(
            where,
            f"Could not locate class {label!r} (module {module!r}). It is not one of strata's "
            "built-in layers, initializers, regularizers, losses, metrics or optimizers, and no "
            "object is registered under that name. Loading never imports modules named in a "
            "file. If this class is yours, decorate it with "
            "`@strata.saving.register_keras_serializable()` or pass "
            f"`custom_objects={{{class_name!r}: {class_name}}}` when loading.",
        )
    )


def _at(where, message: str) -> str:
    return f"{where}: {message}" if where else message


# ---- the special encodings ----------------------------------------------------------------------
def _numpy(config, ctx):
    if not isinstance(config, dict) or "value" not in config:
        raise ValueError(f"An array entry needs a `value`; received {config!r}.")
    dtype = np.dtype(config.get("dtype") or "float32")
    if dtype.kind not in _NUMERIC_KINDS:
        raise ValueError(f"Arrays in configs must be numeric; refusing dtype {dtype}.")
    return np.asarray(config["value"], dtype=dtype)


def _bytes(config, ctx):
    if not isinstance(config, dict) or not isinstance(config.get("value"), str):
        raise ValueError(f"A bytes entry needs a string `value`; received {config!r}.")
    return config["value"].encode("utf-8")


def _slice(config, ctx):
    parts = [config.get(k) if isinstance(config, dict) else None for k in ("start", "stop", "step")]
    if not all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
        raise ValueError(f"A slice entry holds ints or nulls; received {config!r}.")
    return slice(*parts)


def _ellipsis(config, ctx):
    return Ellipsis


def _keras_tensor(config, ctx):
    raise ValueError(
        "A symbolic tensor (`__keras_tensor__`) appears outside the `inbound_nodes` of a "
        "functional model; the config is malformed."
    )


def _typespec(config, ctx):
    raise ValueError("TensorFlow type specs (`__typespec__`) are not supported.")


def _lambda(config, ctx):
    if ctx.safe_mode:
        raise ValueError(_LAMBDA_REFUSED)
    return load_lambda(config)


def load_lambda(config):
    """Rebuild a Keras-serialized Python lambda (only ever called with ``safe_mode=False``)."""
    if not isinstance(config, dict) or not isinstance(config.get("code"), str):
        raise ValueError(f"A lambda entry needs base64 `code`; received {config!r}.")
    code = marshal.loads(base64.b64decode(config["code"].encode("ascii")))
    if not isinstance(code, types.CodeType):
        raise ValueError("A lambda entry does not hold a code object.")
    defaults = config.get("defaults")
    closure = config.get("closure")
    cells = None
    if closure:
        cells = tuple(types.CellType(value) for value in closure)
    return types.FunctionType(
        code,
        {"__builtins__": builtins},
        code.co_name,
        tuple(defaults) if defaults else None,
        cells,
    )


_SPECIAL = {
    "__numpy__": _numpy,
    "__tensor__": _numpy,
    "__bytes__": _bytes,
    "__slice__": _slice,
    "__ellipsis__": _ellipsis,
    "__keras_tensor__": _keras_tensor,
    "__typespec__": _typespec,
    "__lambda__": _lambda,
}


# ---- the check before anything is built ---------------------------------------------------------
def check_config(value, ctx: LoadContext, *, kind=None, where="config", depth=0) -> None:
    """Walk a whole config and refuse it before any object is created.

    Every class and function it names must resolve through the registry; a serialized lambda is
    refused unless ``ctx.safe_mode`` is False; ``__keras_tensor__`` entries must be well formed.
    """
    if depth > 200:
        raise ValueError(f"{where}: the config is nested more than 200 levels deep.")
    if isinstance(value, list):
        for i, item in enumerate(value):
            check_config(item, ctx, kind=kind, where=f"{where}[{i}]", depth=depth + 1)
        return
    if not isinstance(value, dict):
        # JSON holds only plain values; anything else was built by trusted code already.
        return
    if "class_name" not in value:
        for key, item in value.items():
            check_config(item, ctx, kind=kind, where=f"{where}.{key}", depth=depth + 1)
        return
    class_name = value["class_name"]
    label = f"{where} ({class_name})" if isinstance(class_name, str) else where
    if class_name == "__lambda__":
        if ctx.safe_mode:
            raise ValueError(f"{label}: {_LAMBDA_REFUSED}")
        return
    if class_name == "__keras_tensor__":
        _check_keras_tensor(value.get("config"), label)
        return
    if class_name in _SPECIAL:
        _SPECIAL[class_name](value.get("config"), ctx)
        return
    if is_function_reference(value):
        resolve_function(value, ctx, label)
        return
    if is_dtype_policy(value):
        from strata.layers.layer import dtype_from_policy

        try:
            dtype_from_policy(value)
        except ValueError as err:
            raise ValueError(f"{label}: {err}") from None
        return
    resolve_class(value, ctx, kind, label)
    inner = value.get("config")
    if inner is not None and not isinstance(inner, dict):
        raise ValueError(f"{label}: `config` must be a dict; received {type(inner).__name__}.")
    for key in ("config", "build_config"):
        if isinstance(value.get(key), dict):
            check_config(value[key], ctx, where=f"{label}.{key}", depth=depth + 1)
    if isinstance(value.get("inbound_nodes"), list):
        check_config(value["inbound_nodes"], ctx, where=f"{label}.inbound_nodes", depth=depth + 1)


def _check_keras_tensor(config, where) -> None:
    history = config.get("keras_history") if isinstance(config, dict) else None
    ok = (
        isinstance(history, list)
        and len(history) == 3
        and isinstance(history[0], str)
        and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in history[1:])
    )
    if not ok:
        raise ValueError(
            f"{where}: a tensor reference needs `keras_history` = [layer_name, node_index, "
            f"tensor_index]; received {config!r}."
        )


def signature_accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
