"""The names a saved file may refer to: strata's built-ins and the user's registered objects.

Loading never imports a module named in a file. A class or function reference in a config
resolves only through this module: first the caller's `custom_objects` and any active
`custom_object_scope`, then objects registered with `register_keras_serializable` (or added to
`get_custom_objects()`), then strata's own built-ins, looked up by their Keras name. Anything
else is refused.

Example:
    >>> @register_keras_serializable(package="Docs")
    ... def double(x):
    ...     return 2 * x
    >>> get_registered_name(double)
    'Docs>double'
    >>> get_registered_object("Docs>double") is double
    True
"""

from __future__ import annotations

import functools
import inspect
import threading

# Registered name ("Package>Name") -> object, and the reverse.
_GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}
_GLOBAL_CUSTOM_NAMES: dict[object, str] = {}
_scopes = threading.local()

# Object kinds, named as Keras's public namespaces name them (``keras.<kind>``).
KINDS = (
    "layers",
    "initializers",
    "regularizers",
    "constraints",
    "activations",
    "losses",
    "metrics",
    "optimizers",
    "schedules",
)
# The public Keras module of each kind, where it is not ``keras.<kind>``.
KIND_MODULES = {"schedules": "keras.optimizers.schedules"}

# Keras writes these modules for objects of each kind; ``keras.src.<kind>...`` works the same.
_MODULE_KINDS = {
    "layers": "layers",
    "models": "layers",
    "engine": "layers",
    "initializers": "initializers",
    "regularizers": "regularizers",
    "constraints": "constraints",
    "activations": "activations",
    "losses": "losses",
    "metrics": "metrics",
    "optimizers": "optimizers",
    # Operations Keras saves as functional-graph nodes (``keras.src.ops.numpy`` `Add`, `Sum`...).
    "ops": "operations",
}

_HELPERS = frozenset({"get", "serialize", "deserialize"})

DTYPE_POLICY_NAMES = frozenset({"DTypePolicy", "FloatDTypePolicy", "Policy"})


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Register a class or function so that saved files can refer to it as ``package>name``.

    Args:
        package: a namespace for the name (default ``"Custom"``, as in Keras).
        name: the name within the package; defaults to the object's ``__name__``.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Example:
        >>> import strata
        >>> @register_keras_serializable(package="Docs")
        ... class Scale(strata.layers.Layer):
        ...     def call(self, x):
        ...         return 3 * x
        >>> get_registered_name(Scale)
        'Docs>Scale'
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(
            f"register_keras_serializable: `package` must be a string without '>'; received "
            f"package={package!r}."
        )

    def decorator(obj):
        short = name or getattr(obj, "__name__", None)
        if not short:
            raise ValueError(
                f"register_keras_serializable: cannot find a name for {obj!r}; pass `name=`."
            )
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: a registered class must define `get_config()` "
                "(and `from_config()` if its constructor does not take that config)."
            )
        registered = f"{package}>{short}"
        # Re-registering a name replaces it, so re-running a notebook cell that redefines a
        # class keeps working (Keras raises here).
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_custom_objects() -> dict:
    """The global dict of registered objects; entries added to it by name resolve too.

    Example:
        >>> @register_keras_serializable(package="Docs")
        ... def halve(x):
        ...     return x / 2
        >>> get_custom_objects()["Docs>halve"] is halve
        True
    """
    return _GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj) -> str:
    """``"package>name"`` for a registered object, else its ``__name__``."""
    try:
        registered = _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable
        registered = None
    return registered or getattr(obj, "__name__", type(obj).__name__)


def is_registered(obj) -> bool:
    try:
        return obj in _GLOBAL_CUSTOM_NAMES
    except TypeError:
        return False


class CustomObjectScope:
    """Within this `with` block, saved names also resolve to the given objects.

    Args:
        *objects: dicts mapping names (``"MyLayer"`` or ``"Package>MyLayer"``) to objects.
        custom_objects: one more such dict, under Keras's keyword.

    Example:
        >>> def triple(x):
        ...     return 3 * x
        >>> with CustomObjectScope({"triple": triple}):
        ...     get_registered_object("triple") is triple
        True
    """

    def __init__(self, *objects, custom_objects=None):
        self.objects = {}
        for mapping in objects if custom_objects is None else (*objects, custom_objects):
            if not isinstance(mapping, dict):
                raise TypeError(
                    "custom_object_scope takes dicts mapping names to objects; received "
                    f"{type(mapping).__name__}."
                )
            self.objects.update(mapping)

    def __enter__(self):
        _scope_stack().append(self.objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()


custom_object_scope = CustomObjectScope


def _scope_stack() -> list:
    if not hasattr(_scopes, "stack"):
        _scopes.stack = []
    return _scopes.stack


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered (or passed in a scope or `custom_objects`) under `name`, or None.

    Args:
        name: ``"Package>Name"`` or a plain name.
        custom_objects: an optional dict searched first.
        module_objects: an optional dict searched last.
    """
    return lookup_custom((name,), custom_objects) or (module_objects or {}).get(name)


def lookup_custom(names, custom_objects=None):
    """The first of `names` found in `custom_objects`, the active scopes, then the registry."""
    names = [n for n in names if isinstance(n, str) and n]
    tables = [custom_objects or {}, *reversed(_scope_stack()), _GLOBAL_CUSTOM_OBJECTS]
    for table in tables:
        for candidate in names:
            if candidate in table:
                return table[candidate]
    return None


# ---- strata's built-ins ---------------------------------------------------------------------
@functools.cache
def builtin_tables() -> dict[str, dict[str, object]]:
    """Every object a file may name without registration, by kind and Keras class name."""
    from strata import (
        activations,
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from strata.layers.layer import Layer
    from strata.models.functional import Functional
    from strata.models.model import Model
    from strata.models.sequential import Sequential
    from strata.optimizers import schedules

    def classes(namespace, base):
        table = {}
        for attr in namespace.__all__:
            obj = getattr(namespace, attr)
            if inspect.isclass(obj) and issubclass(obj, base) and obj is not base:
                table[obj.__name__] = obj
                table[getattr(obj, "keras_export_name", obj.__name__)] = obj
        return table

    layer_table = classes(layers, Layer)
    layer_table.update({"Sequential": Sequential, "Functional": Functional, "Model": Model})
    import strata.ops  # noqa: F401 - importing the ops defines their node classes
    from strata.graph.operation import OPERATIONS

    def functions(namespace):
        # Only modeling math: the namespace's lookup helpers are not something a file may name.
        return {
            name: getattr(namespace, name)
            for name in namespace.__all__
            if inspect.isfunction(getattr(namespace, name)) and name not in _HELPERS
        }

    return {
        "layers": layer_table,
        "initializers": classes(initializers, initializers.Initializer),
        "regularizers": classes(regularizers, regularizers.Regularizer),
        "constraints": classes(constraints, constraints.Constraint),
        "activations": functions(activations),
        "losses": {**losses.CLASSES, **losses.FUNCTIONS},
        "metrics": {**metrics.CLASSES, **functions(metrics)},
        "optimizers": classes(optimizers, optimizers.Optimizer),
        "schedules": classes(schedules, schedules.LearningRateSchedule),
        "operations": dict(OPERATIONS),
    }


@functools.cache
def _builtin_ids() -> dict[int, str]:
    """id(object) -> kind, for every built-in (to tell built-ins from custom objects)."""
    return {id(obj): kind for kind, table in builtin_tables().items() for obj in table.values()}


def builtin_kind(obj) -> str | None:
    """The kind of a strata built-in class or function (``"layers"`` ...), or None."""
    return _builtin_ids().get(id(obj))


def kind_of_module(module) -> str | None:
    """The kind a Keras (or strata) module path stands for, ``"any"`` for a top-level
    ``keras``/``strata``, or None for a module outside Keras and strata."""
    if module is None:
        return "any"
    if not isinstance(module, str):
        return None
    parts = module.split(".")
    if parts[0] not in ("keras", "strata", "tf_keras"):
        return None
    if parts[1:2] == ["src"]:
        parts = parts[:1] + parts[2:]
    if len(parts) == 1:
        return "any"
    if parts[1:3] == ["optimizers", "schedules"]:
        return "schedules"
    return _MODULE_KINDS.get(parts[1])


def find_builtin(class_name: str, kind: str | None):
    """A built-in by Keras class name, within `kind` (or any kind for None/"any")."""
    tables = builtin_tables()
    if kind not in (None, "any"):
        return tables.get(kind, {}).get(class_name)
    for kind_name in KINDS:
        found = tables[kind_name].get(class_name)
        if found is not None:
            return found
    return None


def find_builtin_function(name: str):
    """A built-in function (activation, loss or metric function) by name, or None."""
    tables = builtin_tables()
    for kind in ("activations", "losses", "metrics"):
        found = tables[kind].get(name)
        if found is not None and inspect.isfunction(found):
            return found
    return None
