"""Walk Keras 3's public surface and compare it with strata's, name by name.

Used by `test_keras_surface.py`; also runnable as a script to print the gaps:
``PYTHONPATH=src python tests/keras_surface.py``; with ``--prune`` it deletes the entries of
`keras_surface_gaps.py` that strata now conforms to (after a merge that built them).

A Keras name *conforms* when strata has it under the same namespace (``keras.x.Y`` is
``strata.x.Y``) and, when it is callable, strata's signature accepts every parameter name Keras's
does and requires no parameter Keras's lacks.
"""

from __future__ import annotations

import importlib
import inspect
import os
import types
from dataclasses import dataclass

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

NAMESPACES = (
    "keras",
    "keras.activations",
    "keras.backend",
    "keras.callbacks",
    "keras.config",
    "keras.constraints",
    "keras.distribution",
    "keras.dtype_policies",
    "keras.initializers",
    "keras.layers",
    "keras.losses",
    "keras.metrics",
    "keras.mixed_precision",
    "keras.models",
    "keras.ops",
    "keras.ops.image",
    "keras.ops.linalg",
    "keras.ops.nn",
    "keras.ops.numpy",
    "keras.optimizers",
    "keras.optimizers.schedules",
    "keras.preprocessing",
    "keras.quantizers",
    "keras.random",
    "keras.regularizers",
    "keras.saving",
    "keras.tree",
    "keras.utils",
)

# Classes whose public attributes (methods and properties) are compared, as
# ``(Keras's class, strata's class, Keras's example, strata's example, example arguments)``: the
# examples' attributes count too, since constructors set some of them.
CLASSES = {
    "Layer": ("keras.layers:Layer", "strata.layers:Layer", None, None, ()),
    "Model": ("keras:Model", "strata:Model", None, None, ()),
    "Metric": (
        "keras.metrics:Metric",
        "strata.metrics:Metric",
        "keras.metrics:Mean",
        "strata.metrics:Mean",
        (),
    ),
    "Optimizer": (
        "keras.optimizers:Optimizer",
        "strata.optimizers:Optimizer",
        "keras.optimizers:SGD",
        "strata.optimizers:SGD",
        (),
    ),
    "Loss": (
        "keras.losses:Loss",
        "strata.losses:Loss",
        "keras.losses:MeanSquaredError",
        "strata.losses:MeanSquaredError",
        (),
    ),
    "Callback": ("keras.callbacks:Callback", "strata.callbacks:Callback", None, None, ()),
    "KerasTensor": (
        "keras:KerasTensor",
        "strata.graph.symbolic:SymbolicTensor",
        None,
        None,
        ((None, 3),),
    ),
}


@dataclass(frozen=True)
class Gap:
    """Why a Keras name does not conform: ``absent`` or ``signature`` (with the detail)."""

    kind: str
    detail: str = ""


def strata_namespace(keras_namespace: str) -> str:
    return "strata" + keras_namespace[len("keras") :]


def _load(path: str):
    module_name, _, attribute = path.partition(":")
    try:
        value = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(value, attribute, None) if attribute else value


def _parameters(obj) -> tuple[dict[str, inspect.Parameter], bool] | None:
    """Named parameters of `obj` (a class: its constructor) and whether it takes ``*args`` or
    ``**kwargs``."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    named = {}
    open_ended = False
    for name, parameter in signature.parameters.items():
        if parameter.kind in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL):
            open_ended = True
        else:
            named[name] = parameter
    return named, open_ended


def signature_gap(keras_obj, strata_obj) -> Gap | None:
    """A `Gap` when `strata_obj` cannot be called the way `keras_obj` can, else None."""
    if not callable(keras_obj):
        return None
    if not callable(strata_obj):
        return Gap("signature", "Keras's is callable, strata's is not")
    keras_params = _parameters(keras_obj)
    strata_params = _parameters(strata_obj)
    if keras_params is None or strata_params is None:
        return None
    (keras_named, keras_open), (strata_named, strata_var_kw) = keras_params, strata_params
    missing = [n for n in keras_named if n not in strata_named and not strata_var_kw]
    # Keras's ``*args`` accepts whatever strata requires positionally (``Layer.call(inputs)``).
    required = [
        n
        for n, p in strata_named.items()
        if p.default is inspect.Parameter.empty
        and p.kind is not inspect.Parameter.POSITIONAL_ONLY
        and n not in keras_named
        and n != "self"
        and not keras_open
    ]
    problems = []
    if missing:
        problems.append(f"lacks {', '.join(missing)}")
    if required:
        problems.append(f"requires {', '.join(required)} that Keras does not have")
    return Gap("signature", "; ".join(problems)) if problems else None


def public_names(module) -> list[str]:
    return sorted(
        name
        for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), types.ModuleType)
    )


def namespace_gaps(keras_namespace: str) -> tuple[list[str], dict[str, Gap]]:
    """Keras's public names in `keras_namespace` and the gaps strata has among them."""
    keras_module = importlib.import_module(keras_namespace)
    strata_module = _load(strata_namespace(keras_namespace))
    names = public_names(keras_module)
    gaps = {}
    for name in names:
        strata_obj = getattr(strata_module, name, None) if strata_module is not None else None
        if strata_obj is None:
            gaps[name] = Gap("absent")
            continue
        gap = signature_gap(getattr(keras_module, name), strata_obj)
        if gap is not None:
            gaps[name] = gap
    return names, gaps


def _public_attributes(cls) -> list[str]:
    return sorted(name for name in dir(cls) if not name.startswith("_"))


def class_gaps(label: str) -> tuple[list[str], dict[str, Gap]]:
    """Keras's public attributes of the class `label` and the gaps strata's class has."""
    keras_path, strata_path, keras_example, strata_example, args = CLASSES[label]
    keras_cls, strata_cls = _load(keras_path), _load(strata_path)
    keras_instance = _load(keras_example or keras_path)(*args)
    strata_instance = _load(strata_example or strata_path)(*args)
    names = sorted(set(_public_attributes(keras_cls)) | set(_public_attributes(keras_instance)))
    gaps = {}
    for name in names:
        if not hasattr(strata_cls, name) and not hasattr(strata_instance, name):
            gaps[name] = Gap("absent")
            continue
        keras_attr = inspect.getattr_static(keras_cls, name, None)
        strata_attr = inspect.getattr_static(strata_cls, name, None)
        if inspect.isfunction(keras_attr) and callable(strata_attr):
            gap = signature_gap(getattr(keras_cls, name), getattr(strata_cls, name))
            if gap is not None:
                gaps[name] = gap
    return names, gaps


def all_gaps() -> dict[str, tuple[list[str], dict[str, Gap]]]:
    """Every namespace and class (classes keyed ``Layer.`` and so on) with its names and gaps."""
    result = {ns: namespace_gaps(ns) for ns in NAMESPACES}
    result.update({f"{label}.": class_gaps(label) for label in CLASSES})
    return result


def prune_gaps_file(path) -> list[str]:
    """Rewrite the gaps file at `path` without the names strata now conforms to; return them."""
    import keras_surface_gaps as listed

    gaps = all_gaps()
    text = open(path).read()
    header = text[: text.index("# Left out on purpose")]
    removed = []

    def kept(listing):
        out = {}
        for where, entries in listing.items():
            still = {n: r for n, r in entries.items() if n in gaps[where][1]}
            removed.extend(f"{where} {n}" for n in entries if n not in still)
            if still:
                out[where] = still
        return out

    def dump(name, listing):
        lines = [f"{name} = {{"]
        for where, entries in listing.items():
            lines.append(f"    {where!r}: {{")
            lines += [f"        {n!r}: {r!r}," for n, r in entries.items()]
            lines.append("    },")
        return "\n".join([*lines, "}"])

    with open(path, "w") as out:
        out.write(
            header
            + "# Left out on purpose: strata will not have these.\n"
            + dump("EXCLUDED", kept(listed.EXCLUDED))
            + "\n\n# Missing: to be built (the reason says what it waits for).\n"
            + dump("NOT_YET_BUILT", kept(listed.NOT_YET_BUILT))
            + "\n"
        )
    return removed


if __name__ == "__main__":
    import sys
    from pathlib import Path

    if "--prune" in sys.argv:
        sys.path.insert(0, str(Path(__file__).parent))
        for entry in prune_gaps_file(Path(__file__).parent / "keras_surface_gaps.py"):
            print("removed", entry)
        sys.exit(0)
    for where, (names, gaps) in all_gaps().items():
        print(f"# {where}: {len(names) - len(gaps)} / {len(names)}")
        for name, gap in gaps.items():
            print(f"    {name!r}: {gap.kind} {gap.detail}")
