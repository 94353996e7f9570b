"""`plot_model`: pure-Python layout, SVG written by hand, PNG/PDF through matplotlib."""

import random
import sys
import xml.etree.ElementTree as ET

import pytest

import strata
from strata import layers
from strata.layers import LSTM, Dense, Input, concatenate
from strata.models import Model
from strata.utils import plot_model
from strata.utils.plotting.layout import Cluster, Node, layout

NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# ---- models ----------------------------------------------------------------------------------


def tutorial_sequential():
    model = strata.Sequential()
    with pytest.warns(UserWarning, match="input_dim"):
        model.add(Dense(3, input_dim=4, activation="softmax"))
    return model, set()


def tutorial_ffnn():
    inputs = Input(shape=(10,))
    hidden1 = Dense(64, activation="relu")
    hidden2 = Dense(64, activation="relu")
    output = Dense(1, activation="sigmoid")
    model = Model(inputs=inputs, outputs=output(hidden2(hidden1(inputs))))
    names = [inputs.history.layer.name, hidden1.name, hidden2.name, output.name]
    return model, set(zip(names, names[1:]))


def tutorial_two_inputs():
    input_a, input_b = Input(shape=(64,)), Input(shape=(128,))
    a1, a2 = Dense(16, activation="relu"), Dense(8, activation="relu")
    b1, b2, b3 = (Dense(n, activation="relu") for n in (64, 32, 8))
    x = Model(inputs=input_a, outputs=a2(a1(input_a)))
    y = Model(inputs=input_b, outputs=b3(b2(b1(input_b))))
    result = concatenate([x.output, y.output])
    z1, z2 = Dense(2, activation="relu"), Dense(1, activation="linear")
    model = Model(inputs=[x.input, y.input], outputs=z2(z1(result)))
    name_a, name_b = input_a.history.layer.name, input_b.history.layer.name
    merge = result.history.layer.name
    edges = {
        (name_a, a1.name),
        (a1.name, a2.name),
        (a2.name, merge),
        (name_b, b1.name),
        (b1.name, b2.name),
        (b2.name, b3.name),
        (b3.name, merge),
        (merge, z1.name),
        (z1.name, z2.name),
    }
    return model, edges


def tutorial_lstm():
    inputs = Input(shape=(50, 1))
    lstm, dense, output = LSTM(10), Dense(10, activation="relu"), Dense(1, activation="sigmoid")
    model = Model(inputs=inputs, outputs=output(dense(lstm(inputs))))
    names = [inputs.history.layer.name, lstm.name, dense.name, output.name]
    return model, set(zip(names, names[1:]))


TUTORIAL = [tutorial_sequential, tutorial_ffnn, tutorial_two_inputs, tutorial_lstm]


def multi_io():
    """Two inputs, two outputs, a layer shared by both inputs and a nested functional model."""
    inner_in = Input(shape=(8,), name="inner_in")
    hidden = Dense(8, activation="relu", name="inner_hidden")(inner_in)
    encoder = Model(inner_in, Dense(4, name="inner_dense")(hidden), name="encoder")
    a, b = Input(shape=(8,), name="a"), Input(shape=(8,), name="b")
    shared = Dense(8, activation="relu", name="shared")
    shared_a, shared_b = shared(a), shared(b)
    merged = layers.Concatenate(name="cat")([encoder(shared_a), shared_b])
    out1 = Dense(1, name="out1")(merged)
    out2 = Dense(2, activation="softmax", name="out2")(shared_b)
    return Model([a, b], [out1, out2], name="multi")


MULTI_EDGES = {
    ("a", "shared"),
    ("b", "shared"),
    ("shared", "encoder"),
    ("encoder", "cat"),
    ("shared", "cat"),
    ("cat", "out1"),
    ("shared", "out2"),
}
MULTI_EXPANDED_EDGES = (MULTI_EDGES - {("shared", "encoder"), ("encoder", "cat")}) | {
    ("shared", "encoder/inner_in"),
    ("encoder/inner_in", "encoder/inner_hidden"),
    ("encoder/inner_hidden", "encoder/inner_dense"),
    ("encoder/inner_dense", "cat"),
}


@pytest.fixture(scope="module")
def multi():
    return multi_io()


# ---- checks ----------------------------------------------------------------------------------


def svg_groups(svg: str, kind: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg"
    return {g.get("id"): g for g in root.iter(NS + "g") if g.get("class") == kind}


def texts(group: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in group.iter(NS + "text")]


def overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def check_geometry(placed) -> None:
    """No edge runs through a box other than its own ends; no two boxes overlap."""
    for (source, target), route in placed.routes.items():
        points = route.points(per_curve=24)
        for node_id, box in placed.boxes.items():
            if node_id in (source, target):
                continue
            inside = [p for p in points if box.contains(p, inset=0.5)]
            assert not inside, (
                f"edge {source}->{target} passes through box {node_id} at {inside[0]}"
            )
    boxes = list(placed.boxes.items())
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1 :]:
            assert not overlaps(box_a, box_b), f"boxes {a} and {b} overlap"
    for box in placed.boxes.values():
        assert 0 <= box.x0 < box.x1 <= placed.width and 0 <= box.y0 < box.y1 <= placed.height


def check_png(path, plot, dpi) -> None:
    import matplotlib.image

    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    pixels = matplotlib.image.imread(path)
    height, width = pixels.shape[:2]
    assert abs(width - plot.diagram.width * dpi / 72) <= 2
    assert abs(height - plot.diagram.height * dpi / 72) <= 2
    assert pixels[..., :3].min() < 0.3  # something dark was drawn: text and lines
    assert pixels[0, 0, :3].min() > 0.99  # on a white background


# ---- the seed tutorial's models --------------------------------------------------------------


@pytest.mark.parametrize("make", TUTORIAL, ids=lambda f: f.__name__)
def test_tutorial_models_render_as_png_and_svg(make, tmp_path):
    model, edges = make()
    plot = plot_model(model, to_file=tmp_path / "model.png", show_shapes=True, dpi=72)
    check_png(tmp_path / "model.png", plot, dpi=72)
    nodes = svg_groups(plot.svg, "node")
    assert set(nodes) == {layer.name for layer in model.layers}
    assert set(svg_groups(plot.svg, "edge")) == {f"{s}->{t}" for s, t in edges}
    check_geometry(plot.diagram.layout)


def test_sequential_box_shows_its_input_shape_without_an_input_box():
    # Keras 3 draws `model.layers`, which for Sequential leaves out the InputLayer.
    model, _ = tutorial_sequential()
    plot = plot_model(model, to_file=None, show_shapes=True, show_layer_activations=True)
    (box,) = svg_groups(plot.svg, "node").values()
    assert texts(box) == [
        f"{model.layers[0].name} (Dense)",
        "Activation: softmax",
        "Input shape: (None, 4)",
        "Output shape: (None, 3)",
    ]


def test_two_input_tutorial_model_draws_inputs_in_model_order():
    model, _ = tutorial_two_inputs()
    placed = plot_model(model, to_file=None).diagram.layout
    first, second = (t.history.layer.name for t in model.inputs)
    assert placed.boxes[first].center[0] < placed.boxes[second].center[0]


def test_lstm_model_left_to_right(tmp_path):
    model, edges = tutorial_lstm()
    plot = plot_model(model, to_file=tmp_path / "lstm.svg", rankdir="LR")
    svg = (tmp_path / "lstm.svg").read_text(encoding="utf-8")
    assert svg == plot.svg
    placed = plot.diagram.layout
    for source, target in edges:
        assert placed.boxes[source].x1 < placed.boxes[target].x0
    assert placed.width > placed.height


# ---- multi-input, multi-output, shared and nested --------------------------------------------


def test_shared_layer_is_one_box_with_an_edge_per_use(multi):
    plot = plot_model(multi, to_file=None)
    nodes = svg_groups(plot.svg, "node")
    assert set(nodes) == {"a", "b", "shared", "encoder", "cat", "out1", "out2"}
    edges = svg_groups(plot.svg, "edge")
    assert set(edges) == {f"{s}->{t}" for s, t in MULTI_EDGES}
    assert {s for s, t in plot.diagram.layout.routes if t == "shared"} == {"a", "b"}
    assert texts(nodes["encoder"]) == ["encoder (Functional)"]
    assert not svg_groups(plot.svg, "cluster")
    check_geometry(plot.diagram.layout)


def test_edges_end_at_their_boxes(multi):
    placed = plot_model(multi, to_file=None).diagram.layout
    for (source, target), route in placed.routes.items():
        start, end = route.start, route.end
        assert start[1] == pytest.approx(placed.boxes[source].y1)
        assert end[1] == pytest.approx(placed.boxes[target].y0)
        assert placed.boxes[source].x0 < start[0] < placed.boxes[source].x1
        assert placed.boxes[target].x0 < end[0] < placed.boxes[target].x1


def test_expand_nested_draws_a_labelled_frame_around_the_inner_layers(multi, tmp_path):
    plot = plot_model(multi, to_file=tmp_path / "multi.png", expand_nested=True, dpi=96)
    check_png(tmp_path / "multi.png", plot, dpi=96)
    nodes = svg_groups(plot.svg, "node")
    inner = {"encoder/inner_in", "encoder/inner_hidden", "encoder/inner_dense"}
    assert set(nodes) == {"a", "b", "shared", "cat", "out1", "out2"} | inner
    assert set(svg_groups(plot.svg, "edge")) == {f"{s}->{t}" for s, t in MULTI_EXPANDED_EDGES}
    clusters = svg_groups(plot.svg, "cluster")
    assert list(clusters) == ["encoder"]
    assert texts(clusters["encoder"]) == ["encoder (Functional)"]
    placed = plot.diagram.layout
    frame = placed.clusters["encoder"]
    for node_id, box in placed.boxes.items():
        within = frame.x0 < box.x0 and box.x1 < frame.x1 and frame.y0 < box.y0 and box.y1 < frame.y1
        assert within == (node_id in inner), node_id
        assert not overlaps(box, placed.labels["encoder"])
    check_geometry(placed)


def test_nested_models_inside_nested_models_and_sequential_entries(tmp_path):
    ia, ib = Input(shape=(4,), name="ia"), Input(shape=(4,), name="ib")
    core = strata.Sequential(
        [Input(shape=(8,)), Dense(8, name="c1"), Dense(8, name="c2")], name="core"
    )
    pair = Model([ia, ib], core(layers.Concatenate(name="join")([ia, ib])), name="pair")
    p, q = Input(shape=(4,), name="p"), Input(shape=(4,), name="q")
    model = Model([p, q], [Dense(1, name="head")(pair([p, q])), Dense(2, name="aux")(q)])
    plot = plot_model(model, to_file=tmp_path / "nested.svg", expand_nested=True, rankdir="LR")
    edges = set(svg_groups(plot.svg, "edge"))
    assert edges == {
        "p->pair/ia",
        "q->pair/ib",
        "q->aux",
        "pair/ia->pair/join",
        "pair/ib->pair/join",
        "pair/join->pair/core/c1",  # a Sequential's InputLayer is not drawn (as in Keras)
        "pair/core/c1->pair/core/c2",
        "pair/core/c2->head",
    }
    placed = plot.diagram.layout
    outer, inner = placed.clusters["pair"], placed.clusters["pair/core"]
    assert outer.x0 < inner.x0 and inner.x1 < outer.x1 and outer.y0 < inner.y0
    check_geometry(placed)
    collapsed = plot_model(model, to_file=None)
    assert set(svg_groups(collapsed.svg, "edge")) == {"p->pair", "q->pair", "q->aux", "pair->head"}


def test_a_layer_called_on_its_own_output_gets_a_loop_and_cycles_are_drawn():
    x = Input(shape=(8,), name="x")
    d, e = Dense(8, name="d"), Dense(8, name="e")
    model = Model(x, d(e(d(d(x)))))
    plot = plot_model(model, to_file=None)
    assert set(svg_groups(plot.svg, "edge")) == {"x->d", "d->d", "d->e", "e->d"}
    placed = plot.diagram.layout
    back = placed.routes["e", "d"]
    assert back.start[1] == pytest.approx(placed.boxes["e"].y0)  # leaves e upwards
    assert back.end[1] == pytest.approx(placed.boxes["d"].y1)  # and enters d from below
    check_geometry(placed)


# ---- options, orientation and formats --------------------------------------------------------


def test_show_options_add_lines_to_the_boxes():
    x = Input(shape=(10,), name="x")
    hidden = Dense(4, activation="relu", name="hidden")
    frozen = Dense(2, name="frozen")
    model = Model(x, frozen(hidden(x)))
    frozen.trainable = False
    plot = plot_model(
        model,
        to_file=None,
        show_shapes=True,
        show_dtype=True,
        show_layer_activations=True,
        show_trainable=True,
    )
    nodes = svg_groups(plot.svg, "node")
    assert texts(nodes["x"]) == [
        "x (InputLayer)",
        "Output shape: (None, 10)",
        "Output dtype: float32",
    ]
    assert texts(nodes["hidden"]) == [
        "hidden (Dense)",
        "Activation: relu",
        "Input shape: (None, 10)",
        "Output shape: (None, 4)",
        "Output dtype: float32",
        "Trainable",
    ]
    assert texts(nodes["frozen"])[-1] == "Non-trainable"
    plain = svg_groups(plot_model(model, to_file=None, show_layer_names=False).svg, "node")
    assert texts(plain["hidden"]) == ["Dense"]


def test_rankdir_turns_the_drawing(multi):
    for rankdir, forward in (("TB", (1, 0)), ("LR", (0, 1)), ("BT", (1, 0)), ("RL", (0, 1))):
        placed = plot_model(multi, to_file=None, rankdir=rankdir).diagram.layout
        sign = -1 if rankdir in ("BT", "RL") else 1
        for source, target in placed.routes:
            a, b = placed.boxes[source].center, placed.boxes[target].center
            along = (b[1] - a[1]) if forward == (1, 0) else (b[0] - a[0])
            assert sign * along > 0, (rankdir, source, target)
        check_geometry(placed)


def test_pdf_and_svg_files_by_extension(multi, tmp_path):
    plot_model(multi, to_file=tmp_path / "m.pdf")
    assert (tmp_path / "m.pdf").read_bytes().startswith(b"%PDF")
    plot = plot_model(multi, to_file=str(tmp_path / "m.SVG"))
    ET.fromstring((tmp_path / "m.SVG").read_bytes())
    plot.save(tmp_path / "again.png")
    assert (tmp_path / "again.png").read_bytes().startswith(PNG_MAGIC)


def test_jupyter_display_hooks(multi):
    plot = plot_model(multi, to_file=None, dpi=50)
    assert plot._repr_svg_() == plot.svg
    data, size = plot._repr_png_()
    assert data.startswith(PNG_MAGIC)
    assert size == {"width": round(plot.diagram.width * 96 / 72)}
    assert repr(plot).startswith("<ModelPlot of 'multi': 7 boxes, 7 edges")


def test_svg_needs_no_matplotlib_and_png_says_how_to_get_it(multi, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib` now fails
    plot = plot_model(multi, to_file=tmp_path / "m.svg")
    assert (tmp_path / "m.svg").exists()
    assert plot._repr_png_() is None
    with pytest.raises(ImportError, match=r"pip install strata\[plot\]"):
        plot_model(multi, to_file=tmp_path / "m.png")
    with pytest.raises(ImportError, match=r"pip install strata\[plot\]"):
        plot.save(tmp_path / "m.pdf")
    assert not (tmp_path / "m.png").exists()


def test_bad_arguments_raise_clear_errors(multi, tmp_path):
    with pytest.raises(ValueError, match=r"unknown file extension '\.jpg'.*\.png, \.svg or \.pdf"):
        plot_model(multi, to_file=tmp_path / "m.jpg")
    with pytest.raises(ValueError, match=r"rankdir must be 'TB'.*or 'LR'.*received 'XY'"):
        plot_model(multi, to_file=None, rankdir="XY")
    with pytest.raises(ValueError, match="dpi must be a positive number; received 0"):
        plot_model(multi, to_file=None, dpi=0)
    with pytest.raises(ValueError, match="unknown file extension"):
        plot_model(multi, to_file=None).save(tmp_path / "m.dot")
    with pytest.raises(ValueError, match="has not been built yet"):
        plot_model(strata.Sequential([Dense(2)]), to_file=None)
    assert not list(tmp_path.iterdir())


# ---- the layout on its own -------------------------------------------------------------------


def test_ranks_put_a_late_input_next_to_where_it_is_used():
    nodes = [Node(n, 40, 20) for n in ("a", "b", "c", "d", "late")]
    placed = layout(nodes, [("a", "b"), ("b", "c"), ("c", "d"), ("late", "d")])
    assert placed.ranks == {"a": 0, "b": 1, "c": 2, "d": 3, "late": 2}


def test_long_edges_go_around_boxes_and_orders_avoid_crossings():
    # a -> c skips a rank that is full of boxes; b1/b2 are listed crossed on purpose.
    nodes = [Node(n, 60, 20) for n in ("a", "mid1", "mid2", "c", "x1", "x2", "y1", "y2")]
    edges = [("a", "mid1"), ("a", "mid2"), ("mid1", "c"), ("mid2", "c"), ("a", "c")]
    edges += [("x1", "y2"), ("x2", "y1")]
    placed = layout(nodes, edges)
    check_geometry(placed)
    assert (placed.boxes["y1"].x0 < placed.boxes["y2"].x0) == (
        placed.boxes["x2"].x0 < placed.boxes["x1"].x0
    )


def test_random_graphs_with_clusters_keep_edges_out_of_boxes():
    generator = random.Random(7)
    for _ in range(30):
        clusters = []
        for c in range(generator.randint(0, 3)):
            parent = generator.choice([None] + [cluster.id for cluster in clusters])
            clusters.append(Cluster(f"C{c}", generator.uniform(0, 80), 12, parent))
        choices = [None] + [cluster.id for cluster in clusters]
        nodes = [
            Node(
                f"n{i}",
                generator.uniform(20, 120),
                generator.uniform(15, 50),
                generator.choice(choices),
            )
            for i in range(generator.randint(2, 14))
        ] + [Node(f"m{c.id}", 30, 20, c.id) for c in clusters]
        edges = [tuple(n.id for n in generator.sample(nodes, 2)) for _ in range(len(nodes) + 4)]
        for rankdir in ("TB", "LR"):
            placed = layout(nodes, edges, clusters, rankdir=rankdir)
            check_geometry(placed)
            assert set(placed.routes) == set(edges)
            for node in nodes:
                for cid, frame in placed.clusters.items():
                    box, holds = placed.boxes[node.id], cid == node.cluster
                    parent = node.cluster
                    while parent is not None and not holds:
                        parent = next(c.parent for c in clusters if c.id == parent)
                        holds = parent == cid
                    if holds:
                        assert frame.x0 < box.x0 and box.x1 < frame.x1
                    else:
                        assert not overlaps(frame, box), (node.id, cid)


def test_layout_rejects_bad_input():
    with pytest.raises(ValueError, match="rankdir must be one of"):
        layout([Node("a", 1, 1)], [], rankdir="diagonal")
    with pytest.raises(ValueError, match="unknown node 'zz'"):
        layout([Node("a", 1, 1)], [("a", "zz")])
    with pytest.raises(ValueError, match="used twice"):
        layout([Node("a", 1, 1), Node("a", 2, 2)], [])
    with pytest.raises(ValueError, match="holds no nodes"):
        layout([Node("a", 1, 1)], [], [Cluster("empty")])
