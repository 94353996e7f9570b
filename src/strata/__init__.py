"""strata: Keras-style models (Sequential and Functional) compiled by JAX/XLA.

Example:
    >>> import strata
    >>> inputs = strata.Input(shape=(3,))
    >>> outputs = strata.layers.Dense(1, activation="sigmoid")(inputs)
    >>> strata.Model(inputs, outputs).count_params()
    4
"""

from strata import (
    activations,
    callbacks,
    config,
    datasets,
    distribution,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    optimizers,
    random,
    regularizers,
    utils,
)
from strata.layers.input_layer import Input
from strata.models.model import Model
from strata.models.sequential import Sequential

__version__ = "0.1.0"

__all__ = [
    "Input",
    "Model",
    "Sequential",
    "activations",
    "callbacks",
    "config",
    "distribution",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "optimizers",
    "random",
    "regularizers",
    "utils",
    "__version__",
]
