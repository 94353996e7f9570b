"""A model's graph as a drawing: one box per layer, one edge per connection, a frame per expanded
nested model, placed by `layout` and described as plain shapes that any renderer can draw.

A shape is a path (``M``/``L``/``Q``/``C``/``Z`` commands in points, y downwards) with a fill and
stroke, or a line of text; shapes come in groups, one per box, edge or frame, so the SVG writer
can give each group its id and matplotlib can draw the same shapes for PNG and PDF.
"""

from __future__ import annotations

from dataclasses import dataclass

from strata.utils.plotting import layout as layout_lib
from strata.utils.plotting.fonts import baseline_offset, line_height, text_width

Point = tuple[float, float]

TITLE_SIZE = 10.5
BODY_SIZE = 9.0
LABEL_SIZE = 9.5
PAD_X = 10.0
PAD_Y = 4.0
RADIUS = 4.0
MIN_WIDTH = 48.0
ARROW_LENGTH = 7.0
ARROW_HALF_WIDTH = 3.2

BOX_STROKE = "#4b5a69"
BOX_BODY = "#ffffff"
HEADER_FILL = {"input": "#d8efdf", "model": "#fbe3c6", "layer": "#dbe6f5"}
TITLE_COLOR = "#17212b"
BODY_COLOR = "#34414e"
TRAINABLE_COLOR = {True: "#1b7a35", False: "#b02a20"}
EDGE_COLOR = "#5f6b77"
EDGE_WIDTH = 1.1
FRAME_FILL = "#f4f7fb"
FRAME_STROKE = "#8a9bb0"
FRAME_DASH = (4.0, 3.0)
LABEL_COLOR = "#3b4856"


@dataclass(frozen=True)
class Shape:
    """A path: `commands` such as ``("M", (x, y))``, ``("Q", c, p)``, ``("C", c1, c2, p)``, ``("Z",)``."""

    commands: tuple[tuple, ...]
    fill: str | None = None
    stroke: str | None = None
    width: float = 1.0
    dash: tuple[float, ...] | None = None


@dataclass(frozen=True)
class TextLine:
    """One line of text centred on `x`, with its baseline at `y`; `runs` are ``(text, bold)``."""

    x: float
    y: float
    size: float
    color: str
    runs: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)

    def run_starts(self) -> list[float]:
        """Left end of each run, measured with the same widths that sized the boxes."""
        widths = [text_width(text, self.size, bold) for text, bold in self.runs]
        x = self.x - sum(widths) / 2
        starts = []
        for width in widths:
            starts.append(x)
            x += width
        return starts


@dataclass(frozen=True)
class Group:
    """The shapes of one box (`kind` ``"node"``), edge (``"edge"``) or frame (``"cluster"``)."""

    kind: str
    id: str
    tooltip: str
    shapes: tuple[Shape | TextLine, ...]


@dataclass(frozen=True)
class Diagram:
    """Everything to draw, in points: frames first, then edges, then boxes on top."""

    title: str
    width: float
    height: float
    groups: tuple[Group, ...]
    layout: layout_lib.Layout


@dataclass(frozen=True)
class Options:
    show_shapes: bool = False
    show_dtype: bool = False
    show_layer_names: bool = True
    expand_nested: bool = False
    show_layer_activations: bool = False
    show_trainable: bool = False


@dataclass
class _Box:
    id: str
    layer: object
    calls: list
    cluster: str | None


@dataclass
class _Frame:
    id: str
    layer: object
    parent: str | None


def build_diagram(model, options: Options, rankdir: str = "TB") -> Diagram:
    """Lay out `model`'s layers and describe the drawing.

    Args:
        model: a built Sequential or functional model (a subclassed model is one box).
        options: what each box shows and whether nested models are expanded.
        rankdir: ``"TB"``, ``"LR"``, ``"BT"`` or ``"RL"``.

    Returns:
        A `Diagram`.

    Example:
        >>> import strata
        >>> x = strata.Input(shape=(4,), name="x")
        >>> model = strata.Model(x, strata.layers.Dense(2, name="d")(x))
        >>> diagram = build_diagram(model, Options())
        >>> [(group.kind, group.id) for group in diagram.groups]
        [('edge', 'x->d'), ('node', 'x'), ('node', 'd')]
    """
    walker = _Walker(options.expand_nested)
    first = []
    if _has_graph(model):
        entries, _ = walker.walk(model, "", None)
        first = [box_id for boxes in entries for box_id in boxes]
    else:
        walker.add_box(model, [], None, "")
    texts = {box.id: _box_text(box, options) for box in walker.boxes}
    nodes = []
    # The layout keeps the order it is given where it has no reason to change it: inputs in
    # the model's order, so the first input is drawn leftmost (topmost with LR).
    rank = {box_id: i for i, box_id in reversed(list(enumerate(first)))}
    for box in sorted(walker.boxes, key=lambda box: rank.get(box.id, len(first))):
        header, body = texts[box.id]
        width, height = _box_size(header, body)
        nodes.append(layout_lib.Node(box.id, width, height, box.cluster))
    labels = {frame.id: _title_runs(frame.layer, options) for frame in walker.frames}
    clusters = [
        layout_lib.Cluster(
            frame.id,
            _runs_width(labels[frame.id], LABEL_SIZE),
            line_height(LABEL_SIZE),
            frame.parent,
        )
        for frame in walker.frames
    ]
    placed = layout_lib.layout(nodes, walker.edges, clusters, rankdir=rankdir)
    groups = [_frame_group(frame, placed, labels[frame.id]) for frame in walker.frames]
    groups += [_edge_group(source, target, placed) for source, target in walker.edges]
    groups += [_box_group(box, placed.boxes[box.id], *texts[box.id]) for box in walker.boxes]
    return Diagram(model.name, placed.width, placed.height, tuple(groups), placed)


# ---- the model's graph -----------------------------------------------------------------------


def _has_graph(model) -> bool:
    return getattr(model, "_graph_nodes", None) is not None and getattr(model, "built", False)


def _drawn_layers(model) -> list:
    # Keras draws `model.layers`: for Sequential that leaves out the InputLayer; for a
    # functional model it draws the op nodes too (its `operations`).
    from strata.models.functional import Functional

    if type(model).layers is Functional.layers:
        return list(model.operations)
    return list(model.layers)


class _Walker:
    """Collects boxes, edges and frames, descending into nested models when expanding."""

    def __init__(self, expand: bool):
        self.expand = expand
        self.boxes: list[_Box] = []
        self.frames: list[_Frame] = []
        self.edges: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def unique(self, name: str) -> str:
        candidate, k = name, 1
        while candidate in self.ids:
            k += 1
            candidate = f"{name}#{k}"
        self.ids.add(candidate)
        return candidate

    def add_box(self, layer, calls, cluster, prefix) -> str:
        box = _Box(self.unique(prefix + layer.name), layer, calls, cluster)
        self.boxes.append(box)
        return box.id

    def connect(self, source: str, target: str) -> None:
        if (source, target) not in self.edges:
            self.edges.append((source, target))

    def walk(self, model, prefix: str, cluster: str | None):
        """Add `model`'s layers; return where each of its inputs enters and each output leaves."""
        inputs, outputs = model._flat_inputs, model._flat_outputs
        input_nodes = [t.history.layer._inbound_nodes[t.history.node_index] for t in inputs]
        calls_here = {id(node) for node in [*input_nodes, *model._graph_nodes]}
        box_of, expanded = {}, {}
        for layer in _drawn_layers(model):
            calls = [node for node in layer._inbound_nodes if id(node) in calls_here]
            if self.expand and _has_graph(layer):
                frame = _Frame(self.unique(prefix + layer.name), layer, cluster)
                self.frames.append(frame)
                expanded[id(layer)] = self.walk(layer, frame.id + "/", frame.id)
            else:
                box_of[id(layer)] = self.add_box(layer, calls, cluster, prefix)
        input_index = {id(t): i for i, t in enumerate(inputs)}
        entries: list[list[str]] = [[] for _ in inputs]

        def sources(tensor) -> list[str] | int:
            layer, _, tensor_index = tensor.history
            if id(layer) in box_of:
                return [box_of[id(layer)]]
            if id(layer) in expanded:
                exits = expanded[id(layer)][1]
                leaving = exits[tensor_index] if tensor_index < len(exits) else None
                return [leaving] if leaving else []
            return input_index.get(id(tensor), [])  # an input whose InputLayer is not drawn

        for node in model._graph_nodes:
            for k, tensor in enumerate(node.input_tensors):
                if id(node.layer) in expanded:
                    inner_entries = expanded[id(node.layer)][0]
                    targets = inner_entries[k] if k < len(inner_entries) else []
                else:
                    targets = [box_of[id(node.layer)]]
                found = sources(tensor)
                if isinstance(found, int):
                    entries[found].extend(t for t in targets if t not in entries[found])
                    continue
                for source in found:
                    for target in targets:
                        self.connect(source, target)
        for i, tensor in enumerate(inputs):
            if id(tensor.history.layer) in box_of:
                entries[i] = [box_of[id(tensor.history.layer)]]
        exits = []
        for tensor in outputs:
            found = sources(tensor)
            exits.append(found[0] if isinstance(found, list) and found else None)
        return entries, exits


# ---- what a box says -------------------------------------------------------------------------


def _kind(layer) -> str:
    from strata.layers.input_layer import InputLayer
    from strata.models.model import Model

    if isinstance(layer, InputLayer):
        return "input"
    return "model" if isinstance(layer, Model) else "layer"


def _title_runs(layer, options: Options) -> tuple[tuple[str, bool], ...]:
    class_name = type(layer).__name__
    if options.show_layer_names:
        return ((layer.name, True), (f" ({class_name})", False))
    return ((class_name, True),)


def _shapes_text(calls, which: str) -> str:
    texts = []
    for node in calls:
        tensors = node.input_tensors if which == "input" else node.output_tensors
        shapes = [str(tuple(t.shape)) for t in tensors]
        text = shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"
        if text not in texts:
            texts.append(text)
    return " | ".join(texts) if texts else "?"


def _activation_name(activation) -> str:
    for attribute in ("__name__", "name"):
        name = getattr(activation, attribute, None)
        if isinstance(name, str):
            return name
    return type(activation).__name__


def _box_text(box: _Box, options: Options):
    """The title runs and the body lines ``(text, color)`` of a box."""
    layer, body = box.layer, []
    if options.show_layer_activations and getattr(layer, "activation", None) is not None:
        body.append((f"Activation: {_activation_name(layer.activation)}", BODY_COLOR))
    if options.show_shapes:
        if _kind(layer) != "input":
            body.append((f"Input shape: {_shapes_text(box.calls, 'input')}", BODY_COLOR))
        body.append((f"Output shape: {_shapes_text(box.calls, 'output')}", BODY_COLOR))
    if options.show_dtype:
        dtypes = []
        for node in box.calls:
            dtypes += [t.dtype for t in node.output_tensors if t.dtype not in dtypes]
        body.append((f"Output dtype: {', '.join(dtypes) or '?'}", BODY_COLOR))
    if options.show_trainable and layer.weights:
        text = "Trainable" if layer.trainable else "Non-trainable"
        body.append((text, TRAINABLE_COLOR[bool(layer.trainable)]))
    return _title_runs(layer, options), body


def _runs_width(runs, size: float) -> float:
    return sum(text_width(text, size, bold) for text, bold in runs)


def _box_size(header, body) -> tuple[float, float]:
    widths = [_runs_width(header, TITLE_SIZE)] + [text_width(t, BODY_SIZE) for t, _ in body]
    height = line_height(TITLE_SIZE) + 2 * PAD_Y
    if body:
        height += len(body) * line_height(BODY_SIZE) + 2 * PAD_Y
    return round(max(max(widths) + 2 * PAD_X, MIN_WIDTH), 2), round(height, 2)


# ---- shapes ----------------------------------------------------------------------------------


def _rounded(x0, y0, x1, y1, r, top=True, bottom=True) -> tuple[tuple, ...]:
    rt, rb = (r if top else 0.0), (r if bottom else 0.0)
    commands = [("M", (x0 + rt, y0)), ("L", (x1 - rt, y0))]
    if rt:
        commands.append(("Q", (x1, y0), (x1, y0 + rt)))
    commands.append(("L", (x1, y1 - rb)))
    if rb:
        commands.append(("Q", (x1, y1), (x1 - rb, y1)))
    commands.append(("L", (x0 + rb, y1)))
    if rb:
        commands.append(("Q", (x0, y1), (x0, y1 - rb)))
    commands.append(("L", (x0, y0 + rt)))
    if rt:
        commands.append(("Q", (x0, y0), (x0 + rt, y0)))
    commands.append(("Z",))
    return tuple(commands)


def _box_group(box: _Box, rect, header, body) -> Group:
    fill = HEADER_FILL[_kind(box.layer)]
    header_height = line_height(TITLE_SIZE) + 2 * PAD_Y
    x0, y0, x1, y1 = rect.x0, rect.y0, rect.x1, rect.y1
    cx = (x0 + x1) / 2
    shapes: list[Shape | TextLine] = []
    if body:
        split = y0 + header_height
        shapes.append(Shape(_rounded(x0, y0, x1, y1, RADIUS), fill=BOX_BODY))
        shapes.append(Shape(_rounded(x0, y0, x1, split, RADIUS, bottom=False), fill=fill))
        shapes.append(Shape((("M", (x0, split)), ("L", (x1, split))), stroke=BOX_STROKE, width=0.6))
    else:
        shapes.append(Shape(_rounded(x0, y0, x1, y1, RADIUS), fill=fill))
    shapes.append(Shape(_rounded(x0, y0, x1, y1, RADIUS), stroke=BOX_STROKE, width=1.0))
    # Centre the title in the space the box has (it may be taller than its text, in LR plots).
    extra = (rect.height - header_height - (_body_height(body) if body else 0.0)) / 2
    y = y0 + extra + PAD_Y
    shapes.append(TextLine(cx, y + baseline_offset(TITLE_SIZE), TITLE_SIZE, TITLE_COLOR, header))
    y += line_height(TITLE_SIZE) + 2 * PAD_Y
    for text, color in body:
        shapes.append(
            TextLine(cx, y + baseline_offset(BODY_SIZE), BODY_SIZE, color, ((text, False),))
        )
        y += line_height(BODY_SIZE)
    tooltip = "\n".join(["".join(t for t, _ in header)] + [t for t, _ in body])
    return Group("node", box.id, tooltip, tuple(shapes))


def _body_height(body) -> float:
    return len(body) * line_height(BODY_SIZE) + 2 * PAD_Y


def _edge_group(source: str, target: str, placed) -> Group:
    route = placed.routes[source, target]
    commands: list[tuple] = [("M", route.start)]
    for segment in route.segments:
        commands.append(("L", *segment) if len(segment) == 1 else ("C", *segment))
    tip = route.end
    dx, dy = route.end_direction()
    base = (tip[0] - dx * ARROW_LENGTH, tip[1] - dy * ARROW_LENGTH)
    left = (base[0] - dy * ARROW_HALF_WIDTH, base[1] + dx * ARROW_HALF_WIDTH)
    right = (base[0] + dy * ARROW_HALF_WIDTH, base[1] - dx * ARROW_HALF_WIDTH)
    line = Shape(tuple(commands), stroke=EDGE_COLOR, width=EDGE_WIDTH)
    head = Shape((("M", tip), ("L", left), ("L", right), ("Z",)), fill=EDGE_COLOR)
    edge_id = f"{source}->{target}"
    return Group("edge", edge_id, edge_id, (line, head))


def _frame_group(frame: _Frame, placed, runs) -> Group:
    rect = placed.clusters[frame.id]
    outline = Shape(
        _rounded(rect.x0, rect.y0, rect.x1, rect.y1, RADIUS + 2),
        fill=FRAME_FILL,
        stroke=FRAME_STROKE,
        width=1.0,
        dash=FRAME_DASH,
    )
    shapes: list[Shape | TextLine] = [outline]
    label = placed.labels.get(frame.id)
    if label is not None:
        x, y = label.center[0], label.y0 + baseline_offset(LABEL_SIZE)
        shapes.append(TextLine(x, y, LABEL_SIZE, LABEL_COLOR, runs))
    return Group("cluster", frame.id, "".join(t for t, _ in runs), tuple(shapes))
