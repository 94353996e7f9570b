"""`plot_model`: a picture of a model's layers and connections, drawn without Graphviz or pydot.

Keras's `plot_model` hands a dot file to the Graphviz program through pydot and fails when either
is missing. Here the layout is computed in Python (`layout.py`), SVG is written as text
(`svg.py`), and PNG/PDF are drawn by matplotlib (`render.py`), an optional extra.
"""

from __future__ import annotations

import os

from strata.utils.plotting.diagram import Diagram, Options, build_diagram
from strata.utils.plotting.layout import RANKDIRS
from strata.utils.plotting.render import render, require_matplotlib
from strata.utils.plotting.svg import to_svg

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def file_format(path, who: str = "plot_model") -> str:
    """``"png"``, ``"svg"`` or ``"pdf"`` from the extension of `path` (none means PNG, as Keras).

    Example:
        >>> file_format("model.SVG"), file_format("model")
        ('svg', 'png')
    """
    extension = os.path.splitext(os.fspath(path))[1].lower()
    if not extension:
        return "png"
    if extension not in FORMATS:
        raise ValueError(
            f"{who}: cannot write {os.fspath(path)!r}: unknown file extension {extension!r}. "
            "Use .png, .svg or .pdf (a name without an extension is written as PNG)."
        )
    return FORMATS[extension]


class ModelPlot:
    """A drawn model: shows itself in Jupyter and saves as PNG, SVG or PDF.

    Args:
        diagram: the laid-out drawing.
        dpi: pixels per inch of PNG output.

    Example:
        >>> import strata
        >>> x = strata.Input(shape=(4,), name="x")
        >>> plot = plot_model(strata.Model(x, strata.layers.Dense(2)(x)), to_file=None)
        >>> plot.svg.startswith("<?xml")
        True
    """

    def __init__(self, diagram: Diagram, dpi: float = 200):
        self.diagram = diagram
        self.dpi = dpi
        self._svg: str | None = None

    @property
    def svg(self) -> str:
        """The drawing as SVG text."""
        if self._svg is None:
            self._svg = to_svg(self.diagram)
        return self._svg

    def to_bytes(self, fmt: str = "png") -> bytes:
        """The drawing as ``"png"``, ``"svg"`` or ``"pdf"`` file contents."""
        if fmt == "svg":
            return self.svg.encode("utf-8")
        if fmt not in ("png", "pdf"):
            raise ValueError(f"ModelPlot: fmt must be 'png', 'svg' or 'pdf'; received {fmt!r}.")
        return render(self.diagram, fmt, self.dpi)

    def save(self, path) -> None:
        """Write the drawing to `path`, in the format its extension names (.png, .svg, .pdf)."""
        data = self.to_bytes(file_format(path, "ModelPlot.save"))
        with open(path, "wb") as handle:
            handle.write(data)

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_png_(self):
        try:
            require_matplotlib("PNG display")
        except ImportError:
            return None  # Jupyter then shows the SVG alone
        # Displayed at the drawing's size in CSS pixels, so a high `dpi` only makes it sharper.
        size = {"width": round(self.diagram.width * 96 / 72)}
        return self.to_bytes("png"), size

    def __repr__(self) -> str:
        kinds = [group.kind for group in self.diagram.groups]
        return (
            f"<ModelPlot of '{self.diagram.title}': {kinds.count('node')} boxes, "
            f"{kinds.count('edge')} edges, {self.diagram.width:.0f}x{self.diagram.height:.0f} pt>"
        )


def plot_model(
    model,
    to_file="model.png",
    show_shapes=False,
    show_dtype=False,
    show_layer_names=True,
    rankdir="TB",
    expand_nested=False,
    dpi=200,
    show_layer_activations=False,
    show_trainable=False,
) -> ModelPlot:
    """Draw a model's layers as boxes connected by arrows, and save the picture.

    Needs neither Graphviz nor pydot: SVG is written directly, PNG and PDF are drawn with
    matplotlib (``pip install strata[plot]``). Ranks run from the inputs to the outputs; a shared
    layer is one box with an arrow per use; a nested model is one box, or with `expand_nested` a
    dashed frame around its own layers.

    Args:
        model: a built Sequential or functional model.
        to_file: where to save; the extension picks the format: ``.png``, ``.svg`` or ``.pdf``
            (none: PNG). None saves nothing.
        show_shapes: add each layer's input and output shapes.
        show_dtype: add each layer's output dtype.
        show_layer_names: title boxes ``name (ClassName)``; otherwise just the class name.
        rankdir: ``"TB"`` top to bottom or ``"LR"`` left to right (``"BT"``, ``"RL"`` reverse).
        expand_nested: draw nested models' layers inside a labelled frame.
        dpi: resolution of PNG output, in pixels per inch.
        show_layer_activations: add the activation of layers that have one.
        show_trainable: add "Trainable" or "Non-trainable" to layers that have weights.

    Returns:
        A `ModelPlot`, which Jupyter displays inline; ``.save(path)`` writes it again, ``.svg``
        is the SVG text.

    Example:
        >>> import strata
        >>> inputs = strata.Input(shape=(10,), name="features")
        >>> hidden = strata.layers.Dense(8, activation="relu", name="hidden")(inputs)
        >>> outputs = strata.layers.Dense(1, name="score")(hidden)
        >>> plot = plot_model(strata.Model(inputs, outputs), to_file=None, show_shapes=True)
        >>> [g.id for g in plot.diagram.groups if g.kind == "edge"]
        ['features->hidden', 'hidden->score']
    """
    if not isinstance(rankdir, str) or rankdir.upper() not in RANKDIRS:
        raise ValueError(
            "plot_model: rankdir must be 'TB' (top to bottom) or 'LR' (left to right), or 'BT' "
            f"or 'RL' for the reverse; received {rankdir!r}."
        )
    if isinstance(dpi, bool) or not isinstance(dpi, int | float) or not dpi > 0:
        raise ValueError(f"plot_model: dpi must be a positive number; received {dpi!r}.")
    fmt = None if to_file is None else file_format(to_file)
    if fmt in ("png", "pdf"):
        require_matplotlib(f"plot_model(to_file={os.fspath(to_file)!r})")
    if not hasattr(model, "layers") or not hasattr(model, "built"):
        raise TypeError(f"plot_model: expected a strata Model; received {type(model).__name__}.")
    if not model.built:
        raise ValueError(
            f"plot_model: model '{model.name}' has not been built yet, so its layers are not "
            "connected. Start it with an `Input` (e.g. `Sequential([strata.Input(shape=(4,)), "
            "...])`), or call `model.build(input_shape)` or the model on data first."
        )
    options = Options(
        show_shapes=bool(show_shapes),
        show_dtype=bool(show_dtype),
        show_layer_names=bool(show_layer_names),
        expand_nested=bool(expand_nested),
        show_layer_activations=bool(show_layer_activations),
        show_trainable=bool(show_trainable),
    )
    plot = ModelPlot(build_diagram(model, options, rankdir.upper()), dpi)
    if to_file is not None:
        plot.save(to_file)
    return plot
