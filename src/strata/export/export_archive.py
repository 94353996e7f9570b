"""`ExportArchive`: several endpoints over tracked layers, written as one artefact (Keras's
`keras.export.ExportArchive`).

Keras writes a TensorFlow SavedModel; strata writes its JAX-native artefact (see
`strata.export.jax_format`), which needs only `jax` to load.
"""

from __future__ import annotations

import os

from strata.export import jax_format
from strata.export import signature as signatures
from strata.export.endpoints import tracked_variables

_OWNER = "ExportArchive"


class ExportArchive:
    """Endpoints (functions of tracked layers) and variable collections, written together.

    Example:
        >>> import os, tempfile, jax, numpy as np, strata
        >>> model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(2)])
        >>> archive = ExportArchive()
        >>> archive.track(model)
        >>> archive.add_endpoint(
        ...     "serve", lambda x: model(x, training=False),
        ...     input_signature=[jax.ShapeDtypeStruct((None, 3), "float32")])
        >>> path = os.path.join(tempfile.mkdtemp(), "served")
        >>> archive.write_out(path, verbose=False)
        >>> sorted(os.listdir(path))
        ['serve.jax', 'signature.json', 'weights.npz']
    """

    def __init__(self):
        self._resources = []
        self._endpoints = {}
        self._collections = {}

    def track(self, resource) -> None:
        """Track a layer or model: its variables are the artefact's weights."""
        from strata.layers.layer import Layer

        if not isinstance(resource, Layer):
            raise ValueError(
                f"{_OWNER}.track: expected a strata Layer or Model; received "
                f"{type(resource).__name__}."
            )
        if not resource.built:
            raise ValueError(
                f"{_OWNER}.track: layer '{resource.name}' is not built yet; call it on data (or "
                "build it) before tracking it."
            )
        if all(resource is not tracked for tracked in self._resources):
            self._resources.append(resource)

    def add_endpoint(self, name, fn, input_signature=None, **kwargs) -> None:
        """Add endpoint `name`: ``fn(*inputs)`` over the tracked layers, for inputs matching
        `input_signature` (a list with one spec structure per positional argument)."""
        if kwargs:
            raise ValueError(f"{_OWNER}.add_endpoint: unexpected arguments {sorted(kwargs)}.")
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"{_OWNER}.add_endpoint: `name` must be a Python identifier; received {name!r}."
            )
        if name in self._endpoints:
            raise ValueError(f"{_OWNER}.add_endpoint: endpoint '{name}' already exists.")
        if not callable(fn):
            raise ValueError(f"{_OWNER}.add_endpoint: `fn` must be callable; received {fn!r}.")
        if input_signature is None:
            raise ValueError(
                f"{_OWNER}.add_endpoint: endpoint '{name}' needs an `input_signature` (strata "
                "traces plain Python functions, so the input shapes must be given)."
            )
        self._endpoints[name] = (fn, signatures.check(input_signature, _OWNER))

    def track_and_add_endpoint(self, name, resource, input_signature, **kwargs) -> None:
        """Track `resource` and add endpoint `name` calling it in inference mode."""
        self.track(resource)
        self.add_endpoint(
            name, lambda *args: resource(*args, training=False), input_signature, **kwargs
        )

    def add_variable_collection(self, name, variables) -> None:
        """Save `variables` too (their values go into the weights file; their positions there
        are listed under `name` in ``signature.json``)."""
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(
                f"{_OWNER}.add_variable_collection: `name` must be a Python identifier; "
                f"received {name!r}."
            )
        variables = list(variables)
        if not all(hasattr(v, "uid") and hasattr(v, "value") for v in variables):
            raise ValueError(
                f"{_OWNER}.add_variable_collection: `variables` must be strata variables (for "
                "example `layer.weights`)."
            )
        self._collections[name] = variables

    def write_out(self, filepath, options=None, verbose=True) -> None:
        """Write the artefact to the folder `filepath` (nothing is left there on failure)."""
        if options is not None:
            raise ValueError(
                f"{_OWNER}.write_out: `options` (TensorFlow SaveOptions) does not apply to "
                "strata's JAX artefact; pass options=None."
            )
        if not self._endpoints:
            raise ValueError(
                f"{_OWNER}.write_out: no endpoints; add one with `add_endpoint` first."
            )
        variables = tracked_variables(self._resources)
        known = {v.uid for v in variables}
        for collection in self._collections.values():
            variables += [v for v in collection if v.uid not in known]
            known |= {v.uid for v in collection}
        positions = {v.uid: i for i, v in enumerate(variables)}
        jax_format.write(
            filepath,
            self._endpoints,
            variables,
            _OWNER,
            collections={
                name: [positions[v.uid] for v in collection]
                for name, collection in self._collections.items()
            },
        )
        if verbose:
            print(f"Saved artifact at '{os.fspath(filepath)}'.")
