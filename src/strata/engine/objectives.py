"""What `compile` asked for, resolved per model output: losses, loss weights, metrics, log names.

Resolution waits for the first data (as in Keras) because ``"accuracy"`` depends on the shapes of
targets and predictions. The result is a plain description that the compiled step reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from strata import losses as strata_losses
from strata import metrics as strata_metrics
from strata.metrics.accuracy import BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy

_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


@dataclass
class Objectives:
    """Losses and metrics, one entry per model output."""

    output_names: list[str]
    losses: list  # Loss or None per output
    loss_weights: list[float]
    metrics: list[list] = field(default_factory=list)
    weighted_metrics: list[list] = field(default_factory=list)

    @property
    def per_output_loss_names(self) -> list[str]:
        """``<output>_loss`` log names, present only for models with several outputs."""
        if len(self.output_names) < 2:
            return []
        return [f"{n}_loss" for n, loss in zip(self.output_names, self.losses) if loss is not None]

    def metric_log_names(self) -> list[list[str]]:
        prefix = len(self.output_names) > 1
        names = []
        for out_name, group, weighted in zip(self.output_names, self.metrics, self.weighted_metrics):
            names.append(
                [f"{out_name}_{m.name}" if prefix else m.name for m in list(group) + list(weighted)]
            )
        return names


def _per_output(value, names: list[str], what: str, *, nested: bool):
    """Spread a compile argument over outputs: one value for all, a list, or a dict by name."""
    count = len(names)
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(names))
        if unknown:
            raise ValueError(
                f"compile: `{what}` has key(s) {unknown} that name no model output. Output names: "
                f"{names}."
            )
        return [value.get(n) for n in names]
    if isinstance(value, list | tuple) and (not nested or count > 1 or _is_nested(value)):
        if nested and count == 1 and not _is_nested(value):
            return [list(value)]
        if len(value) != count:
            raise ValueError(
                f"compile: `{what}` is a list of {len(value)} entries, but the model has {count} "
                f"output(s) {names}. Pass one entry per output, or a dict keyed by output name."
            )
        return list(value)
    if nested and count > 1 and value is not None:
        raise ValueError(
            f"compile: invalid `{what}`={value!r} for a model with {count} outputs {names}. "
            f"Pass a list of lists (one list per output) or a dict keyed by output name."
        )
    return [value] * count


def _is_nested(value) -> bool:
    return any(isinstance(v, list | tuple | dict) or v is None for v in value)


def resolve_loss(identifier, y_true_shape, y_pred_shape):
    if isinstance(identifier, str) and identifier in _CROSSENTROPY_NAMES:
        kind = _classification_kind(y_true_shape, y_pred_shape)
        identifier = {
            "binary": "binary_crossentropy",
            "sparse": "sparse_categorical_crossentropy",
            "categorical": "categorical_crossentropy",
        }[kind]
    return strata_losses.get(identifier)


def _classification_kind(y_true_shape, y_pred_shape) -> str:
    """Keras 3's rule: look only at shapes, not at the loss."""
    if y_pred_shape[-1] == 1:
        return "binary"
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return "sparse"
    return "categorical"


def resolve_metric(identifier, y_true_shape, y_pred_shape):
    if isinstance(identifier, str) and identifier in _ACCURACY_NAMES:
        cls = {
            "binary": BinaryAccuracy,
            "sparse": SparseCategoricalAccuracy,
            "categorical": CategoricalAccuracy,
        }[_classification_kind(y_true_shape, y_pred_shape)]
        return cls(name=identifier)
    return strata_metrics.get(identifier)


def build_objectives(config: dict, output_names, y_true_shapes, y_pred_shapes) -> Objectives:
    """Resolve the compile arguments in `config` for these outputs and data shapes."""
    names = list(output_names)
    loss_ids = _per_output(config["loss"], names, "loss", nested=False)
    weights = config["loss_weights"]
    if weights is None:
        weights = [1.0] * len(names)
    elif isinstance(weights, int | float):
        weights = [float(weights)] * len(names)
    else:
        weights = [1.0 if w is None else float(w) for w in _per_output(weights, names, "loss_weights", nested=False)]
    losses = [
        None if loss is None else resolve_loss(loss, t, p)
        for loss, t, p in zip(loss_ids, y_true_shapes, y_pred_shapes)
    ]
    metrics, weighted = [], []
    for key, target in (("metrics", metrics), ("weighted_metrics", weighted)):
        groups = _per_output(config[key], names, key, nested=True)
        for group, t, p in zip(groups, y_true_shapes, y_pred_shapes):
            if group is None:
                group = []
            elif not isinstance(group, list | tuple):
                group = [group]
            target.append([resolve_metric(m, t, p) for m in group])
    objectives = Objectives(names, losses, weights, metrics, weighted)
    seen = set()
    for group in objectives.metric_log_names():
        for name in group:
            if name in seen or name == "loss":
                raise ValueError(
                    f"compile: two metrics would both be logged as '{name}'. Give them distinct "
                    "names (e.g. metrics=[strata.metrics.MeanAbsoluteError(name='mae_2')])."
                )
            seen.add(name)
    return objectives
