"""The JAX-native artefact: serialized StableHLO (`jax.export`) plus the weights, loadable by a
process that has only `jax` and `numpy`.

A folder holding, per endpoint, ``<endpoint>.jax`` (the serialized `jax.export.Exported`, whose
arguments are ``(weights, *inputs)``), the shared ``weights.npz`` (``w0``, ``w1``, ...) and
``signature.json`` (each endpoint's inputs, with None for dynamic dimensions). To run it::

    import json, jax, numpy as np
    from jax import export

    def load(path, endpoint="serve"):
        with open(f"{path}/{endpoint}.jax", "rb") as f:
            exported = export.deserialize(bytearray(f.read()))
        with np.load(f"{path}/weights.npz") as w:
            weights = [w[f"w{i}"] for i in range(len(w.files))]
        return lambda *inputs: exported.call(weights, *inputs)

    predictions = load("my_model")(np.ones((8, 784), "float32"))

Inputs are passed flat, in the order of ``signature.json`` (a dict input's entries sorted by key).
"""

from __future__ import annotations

import json

import jax
import numpy as np
from jax import export as jax_export

from strata.export import signature as signatures
from strata.export._atomic import staged
from strata.export.endpoints import pure
from strata.export.errors import export_error

# Lowered for every platform JAX serves on, so an artefact made on a CPU runs on a GPU too.
PLATFORMS = ("cpu", "cuda", "rocm", "tpu")
FORMAT_VERSION = 1


def _export_endpoint(owner, name, fn, signature, variables, weights):
    leaves, treedef = signatures.flatten(signature)
    weight_specs = [jax.ShapeDtypeStruct(w.shape, w.dtype) for w in weights]
    try:
        exported = jax_export.export(jax.jit(pure(fn, variables, treedef)), platforms=PLATFORMS)(
            weight_specs, *signatures.symbolic_specs(signature)
        )
    except Exception as error:
        raise export_error(owner, f"endpoint '{name}'", error) from error
    return exported.serialize()


def write(filepath, endpoints, variables, owner: str, collections=None) -> None:
    """Write `endpoints` (``{name: (fn, signature)}``) and the values of `variables` to the
    folder `filepath`, replacing it only once everything is written. `collections` maps names
    to positions in the weights file."""
    weights = [np.asarray(variable.value) for variable in variables]
    serialized = {
        name: _export_endpoint(owner, name, fn, signature, variables, weights)
        for name, (fn, signature) in endpoints.items()
    }
    description = {
        "format": "strata.jax_export",
        "version": FORMAT_VERSION,
        "weights": "weights.npz",
        "endpoints": {
            name: {"file": f"{name}.jax", "inputs": signatures.describe(signature)}
            for name, (_, signature) in endpoints.items()
        },
        "variable_collections": collections or {},
    }
    with staged(filepath, directory=True, marker="signature.json") as folder:
        for name, data in serialized.items():
            (folder / f"{name}.jax").write_bytes(data)
        np.savez(folder / "weights.npz", **{f"w{i}": w for i, w in enumerate(weights)})
        (folder / "signature.json").write_text(json.dumps(description, indent=2))
