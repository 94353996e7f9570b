"""`format="onnx"`: the model's inference function converted by `jax2onnx` (the converter Keras 3
uses on JAX), weights stored in the file. Needs ``pip install strata[onnx]``."""

from __future__ import annotations

import jax
import numpy as np

from strata.export import signature as signatures
from strata.export._atomic import staged
from strata.export._max_pool_rewrite import without_reduce_window_max
from strata.export.endpoints import pure
from strata.export.errors import export_error


def _jax2onnx():
    try:
        import jax2onnx
    except ImportError:
        raise ImportError(
            "export(format='onnx') converts with jax2onnx, which is not installed. Install it "
            "with `pip install jax2onnx onnx` (or `pip install strata[onnx]`)."
        ) from None
    return jax2onnx


def write(filepath, fn, signature, variables, owner: str, opset_version=None) -> None:
    """Write ``fn(*inputs)`` over `variables` as the ONNX file `filepath` (nothing on failure)."""
    jax2onnx = _jax2onnx()
    if opset_version is not None and (
        isinstance(opset_version, bool) or not isinstance(opset_version, int)
    ):
        raise ValueError(f"{owner}: `opset_version` must be an int; received {opset_version!r}.")
    leaves, treedef = signatures.flatten(signature)
    weights = [np.asarray(variable.value) for variable in variables]
    run = pure(fn, variables, treedef)

    def inference(*flat_inputs):
        return run(weights, *flat_inputs)

    inputs = [
        jax.ShapeDtypeStruct(
            tuple(
                ("batch" if axis == 0 else f"dim_{i}_{axis}") if d is None else int(d)
                for axis, d in enumerate(leaf.shape)
            ),
            np.dtype(leaf.dtype),
        )
        for i, leaf in enumerate(leaves)
    ]
    names = [entry["name"] for entry in signatures.describe(signature)]
    options = {} if opset_version is None else {"opset": opset_version}
    with staged(filepath, directory=False) as path:
        try:
            jax2onnx.to_onnx(
                without_reduce_window_max(inference),
                inputs=inputs,
                input_names=names,
                return_mode="file",
                output_path=str(path),
                **options,
            )
        except Exception as error:
            raise export_error(owner, "the model to ONNX", error) from error
