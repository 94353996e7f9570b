"""Legacy HDF5 (``.h5``) files: full models and weights from tf.keras 2 and Keras 3.

Layout: root attributes ``model_config`` and ``training_config`` (JSON), a ``model_weights`` group
with one group per layer *name*, whose ``weight_names`` attribute lists the layer's weights in
order, and an ``optimizer_weights`` group. Weights files (``save_weights`` in tf.keras 2) put the
layer groups at the root.

The same safety rules as for ``.keras`` apply: names resolve through the registry, a lambda is
refused in safe mode, and the file is scanned for links, external data and size bombs first.
"""

from __future__ import annotations

import io
import json
import warnings

import h5py
import numpy as np

from strata.saving import h5_weights, safety, serialization
from strata.saving.archive import KERAS_FORMAT_VERSION

# tf.keras 2 config keys that Keras 3 dropped; removed when they hold their default value.
_DROPPED_LAYER_KEYS = {"time_major": False, "implementation": None}
_DROPPED_OPTIMIZER_KEYS = ("is_legacy_optimizer", "jit_compile", "decay")


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return _text(value.item())
    return value


def _names(values) -> list[str]:
    return [str(_text(v)) for v in np.asarray(values).reshape(-1)] if values is not None else []


# ---- reading -------------------------------------------------------------------------------------
def read_config(h5file: h5py.File, source: str) -> tuple[dict | None, dict | None]:
    """``(model_config, training_config)`` from the root attributes (None where absent)."""

    def load(key):
        raw = h5file.attrs.get(key)
        if raw is None:
            return None
        try:
            value = json.loads(_text(raw))
        except (TypeError, ValueError, RecursionError) as err:
            raise ValueError(
                f"{source}: the `{key}` attribute is not valid JSON ({err})."
            ) from None
        if not isinstance(value, dict):
            raise ValueError(f"{source}: the `{key}` attribute must hold a JSON object.")
        return value

    return load("model_config"), load("training_config")


def upgrade_config(config):
    """tf.keras 2 layer configs in Keras 3's form (drop keys Keras 3 removed)."""
    if isinstance(config, list):
        return [upgrade_config(v) for v in config]
    if not isinstance(config, dict):
        return config
    config = {k: upgrade_config(v) for k, v in config.items()}
    inner = config.get("config")
    if "class_name" in config and isinstance(inner, dict):
        for key, default in _DROPPED_LAYER_KEYS.items():
            if key in inner and (default is None or inner[key] == default):
                inner.pop(key)
    return config


def training_to_compile_config(training: dict) -> dict:
    """A legacy ``training_config`` as a Keras 3 ``compile_config``."""
    optimizer = training.get("optimizer_config")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        inner = dict(optimizer["config"])
        for key in _DROPPED_OPTIMIZER_KEYS:
            if key == "decay" and inner.get(key) not in (None, 0, 0.0):
                continue  # a real decay is kept, so the optimizer warns that it is ignored
            inner.pop(key, None)
        if "lr" in inner and "learning_rate" not in inner:
            inner["learning_rate"] = inner.pop("lr")
        optimizer = {**optimizer, "config": inner}
    return {
        "optimizer": optimizer,
        "loss": training.get("loss"),
        "loss_weights": training.get("loss_weights"),
        "metrics": _flatten_legacy_metrics(training.get("metrics")),
        "weighted_metrics": _flatten_legacy_metrics(training.get("weighted_metrics")),
        "steps_per_execution": training.get("steps_per_execution"),
    }


def _flatten_legacy_metrics(metrics):
    # tf.keras 2 wrote per-output lists ([["accuracy"]]) even for one output.
    if isinstance(metrics, list) and len(metrics) == 1 and isinstance(metrics[0], list):
        return metrics[0]
    return metrics


def load_model(path: str, ctx, compile: bool):
    """A model from a legacy ``.h5`` file (the file is opened and scanned here)."""
    from strata.saving import model_config

    with h5py.File(path, "r") as h5file:
        h5_weights.scan(h5file, path)
        config, training = read_config(h5file, path)
        if config is None:
            raise ValueError(
                f"{path} holds no model config (it is a weights file). Build the model in code "
                "and call `model.load_weights(...)` instead."
            )
        config = upgrade_config(config)
        compile_config = training_to_compile_config(training) if compile and training else None
        safety.check_config(config, ctx, kind="layers", where=f"{path}: model_config")
        if compile_config:
            safety.check_config(compile_config, ctx, where=f"{path}: training_config")
        if not isinstance(config.get("class_name"), str):
            raise ValueError(f"{path}: `model_config` does not describe a model (no `class_name`).")
        with safety.active_context(ctx):
            model = serialization.deserialize(config, ctx, "layers")
            if not hasattr(model, "layers"):
                raise ValueError(
                    f"{path}: `model_config` describes a {type(model).__name__}, not a model."
                )
            if compile_config:
                model_config.compile_from_config(model, compile_config, ctx)
        weights = h5file["model_weights"] if "model_weights" in h5file else h5file
        load_weights(model, weights, path)
        if compile_config and "optimizer_weights" in h5file:
            _load_optimizer(model, h5file, path)
    return model


def load_weights(model, group, source: str, by_name: bool = False, skip_mismatch: bool = False):
    """Assign weights from a legacy ``model_weights`` group (or a weights file's root)."""
    if "layer_names" not in group.attrs:
        raise ValueError(f"{source}: not a Keras HDF5 weights file (no `layer_names`).")
    file_layers = []
    for name in _names(group.attrs["layer_names"]):
        if name not in group or not isinstance(group[name], h5py.Group):
            raise ValueError(f"{source}: the layer group {name!r} is missing.")
        weight_names = _names(group[name].attrs.get("weight_names"))
        if weight_names:
            file_layers.append((name, [_dataset(group[name], w, source) for w in weight_names]))
    model_layers = [layer for layer in model.layers if layer.weights]
    if by_name:
        by_file_name = dict(file_layers)
        pairs = [
            (layer, by_file_name[layer.name])
            for layer in model_layers
            if layer.name in by_file_name
        ]
    else:
        if len(file_layers) != len(model_layers):
            raise ValueError(
                f"{source}: the file has weights for {len(file_layers)} layer(s) "
                f"{[n for n, _ in file_layers]}, but the model has {len(model_layers)} layer(s) "
                f"with weights {[layer.name for layer in model_layers]}."
            )
        pairs = [(layer, datasets) for layer, (_, datasets) in zip(model_layers, file_layers)]
    assignments = []
    for layer, datasets in pairs:
        variables = layer.trainable_weights + layer.non_trainable_weights
        problem = None
        if len(variables) != len(datasets):
            problem = f"has {len(variables)} weights, but the file holds {len(datasets)}"
        else:
            for variable, dataset in zip(variables, datasets):
                if tuple(dataset.shape) != tuple(variable.shape):
                    problem = (
                        f"weight '{variable.path}' has shape {tuple(variable.shape)}, but the file "
                        f"holds shape {tuple(dataset.shape)}"
                    )
                    break
        if problem is not None:
            message = f"{source}: layer '{layer.name}' {problem}."
            if not skip_mismatch:
                raise ValueError(message + " Pass `skip_mismatch=True` to skip such layers.")
            warnings.warn(message + " Skipped.", UserWarning, stacklevel=3)
            continue
        assignments.extend(zip(variables, datasets))
    values = [(v, h5_weights.read_dataset(d)) for v, d in assignments]
    for variable, value in values:
        variable.assign(value.astype(variable.dtype))


def _dataset(group, name: str, source: str):
    obj = group.get(name)
    if obj is None:
        # tf.keras 2 weight names may carry the layer's name as a first path segment twice.
        raise ValueError(f"{source}: the weight {name!r} listed in '{group.name}' is missing.")
    if not isinstance(obj, h5py.Dataset):
        raise ValueError(f"{source}: '{group.name}/{name}' is not a dataset.")
    return obj


def _load_optimizer(model, h5file, source: str) -> None:
    from strata.saving.optimizer_state import set_optimizer_values

    version = str(_text(h5file.attrs.get("keras_version", "")))
    group = h5file["optimizer_weights"]
    names = _names(group.attrs.get("weight_names"))
    if not version.startswith("3"):
        warnings.warn(
            f"{source}: the optimizer state of a Keras {version or '2'} file is not restored "
            "(its variables are laid out differently); training continues with a fresh "
            "optimizer state.",
            UserWarning,
            stacklevel=3,
        )
        return
    datasets = [_dataset(group, name, source) for name in names]
    set_optimizer_values(model.optimizer, model.trainable_weights, datasets, source)


# ---- writing -------------------------------------------------------------------------------------
def _legacy_entries(config):
    """A Keras 3 model config in the legacy form: layer entries without module keys."""
    if not isinstance(config, dict):
        return config
    out = {k: v for k, v in config.items() if k not in ("module", "build_config", "compile_config")}
    registered = out.pop("registered_name", None)
    if isinstance(registered, str) and ">" in registered:
        out["class_name"] = registered
    inner = out.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
        out["config"] = {**inner, "layers": [_legacy_entries(e) for e in inner["layers"]]}
    return out


def save_model(model, handle, include_optimizer: bool = True) -> None:
    """Write `model` as a legacy ``.h5`` file into the binary file object `handle`."""
    from strata.models.functional import Functional
    from strata.saving.model_config import compile_config
    from strata.saving.optimizer_state import optimizer_values
    from strata.saving.serialization import serialize_object

    if not isinstance(model, Functional):
        # As in Keras: the legacy format matches weights by layer, which needs a layer graph.
        raise ValueError(
            f"Model '{model.name}' is a subclassed model; the legacy .h5 format only holds "
            "functional and Sequential models. Save it as `.keras` instead."
        )
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5file:
        h5file.attrs["backend"] = "jax"
        h5file.attrs["keras_version"] = KERAS_FORMAT_VERSION
        config = serialize_object(model)
        h5file.attrs["model_config"] = json.dumps(_legacy_entries(config))
        compiled = compile_config(model) if include_optimizer else {}
        if compiled:
            training = {k: v for k, v in compiled.items() if k != "optimizer"}
            optimizer = {k: v for k, v in compiled["optimizer"].items() if k != "module"}
            optimizer.pop("registered_name", None)
            training["optimizer_config"] = optimizer
            h5file.attrs["training_config"] = json.dumps(training)
        write_weights(model, h5file.create_group("model_weights"))
        if compiled:
            group = h5file.create_group("optimizer_weights")
            values = optimizer_values(model.optimizer)
            names = [f"{model.optimizer.name}/{i}" for i in range(len(values))]
            for name, value in zip(names, values):
                group.create_dataset(name, data=value)
            group.attrs["weight_names"] = np.array(names, dtype=h5py.string_dtype())
    handle.write(buffer.getvalue())


def write_weights(model, group) -> None:
    """Per-layer groups named by layer name, each listing its weights in `weight_names`."""
    layers = model.layers
    group.attrs["backend"] = "jax"
    group.attrs["keras_version"] = KERAS_FORMAT_VERSION
    group.attrs["layer_names"] = np.array(
        [layer.name for layer in layers], dtype=h5py.string_dtype()
    )
    for layer in layers:
        layer_group = group.create_group(layer.name)
        names = []
        for variable in layer.trainable_weights + layer.non_trainable_weights:
            name = variable.path
            while name in names:
                name = f"{name}_"
            names.append(name)
            layer_group.create_dataset(name, data=variable.numpy())
        layer_group.attrs["weight_names"] = np.array(names, dtype=h5py.string_dtype())
    top = group.create_group("top_level_model_weights")
    top.attrs["weight_names"] = np.array([], dtype=h5py.string_dtype())
