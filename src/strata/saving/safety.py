"""The safety checks of loading: what a config may name, checked before anything is built.

A `.keras` file, a JSON config or a `deserialize_keras_object` argument is walked whole by
`check_config` before any object is created: every class and function must resolve through the
`registry` (strata's and Keras's built-ins, registered objects, the caller's `custom_objects`);
no module named in a file is ever imported; serialized Python bytecode is refused unless the
caller passed ``safe_mode=False``; shapes and arrays must be plausible. A security review of
loading reads this file (and `archive.py`, `h5_weights.py` for the containers).

Example:
    >>> try:
    ...     check_config({"module": "os", "class_name": "system", "config": {}}, make_context())
    ... except ValueError as error:
    ...     print(str(error)[:60])
    config (system): Could not locate class 'system' (module 'os
"""

from __future__ import annotations

import base64
import builtins
import contextlib
import contextvars
import dataclasses
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
        check_keras_tensor(value.get("config"), label)
        return
    if class_name in _SPECIAL:
        _SPECIAL[class_name](value.get("config"), ctx)
        return
    if is_function_reference(value):
        resolve_function(value, ctx, label)
        return
    if is_dtype_policy(value):
        from strata.mixed_precision.serialized import dtype_from_policy

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


def check_keras_tensor(config, where) -> None:
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
