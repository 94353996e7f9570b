"""Draw a `Diagram` with matplotlib, for PNG and PDF.

matplotlib is an optional dependency (``pip install strata[plot]``); it is imported only here and
only when a PNG or PDF is asked for. The figure is made without pyplot, so nothing opens a window
or lingers in pyplot's list of figures, and it is sized so one point of the drawing is one point
on the page: text and lines keep their sizes and `dpi` only sets the pixel count.
"""

from __future__ import annotations

import io

from strata.utils.plotting.diagram import Diagram, Shape, TextLine
from strata.utils.plotting.fonts import FONT_FAMILY

INSTALL_HINT = "pip install strata[plot]"


def require_matplotlib(what: str):
    """Import matplotlib, or raise an ImportError that says how to get it."""
    try:
        import matplotlib
    except ImportError as error:
        raise ImportError(
            f"{what} needs matplotlib, which is not installed. Install it with "
            f"`{INSTALL_HINT}` (or `pip install matplotlib`), or save as .svg, which needs "
            "nothing extra."
        ) from error
    return matplotlib


def _path(commands):
    from matplotlib.path import Path

    vertices, codes = [], []
    kinds = {"M": Path.MOVETO, "L": Path.LINETO, "Q": Path.CURVE3, "C": Path.CURVE4}
    for command in commands:
        if command[0] == "Z":
            vertices.append(vertices[0] if vertices else (0.0, 0.0))
            codes.append(Path.CLOSEPOLY)
            continue
        for point in command[1:]:
            vertices.append(point)
            codes.append(kinds[command[0]])
    return Path(vertices, codes)


def _draw_shape(ax, shape: Shape) -> None:
    from matplotlib.patches import PathPatch

    ax.add_patch(
        PathPatch(
            _path(shape.commands),
            facecolor=shape.fill or "none",
            edgecolor=shape.stroke or "none",
            linewidth=shape.width if shape.stroke else 0.0,
            linestyle=(0, shape.dash) if shape.dash else "solid",
            joinstyle="round",
            capstyle="butt",
        )
    )


def _draw_text(ax, line: TextLine) -> None:
    common = dict(fontsize=line.size, color=line.color, family=FONT_FAMILY, va="baseline")
    if len(line.runs) == 1:
        text, bold = line.runs[0]
        ax.text(line.x, line.y, text, ha="center", weight="bold" if bold else "normal", **common)
        return
    for (text, bold), x in zip(line.runs, line.run_starts()):
        ax.text(x, line.y, text, ha="left", weight="bold" if bold else "normal", **common)


def figure(diagram: Diagram):
    """A matplotlib Figure showing the diagram at its natural size."""
    require_matplotlib("Drawing a model plot as PNG or PDF")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(diagram.width / 72, diagram.height / 72), facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, diagram.width)
    ax.set_ylim(diagram.height, 0)
    ax.set_axis_off()
    for group in diagram.groups:
        for shape in group.shapes:
            if isinstance(shape, TextLine):
                _draw_text(ax, shape)
            else:
                _draw_shape(ax, shape)
    return fig


def render(diagram: Diagram, fmt: str, dpi: float) -> bytes:
    """The diagram as ``"png"`` or ``"pdf"`` bytes; `dpi` sets a PNG's pixels per inch."""
    fig = figure(diagram)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi, facecolor="white")
    return buffer.getvalue()
