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
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "distribution",
    "dtype_policies",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "random",
    "regularizers",
    "saving",
    "tree",
    "utils",
)
_OBJECTS = {
    "Input": "strata.layers.input_layer",
    "Model": "strata.models.model",
    "Sequential": "strata.models.sequential",
}
# Base classes and names Keras also exports at the top (``"module:attribute"`` when renamed).
_OBJECTS.update(
    {
        "DTypePolicy": "strata.mixed_precision.policy",
        "FloatDTypePolicy": "strata.mixed_precision.policy_io",
        "Initializer": "strata.initializers",
        "KerasTensor": "strata.graph.symbolic:SymbolicTensor",
        "Layer": "strata.layers.layer",
        "Loss": "strata.losses",
        "Metric": "strata.metrics",
        "Optimizer": "strata.optimizers",
        "Regularizer": "strata.regularizers",
        "version": "strata._version",
    }
)

__all__ = ["Input", "Model", "Sequential", *_SUBMODULES, "__version__"]
__all__ += ["Initializer", "KerasTensor", "Layer", "Loss", "Metric", "Optimizer", "Regularizer"]
__all__ += ["DTypePolicy", "FloatDTypePolicy", "version"]


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
