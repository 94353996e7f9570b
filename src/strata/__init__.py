"""strata: Keras-style models (Sequential and Functional) compiled by JAX/XLA.

Submodules are imported on first use, so ``import strata`` costs almost nothing until a model is
built; ``strata.layers``, ``strata.Model`` and the rest appear as soon as they are touched.

Example:
    >>> import strata
    >>> inputs = strata.Input(shape=(3,))
    >>> outputs = strata.layers.Dense(1, activation="sigmoid")(inputs)
    >>> strata.Model(inputs, outputs).count_params()
    4
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations",
    "applications",
    "backend",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "distribution",
    "dtype_policies",
    "export",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
)
_OBJECTS = {
    "Initializer": "strata.initializers",
    "Input": "strata.layers.input_layer",
    "KerasTensor": "strata.graph.symbolic",
    "Layer": "strata.layers.layer",
    "Loss": "strata.losses.classes",
    "Metric": "strata.metrics.base",
    "Model": "strata.models.model",
    "Optimizer": "strata.optimizers.base",
    "Regularizer": "strata.regularizers",
    "Sequential": "strata.models.sequential",
    "StatelessScope": "strata.state.stateless_scope",
    "Variable": "strata.state.variable",
    "name_scope": "strata.state.name_scope",
}
# Base classes and names Keras also exports at the top (``"module:attribute"`` when renamed).
_OBJECTS.update(
    {
        "DTypePolicy": "strata.mixed_precision.policy",
        "FloatDTypePolicy": "strata.mixed_precision.policy_io",
        "version": "strata._version",
    }
)

__all__ = [*_OBJECTS, *_SUBMODULES, "__version__"]


def __getattr__(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"strata.{name}")
    elif name in _OBJECTS:
        module_name, _, attribute = _OBJECTS[name].partition(":")
        module = getattr(importlib.import_module(module_name), attribute or name)
    else:
        raise AttributeError(f"module 'strata' has no attribute {name!r}")
    globals()[name] = module
    return module


def __dir__() -> list[str]:
    return sorted(__all__)
