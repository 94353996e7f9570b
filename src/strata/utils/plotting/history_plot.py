"""`plot_history`: training curves from a `History`, one panel per metric, validation alongside."""

from __future__ import annotations

import math
import os

from strata.utils.plotting.render import require_matplotlib

_VAL = "val_"
_MARKERS_UP_TO = 30  # epochs; beyond this, markers only clutter the line


def _logs_and_epochs(history) -> tuple[dict[str, list[float]], list[int]]:
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise TypeError(
            "plot_history: expected a History (what `fit` returns) or its `.history` dict; "
            f"received {type(history).__name__}."
        )
    if not logs or not any(len(values) for values in logs.values()):
        raise ValueError(
            "plot_history: the history is empty, so there is nothing to plot. Pass the History "
            "returned by `model.fit(...)` after at least one epoch."
        )
    longest = max(len(values) for values in logs.values())
    epochs = list(getattr(history, "epoch", None) or [])
    if len(epochs) != longest:
        epochs = list(range(longest))
    return logs, [int(e) + 1 for e in epochs]  # 1-based, as the progress bar prints "Epoch 1/…"


def _panel_names(logs: dict, metrics) -> list[str]:
    available = []
    for key in logs:
        name = key[len(_VAL) :] if key.startswith(_VAL) else key
        if name not in available:
            available.append(name)
    if "loss" in available:  # Keras 3 logs metrics alphabetically; the loss comes first here
        available.insert(0, available.pop(available.index("loss")))
    if metrics is None:
        return available
    wanted = [metrics] if isinstance(metrics, str) else list(metrics)
    names = []
    for name in wanted:
        base = name[len(_VAL) :] if isinstance(name, str) and name.startswith(_VAL) else name
        if base not in available:
            raise ValueError(
                f"plot_history: no metric {name!r} in this history. It has {available} "
                f"(validation values are drawn in the same panel as their metric)."
            )
        if base not in names:
            names.append(base)
    if not names:
        raise ValueError(f"plot_history: `metrics` is empty; pass some of {available}, or None.")
    return names


def _x_values(count: int, epochs: list[int]) -> list[int]:
    """Epochs of a series with `count` values (validation may run every k-th epoch only)."""
    if count == len(epochs):
        return epochs
    if 0 < count < len(epochs) and len(epochs) % count == 0:
        step = len(epochs) // count
        return epochs[step - 1 :: step]
    return epochs[-count:] if count <= len(epochs) else list(range(1, count + 1))


def plot_history(history, to_file=None, metrics=None):
    """Plot training curves: one panel per metric, training and validation values together.

    Args:
        history: the `History` returned by `fit`, or its ``.history`` dict (name -> values per
            epoch). Keys ``val_NAME`` are drawn in the panel of ``NAME``.
        to_file: if given, save the figure there (the extension picks the format, e.g. ``.png``,
            ``.svg``, ``.pdf``).
        metrics: names of the panels to draw, in order (e.g. ``["loss", "accuracy"]``); default
            every metric in the history, the loss first.

    Returns:
        A matplotlib `Figure` (Jupyter displays it inline). Needs matplotlib:
        ``pip install strata[plot]``.

    Example:
        >>> fig = plot_history({"loss": [0.9, 0.5, 0.4], "val_loss": [1.0, 0.7, 0.6]})
        >>> [ax.get_title() for ax in fig.axes], len(fig.axes[0].lines)
        (['loss'], 2)
        >>> [int(epoch) for epoch in fig.axes[0].lines[0].get_xdata()]
        [1, 2, 3]
    """
    logs, epochs = _logs_and_epochs(history)
    names = _panel_names(logs, metrics)
    require_matplotlib("plot_history")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    columns = min(len(names), 3)
    rows = math.ceil(len(names) / columns)
    fig = Figure(figsize=(4.2 * columns, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        for key, label, style in ((name, "training", "-"), (_VAL + name, "validation", "--")):
            values = logs.get(key)
            if not values:
                continue
            x = _x_values(len(values), epochs)
            marker = "o" if len(values) <= _MARKERS_UP_TO else None
            ax.plot(x, values, style, marker=marker, markersize=3.5, linewidth=1.6, label=label)
        ax.set_title(name)
        ax.set_xlabel("Epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(frameon=False)
    for ax in axes[len(names) :]:
        fig.delaxes(ax)
    if to_file is not None:
        extension = os.path.splitext(os.fspath(to_file))[1].lower().lstrip(".")
        supported = fig.canvas.get_supported_filetypes()
        if extension not in supported:
            raise ValueError(
                f"plot_history: cannot write {os.fspath(to_file)!r}: unknown file extension "
                f"{extension!r}. Use one of {sorted(supported)}, e.g. .png, .svg or .pdf."
            )
        fig.savefig(to_file, dpi=150)
    return fig
