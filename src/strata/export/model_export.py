"""`Model.export`: a trained model as an artefact that serves without strata (Keras's
`model.export`)."""

from __future__ import annotations

import os

FORMATS = ("tf_saved_model", "onnx", "jax")


class ExportMixin:
    """Adds `export` to `Model`."""

    def export(
        self, filepath, format="tf_saved_model", verbose=None, input_signature=None, **kwargs
    ):
        """Export the model's inference function (``call`` with ``training=False``).

        Args:
            filepath: where to write it (a folder for "jax", a file for "onnx").
            format: "jax" (serialized StableHLO and weights; loads with only `jax`, see
                `strata.export.jax_format`), "onnx" (runs in ONNX Runtime; needs `jax2onnx`) or
                "tf_saved_model" (needs TensorFlow, which strata does not use: an error).
            verbose: print where the artefact was written (default True).
            input_signature: a list with one spec (``shape`` and ``dtype``; None dimensions
                stay dynamic) or nested structure of specs per positional argument. Default:
                the model's `Input`s, with a dynamic batch size.
            **kwargs: for "onnx", ``opset_version``.

        Example:
            >>> import os, tempfile, numpy as np, strata
            >>> model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(2)])
            >>> path = os.path.join(tempfile.mkdtemp(), "served")
            >>> model.export(path, format="jax", verbose=False)
            >>> sorted(os.listdir(path))
            ['serve.jax', 'signature.json', 'weights.npz']
        """
        # The writers (and jax2onnx) load on first export, not when strata is imported.
        from strata.export import jax_format, onnx_format
        from strata.export import signature as signatures

        owner = f"Model '{self.name}'.export"
        if format not in FORMATS:
            raise ValueError(
                f"{owner}: unknown format={format!r}; supported formats are {list(FORMATS)}."
            )
        if format == "tf_saved_model":
            raise ValueError(
                f"{owner}: format='tf_saved_model' writes a TensorFlow SavedModel, and strata "
                "runs without TensorFlow. Use format='jax' (loads with only `jax`) or "
                "format='onnx' (runs in ONNX Runtime)."
            )
        if not self.built:
            raise ValueError(f"{owner}: the model is not built; call it on data first.")
        if input_signature is None:
            input_signature = signatures.model_signature(self, owner)
        input_signature = signatures.check(input_signature, owner)
        extra = set(kwargs) - ({"opset_version"} if format == "onnx" else set())
        if extra:
            raise ValueError(
                f"{owner}: unexpected arguments {sorted(extra)} for format={format!r}."
            )
        variables = list(self.weights)

        def serve(*args):
            return self(*args, training=False)

        if format == "jax":
            jax_format.write(filepath, {"serve": (serve, input_signature)}, variables, owner)
        else:
            onnx_format.write(filepath, serve, input_signature, variables, owner, **kwargs)
        if verbose is None or verbose:
            print(f"Saved artifact at '{os.fspath(filepath)}'.")
