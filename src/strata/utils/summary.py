"""`print_summary`: the table that `model.summary()` prints, laid out as Keras 3 lays it out.

The table is drawn by `rich`: a heavy header box, light rows with a rule between every row, and
column widths taken from `line_length` and `positions`. Plain text goes to pipes and to a
`print_fn`; a terminal gets bold labels and coloured numbers, `None`s and class names.
"""

from __future__ import annotations

import shutil

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

# Styles of the Keras 3 summary, so the same terminal shows the same colours.
_NUMBER = "color(34)"
_NONE = "color(45)"
_CLASS = "color(33)"

# (default line length, column positions) for the two layouts.
_SEQUENTIAL_LAYOUT = (88, [0.45, 0.80, 1.0])
_GRAPH_LAYOUT = (108, [0.30, 0.56, 0.74, 1.0])
# show_trainable: Keras widens the default by 12 characters and squeezes the other columns into
# the first 90% of the width.
_TRAINABLE_EXTRA = 12
_TRAINABLE_SQUEEZE = 0.9


def readable_memory_size(num_bytes: float) -> str:
    """A byte count in 1024-based units with two decimals, as the summary footer shows it.

    Args:
        num_bytes: a number of bytes.

    Returns:
        A string such as ``"19.25 KB"``.

    Example:
        >>> readable_memory_size(356), readable_memory_size(19712), readable_memory_size(0)
        ('356.00 B', '19.25 KB', '0.00 B')
    """
    size = float(num_bytes)
    units = ["B", "KB", "MB", "GB", "TB", "PB"]
    for unit in units[:-1]:
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} {units[-1]}"


def print_summary(
    model,
    line_length=None,
    positions=None,
    print_fn=None,
    expand_nested=False,
    show_trainable=False,
) -> None:
    """Print a table of `model`'s layers, their output shapes and parameter counts.

    Sequential models and functional models that are a single chain get three columns; other
    functional models add "Connected to" (``layer[node_index][tensor_index]`` for each input).

    Args:
        model: a `Model` (Sequential, functional or subclassed).
        line_length: total width in characters. Default: 88 for the three-column layout, 108 with
            "Connected to" (12 more with `show_trainable`), capped at the terminal width minus 4.
        positions: right edge of each column, as fractions of `line_length`.
        print_fn: called once with the whole summary as plain text (ending in a newline) instead
            of printing it to stdout.
        expand_nested: also list the layers inside nested models, indented.
        show_trainable: add a "Trainable" column (``Y``/``N``; ``-`` for layers without weights).

    Example:
        >>> import strata
        >>> x = strata.Input(shape=(3,), name="x")
        >>> model = strata.Model(x, strata.layers.Dense(2, name="d")(x), name="tiny")
        >>> lines = []
        >>> print_summary(model, line_length=50, print_fn=lines.append)
        >>> print(lines[0], end="")
        Model: "tiny"
        ┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━━━┓
        ┃ Layer (type)        ┃ Output Shape   ┃ Param # ┃
        ┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━━━┩
        │ x (InputLayer)      │ (None, 3)      │       0 │
        ├─────────────────────┼────────────────┼─────────┤
        │ d (Dense)           │ (None, 2)      │       8 │
        └─────────────────────┴────────────────┴─────────┘
         Total params: 8 (32.00 B)
         Trainable params: 8 (32.00 B)
         Non-trainable params: 0 (0.00 B)
    """
    sequential_like = _is_sequential_like(model)
    default_length, default_positions = _SEQUENTIAL_LAYOUT if sequential_like else _GRAPH_LAYOUT
    headers = ["Layer (type)", "Output Shape", "Param #"]
    justify = ["left", "left", "right"]
    if not sequential_like:
        headers.append("Connected to")
        justify.append("left")
    positions = list(positions or default_positions)
    if len(positions) != len(headers):
        raise ValueError(
            f"summary() of model '{model.name}': `positions` needs {len(headers)} entries (one per "
            f"column: {headers}); received positions={positions}."
        )
    if show_trainable:
        default_length += _TRAINABLE_EXTRA
        positions = [p * _TRAINABLE_SQUEEZE for p in positions] + [1.0]
        headers.append("Trainable")
        justify.append("center")
    if line_length is None:
        line_length = min(default_length, shutil.get_terminal_size().columns - 4)
    widths = _column_widths(model.name, line_length, positions)

    table = Table(box=box.HEAVY_HEAD, show_lines=True, width=line_length)
    for header, width, side in zip(headers, widths, justify):
        table.add_column(header, width=width, justify=side)
    for row in _rows(model, sequential_like, expand_nested, show_trainable, depth=0):
        table.add_row(*row)

    lines = [Text(f'Model: "{model.name}"', style="bold"), table, *_footer(model)]
    if print_fn is None:
        console = Console(highlight=False)
        for line in lines:
            console.print(line)
        return
    console = Console(highlight=False, color_system=None)
    with console.capture() as captured:
        for line in lines:
            console.print(line)
    print_fn(captured.get())


def _column_widths(name: str, line_length: int, positions: list[float]) -> list[int]:
    widths, previous = [], 0
    for position in positions:
        edge = int(line_length * position)
        widths.append(edge - previous)
        previous = edge
    if any(width < 1 for width in widths):
        raise ValueError(
            f"summary() of model '{name}': line_length={line_length} with positions "
            f"{positions} leaves a column with no room (widths {widths}). Pass positions as "
            "increasing fractions of the line ending at 1.0, e.g. [0.45, 0.8, 1.0], or a larger "
            "`line_length`."
        )
    return widths


# ---- which layout ----------------------------------------------------------------------------


def _model_nodes(model) -> list | None:
    """The nodes of a functional model (its inputs' nodes first), or None if it has no graph."""
    graph_nodes = getattr(model, "_graph_nodes", None)
    inputs = getattr(model, "_flat_inputs", None)
    if graph_nodes is None or inputs is None:
        return None
    nodes = []
    for tensor in inputs:
        layer, node_index, _ = tensor.history
        node = layer._inbound_nodes[node_index]
        if all(node is not n for n in nodes):
            nodes.append(node)
    return nodes + list(graph_nodes)


def _is_sequential_like(model) -> bool:
    """True for Sequential and subclassed models, and for functional models that form a chain.

    A chain (Keras's "sequential-like") has one input, every layer call takes exactly one
    tensor, no call's outputs feed two calls, and no layer is called twice in the model.
    """
    from strata.models.sequential import Sequential

    if isinstance(model, Sequential):
        return True
    nodes = _model_nodes(model)
    if nodes is None:
        return True
    input_nodes = [node for node in nodes if node.is_input]
    if len(input_nodes) != 1:
        return False
    consumed, called = set(), set()
    for node in nodes:
        if node.is_input:
            continue
        if len(node.input_tensors) != 1:
            return False
        layer, node_index, _ = node.input_tensors[0].history
        parent = id(layer._inbound_nodes[node_index])
        if parent in consumed or id(node.layer) in called:
            return False
        consumed.add(parent)
        called.add(id(node.layer))
    return True


# ---- rows ------------------------------------------------------------------------------------


def _rows(owner, sequential_like, expand_nested, show_trainable, depth):
    """Table rows for `owner`'s layers; nested models follow their own row when expanding."""
    nodes = _model_nodes(owner)
    from strata.models.functional import Functional

    # Keras lists a functional model's op nodes too (its `operations`).
    listed = owner.layers if type(owner).layers is not Functional.layers else owner.operations
    for layer in listed:
        in_model = _nodes_in(layer, nodes)
        name = Text("   " * depth + "└ " if depth else "")
        name.append(f"{layer.name} (")
        name.append(type(layer).__name__, style=_CLASS)
        name.append(")")
        row = [name, _output_shape(layer, in_model), _param_count(layer)]
        if not sequential_like:
            row.append(_connections(in_model) if depth == 0 else Text("-"))
        if show_trainable:
            row.append(_trainable_flag(layer))
        yield row
        if expand_nested and _is_model(layer):
            yield from _rows(layer, sequential_like, True, show_trainable, depth + 1)


def _nodes_in(layer, nodes) -> list:
    if nodes is None:
        return []
    ids = {id(node) for node in nodes}
    return [node for node in layer._inbound_nodes if id(node) in ids]


def _is_model(layer) -> bool:
    from strata.models.model import Model

    return isinstance(layer, Model)


def _is_unbuilt(layer) -> bool:
    # Layers without a `build` of their own have no weights to wait for; Keras counts them as
    # built from the start (`0`, not `0 (unbuilt)`).
    from strata.layers.layer import Layer

    return not layer.built and (_is_model(layer) or type(layer).build is not Layer.build)


def _output_shape(layer, in_model: list) -> Text:
    """The shape(s) of the layer's last call in this model, or from its build shape, else "?"."""
    if in_model:
        shapes = [tensor.shape for tensor in in_model[-1].output_tensors]
    elif layer.built and getattr(layer, "_build_shape", None) is not None:
        try:
            out = layer.compute_output_shape(layer._build_shape)
        except (TypeError, ValueError, NotImplementedError):
            return Text("?")  # a shape that cannot be inferred shows as unknown
        shapes = [out] if _is_shape(out) else list(out)
    else:
        return Text("?")
    text = Text(str(shapes[0]) if len(shapes) == 1 else str(shapes))
    text.highlight_regex(r"\bNone\b", _NONE)
    text.highlight_regex(r"\d+", _NUMBER)
    return text


def _is_shape(value) -> bool:
    return isinstance(value, tuple) and all(d is None or isinstance(d, int) for d in value)


def _param_count(layer) -> Text:
    if _is_unbuilt(layer):
        return Text.assemble(("0", _NUMBER), " (unbuilt)")
    count = layer.count_params() if layer.built else 0
    return Text.assemble((f"{count:,}", _NUMBER))


def _connections(in_model: list) -> Text:
    parts = []
    for node in in_model:
        for tensor in node.input_tensors:
            layer, node_index, tensor_index = tensor.history
            parts.append(
                Text.assemble(
                    f"{layer.name}[",
                    (str(node_index), _NUMBER),
                    "][",
                    (str(tensor_index), _NUMBER),
                    "]",
                )
            )
    return Text(", ").join(parts) if parts else Text("-")


def _trainable_flag(layer) -> Text:
    # Styles cover the letter only, not the cell's padding (what Keras's terminal output shows).
    if not layer.weights:
        return Text.assemble(("-", "bold"))
    if layer.trainable:
        return Text.assemble(("Y", f"bold {_NUMBER}"))
    return Text.assemble(("N", "bold color(9)"))


# ---- footer ----------------------------------------------------------------------------------


def _footer(model) -> list[Text]:
    """Total / trainable / non-trainable counts and bytes; optimizer variables once it is built."""
    trainable = _size(model.trainable_weights)
    non_trainable = _size(model.non_trainable_weights)
    lines = [("Trainable params", trainable), ("Non-trainable params", non_trainable)]
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None and getattr(optimizer, "state", None) is not None:
        lines.append(("Optimizer params", _size(optimizer.variables)))
    total = (sum(c for _, (c, _) in lines), sum(b for _, (_, b) in lines))
    return [
        Text.assemble(
            (f" {label}: ", "bold"), (f"{count:,}", _NUMBER), f" ({readable_memory_size(nbytes)})"
        )
        for label, (count, nbytes) in [("Total params", total), *lines]
    ]


def _size(values) -> tuple[int, int]:
    """(number of scalars, bytes) of variables or arrays."""
    count = nbytes = 0
    for value in values:
        array = getattr(value, "value", value)
        count += int(array.size)
        nbytes += int(array.size) * array.dtype.itemsize
    return count, nbytes
