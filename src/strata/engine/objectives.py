"""What `compile` asked for, resolved per model output: losses, loss weights, metrics, log names.

Resolution waits for the first data (as in Keras) because ``"accuracy"`` depends on the shapes of
targets and predictions. The result is a plain description that the compiled step reads.

Example:
    >>> config = {"loss": "mse", "loss_weights": None, "metrics": ["acc"], "weighted_metrics": None}
    >>> objectives = build_objectives(config, ["out"], [(8,)], [(8, 3)])
    >>> type(objectives.metrics[0][0]).__name__, objectives.metric_log_names()
    ('SparseCategoricalAccuracy', [['acc']])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax
import jax.numpy as jnp

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
        """Log names per output (plain metrics, then weighted ones), made unique as Keras 3 does.

        Names are ``<metric>`` (one output) or ``<output>_<metric>``. A repeated name gets
        ``_1``, ``_2`` ...; a weighted metric whose name is taken becomes ``weighted_<metric>``.
        """
        prefix = len(self.output_names) > 1
        counters: dict[str, int] = {}

        def full(output: str, name: str) -> str:
            return f"{output}_{name}" if prefix else name

        def numbered(name: str) -> str:
            if name not in counters:
                counters[name] = 1
                return name
            index = counters[name]
            counters[name] += 1
            return f"{name}_{index}"

        plain = [
            [numbered(full(out, m.name)) for m in group]
            for out, group in zip(self.output_names, self.metrics)
        ]
        weighted = []
        for out, group in zip(self.output_names, self.weighted_metrics):
            names = []
            for m in group:
                name = full(out, m.name)
                if name in counters:
                    name = numbered(full(out, f"weighted_{m.name}"))
                else:
                    counters[name] = 1
                names.append(name)
            weighted.append(names)
        return [p + w for p, w in zip(plain, weighted)]


def _loss_per_output(value, names: list[str]) -> list:
    """Spread `loss` or `loss_weights`: one value for all, a list in output order, or a dict."""
    if isinstance(value, dict):
        _check_keys(value, names, "loss")
        return [value.get(n) for n in names]
    if isinstance(value, list | tuple):
        if len(value) != len(names):
            raise ValueError(
                f"compile: `loss` is a list of {len(value)} entries, but the model has "
                f"{len(names)} output(s) {names}. Pass one entry per output, or a dict keyed by "
                "output name."
            )
        return list(value)
    return [value] * len(names)


def _check_keys(value: dict, names: list[str], what: str) -> None:
    unknown = sorted(set(value) - set(names), key=str)
    if unknown:
        raise ValueError(
            f"compile: `{what}` has key(s) {unknown} that name no model output. Output names: "
            f"{names}."
        )


def _flatten(value) -> list:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _flatten(item)]
    return [value]


def _metrics_per_output(value, names: list[str], what: str) -> list[list]:
    """Keras 3's rules for `metrics`/`weighted_metrics`: a list or dict, never a bare metric.

    One output: every metric in the (possibly nested) list or dict applies to it. Several outputs:
    a list with one entry (a metric, a list, or None) per output, or a dict keyed by output name.
    """
    if value is None:
        return [[] for _ in names]
    if not isinstance(value, list | tuple | dict):
        raise ValueError(
            f"compile: expected `{what}` to be a list, tuple or dict. Received {what}={value!r} "
            f"of type {type(value).__name__}; write {what}=[{value!r}]."
        )
    if len(names) == 1:
        return [_flatten(value)]
    if isinstance(value, dict):
        _check_keys(value, names, what)
        groups = [value.get(n) for n in names]
    elif len(value) == len(names):
        groups = list(value)
    else:
        raise ValueError(
            f"compile: invalid `{what}`={value!r} for a model with {len(names)} outputs {names}. "
            f"Pass a list with one entry (a list of metrics, or None) per output, e.g. "
            f"{what}=[['accuracy'], ['mae']], or a dict keyed by output name."
        )
    return [[] if g is None else _flatten(g) for g in groups]


def resolve_loss(identifier, y_true_shape, y_pred_shape):
    """The `Loss` for one output; ``"crossentropy"``/``"ce"`` are chosen by shapes."""
    name = identifier
    if isinstance(identifier, str) and identifier.lower() in _CROSSENTROPY_NAMES:
        identifier = {
            "binary": "binary_crossentropy",
            "sparse": "sparse_categorical_crossentropy",
            "categorical": "categorical_crossentropy",
        }[_classification_kind(y_true_shape, y_pred_shape)]
    loss = strata_losses.get(identifier)
    # Keras names a loss given as a function name by the string itself ("mse", "ce").
    if isinstance(name, str) and name not in strata_losses.CLASSES:
        loss.name = name
    return loss


def _classification_kind(y_true_shape, y_pred_shape) -> str:
    """Keras 3's rule: look only at shapes, not at the loss."""
    if y_pred_shape[-1] == 1:
        return "binary"
    if len(y_true_shape) < len(y_pred_shape) or (y_true_shape[-1] == 1 and y_pred_shape[-1] > 1):
        return "sparse"
    return "categorical"


def resolve_metric(identifier, y_true_shape, y_pred_shape):
    """The `Metric` for one output, named as Keras 3's `compile` names it.

    ``"accuracy"``/``"acc"`` (any case) become binary, sparse or categorical accuracy by shapes; a
    string keeps its spelling as the name; anything else keeps its own name.
    """
    if identifier is None:
        raise ValueError("compile: a metric is None; remove it from the list of metrics.")
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY_NAMES:
        cls = {
            "binary": BinaryAccuracy,
            "sparse": SparseCategoricalAccuracy,
            "categorical": CategoricalAccuracy,
        }[_classification_kind(y_true_shape, y_pred_shape)]
        return cls(name=identifier)
    metric = strata_metrics.get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def build_objectives(config: dict, output_names, y_true_shapes, y_pred_shapes) -> Objectives:
    """Resolve the compile arguments in `config` for these outputs and data shapes.

    Args:
        config: ``loss``, ``loss_weights``, ``metrics`` and ``weighted_metrics`` as given to
            `compile`.
        output_names: the model's output names.
        y_true_shapes, y_pred_shapes: one shape tuple per output.
    """
    names = list(output_names)
    loss_ids = _loss_per_output(config["loss"], names)
    weights = config["loss_weights"]
    if weights is None:
        weights = [1.0] * len(names)
    elif isinstance(weights, int | float):
        weights = [float(weights)] * len(names)
    else:
        if isinstance(weights, dict):
            _check_keys(weights, names, "loss_weights")
            weights = [weights.get(n) for n in names]
        elif len(weights) != len(names):
            raise ValueError(
                f"compile: `loss_weights` has {len(weights)} entries, but the model has "
                f"{len(names)} output(s) {names}."
            )
        weights = [1.0 if w is None else float(w) for w in weights]
    losses = [
        None if loss is None else resolve_loss(loss, t, p)
        for loss, t, p in zip(loss_ids, y_true_shapes, y_pred_shapes)
    ]
    for name, loss, t, p in zip(names, losses, y_true_shapes, y_pred_shapes):
        if loss is not None:
            _check_targets_fit_loss(name, loss, t, p)
    metrics, weighted = [], []
    for key, target in (("metrics", metrics), ("weighted_metrics", weighted)):
        groups = _metrics_per_output(config.get(key), names, key)
        for group, t, p in zip(groups, y_true_shapes, y_pred_shapes):
            target.append([resolve_metric(m, t, p) for m in group])
    objectives = Objectives(names, losses, weights, metrics, weighted)
    seen = {"loss", *objectives.per_output_loss_names}
    for group in objectives.metric_log_names():
        for name in group:
            if name in seen:
                raise ValueError(
                    f"compile: a metric would be logged as '{name}', a name already taken (by "
                    "the loss or another metric). Give it a distinct name, e.g. "
                    "metrics=[strata.metrics.MeanAbsoluteError(name='mae_2')]."
                )
            seen.add(name)
    return objectives


def _check_targets_fit_loss(output: str, loss, y_true_shape, y_pred_shape) -> None:
    """Trace `loss` on abstract arrays of these shapes, so that targets it cannot compare with the
    predictions fail here, naming the output, rather than deep inside the compiled step."""

    def abstract(shape):
        # The batch axis (and any unknown axis) is 1: it broadcasts, and data and model batches
        # may differ here (the whole `y` against one sample batch of predictions).
        dims = [1 if i == 0 or d is None else d for i, d in enumerate(shape)]
        return jax.ShapeDtypeStruct(tuple(dims), jnp.float32)

    try:
        jax.eval_shape(loss, abstract(y_true_shape), abstract(y_pred_shape))
    except (TypeError, ValueError) as error:
        output_shape = (None, *tuple(y_pred_shape)[1:])
        raise ValueError(
            f"fit: the targets of output '{output}' have shape {tuple(y_true_shape)}, which loss "
            f"'{loss.name}' cannot compare with the output's shape {output_shape}. Pass targets "
            "shaped like the output, or a loss made for these targets."
        ) from error
