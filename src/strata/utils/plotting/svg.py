"""Write a `Diagram` as SVG text: no dependencies, one ``<g>`` per box, edge and frame.

Each box is ``<g class="node" id="LAYER">``, each edge ``<g class="edge" id="SOURCE->TARGET">``
and each expanded nested model ``<g class="cluster" id="MODEL">``, each with a ``<title>`` (the
tooltip a browser shows). Sizes are in points, as Graphviz writes them, so a plot has the same
physical size in SVG, PNG and PDF.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from strata.utils.plotting.diagram import Diagram, Shape, TextLine
from strata.utils.plotting.fonts import SVG_FONT_FAMILY


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _point(point) -> str:
    return f"{_num(point[0])},{_num(point[1])}"


def path_data(commands) -> str:
    """SVG path data for shape commands.

    Example:
        >>> path_data([("M", (0, 0)), ("L", (10, 0.5)), ("C", (1, 2), (3, 4), (5, 6)), ("Z",)])
        'M0,0 L10,0.5 C1,2 3,4 5,6 Z'
    """
    return " ".join(c[0] + " ".join(_point(p) for p in c[1:]) for c in commands)


def _shape(shape: Shape) -> str:
    attributes = [f'd="{path_data(shape.commands)}"', f'fill="{shape.fill or "none"}"']
    if shape.stroke:
        attributes.append(f'stroke="{shape.stroke}" stroke-width="{_num(shape.width)}"')
        attributes.append('stroke-linejoin="round"')
    if shape.dash:
        attributes.append(f'stroke-dasharray="{" ".join(_num(d) for d in shape.dash)}"')
    return f"<path {' '.join(attributes)}/>"


def _text(line: TextLine) -> str:
    spans = "".join(
        f'<tspan font-weight="bold">{escape(text)}</tspan>'
        if bold
        else f"<tspan>{escape(text)}</tspan>"
        for text, bold in line.runs
    )
    return (
        f'<text x="{_num(line.x)}" y="{_num(line.y)}" font-size="{_num(line.size)}" '
        f'fill="{line.color}" text-anchor="middle" xml:space="preserve">{spans}</text>'
    )


def to_svg(diagram: Diagram) -> str:
    """The diagram as a standalone SVG document.

    Args:
        diagram: what `build_diagram` returned.

    Returns:
        SVG text (UTF-8, with an XML declaration).

    Example:
        >>> import strata
        >>> from strata.utils.plotting.diagram import Options, build_diagram
        >>> x = strata.Input(shape=(4,), name="x")
        >>> model = strata.Model(x, strata.layers.Dense(2, name="d")(x))
        >>> svg = to_svg(build_diagram(model, Options()))
        >>> '<g class="edge" id="x-&gt;d">' in svg, '<g class="node" id="d">' in svg
        (True, True)
    """
    width, height = _num(diagram.width), _num(diagram.height)
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}pt" height="{height}pt" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(SVG_FONT_FAMILY)}>',
        f"<title>{escape(diagram.title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    for group in diagram.groups:
        out.append(f'<g class="{group.kind}" id={quoteattr(group.id)}>')
        out.append(f"<title>{escape(group.tooltip)}</title>")
        for shape in group.shapes:
            out.append(_text(shape) if isinstance(shape, TextLine) else _shape(shape))
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
