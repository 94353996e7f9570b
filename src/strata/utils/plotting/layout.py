"""Layered drawing of a directed graph with nested clusters, in pure Python.

The classic four steps (Sugiyama et al.), each kept small:

1. **Ranks.** Edges that close a cycle are turned around (depth-first from the nodes in the order
   given); each node's rank is its longest path from a source; a node with at least as many edges
   out as in then moves down next to its nearest successor, so a second input sits just above
   where it is used instead of at the top with a long edge.
2. **Virtual nodes.** An edge spanning several ranks gets one virtual node per rank in between, so
   it has its own slot in every rank it crosses and never runs through a box.
3. **Order.** Barycentre sweeps down and up reorder each rank to reduce crossings; the order with
   the fewest crossings wins. A cluster's nodes stay contiguous in each rank, and two clusters
   keep the same left-to-right order in every rank they share, so frames never overlap.
4. **Coordinates** (`placement.py`). Along each rank, every node is pulled towards the weighted
   mean of its neighbours while keeping its order and gaps: a weighted isotonic regression per
   rank. Chains (long edges included) stay straight; clusters are placed inside out and then
   move as rigid blocks.

Edges are routed through their slots: straight through each rank, and an S-shaped cubic curve in
the gap between two ranks, where there are no boxes. All of this is done top to bottom; ``LR``,
``BT`` and ``RL`` are mirrors and transposes of the same drawing.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from strata.utils.plotting.geometry import PathBuilder, Rect, Route
from strata.utils.plotting.placement import Placement

__all__ = ["RANKDIRS", "Cluster", "Layout", "Node", "Rect", "Route", "Spacing", "layout"]

RANKDIRS = ("TB", "LR", "BT", "RL")

# Pull of an edge segment on its ends by kind of end (Gansner et al.'s omega): long edges
# (virtual to virtual) pull hardest so they stay straight.
_PULL = {0: 1.0, 1: 2.0, 2: 8.0}
_CHAIN = 3.0  # extra pull between a node with one edge out and the node with one edge in
_ORDER_SWEEPS = 12


@dataclass(frozen=True)
class Node:
    """A box to place: `width` and `height` as drawn, inside `cluster` (None: top level)."""

    id: str
    width: float
    height: float
    cluster: str | None = None


@dataclass(frozen=True)
class Cluster:
    """A frame around the nodes (and clusters) that name it; the label goes in its first rank."""

    id: str
    label_width: float = 0.0
    label_height: float = 0.0
    parent: str | None = None


@dataclass(frozen=True)
class Spacing:
    """Distances in points."""

    node_gap: float = 22.0  # between two boxes in a rank
    edge_gap: float = 10.0  # between an edge passing through a rank and its neighbours
    rank_gap: float = 34.0  # the free band between two ranks where edges bend
    cluster_pad: float = 10.0  # between a frame and what it holds
    port_gap: float = 10.0  # between the ends of edges meeting one side of a box
    loop: float = 20.0  # how far a self-loop reaches out of its box
    margin: float = 10.0  # around the drawing


@dataclass(frozen=True)
class Layout:
    """Where everything goes, in points, for a drawing of `width` x `height`.

    `boxes` by node id; `clusters` (frames) and `labels` (their label areas) by cluster id;
    `routes` by ``(source, target)`` edge, running from source to target; `ranks` by node id.
    """

    width: float
    height: float
    rankdir: str
    boxes: dict[str, Rect]
    clusters: dict[str, Rect]
    labels: dict[str, Rect]
    routes: dict[tuple[str, str], Route]
    ranks: dict[str, int]


def layout(
    nodes: Sequence[Node],
    edges: Iterable[tuple[str, str]],
    clusters: Sequence[Cluster] = (),
    *,
    rankdir: str = "TB",
    spacing: Spacing | None = None,
) -> Layout:
    """Place `nodes` in ranks and route `edges` between them.

    Args:
        nodes: the boxes, in a preferred order (it breaks ties and decides which edge of a cycle
            is turned around).
        edges: ``(source_id, target_id)`` pairs; repeats are drawn once, ``(a, a)`` as a loop.
        clusters: frames; a node joins one by naming it, a cluster nests by naming a parent.
        rankdir: ``"TB"`` (ranks top to bottom), ``"LR"`` (left to right), ``"BT"`` or ``"RL"``.
        spacing: distances; `Spacing()` by default.

    Returns:
        A `Layout`.

    Example:
        >>> result = layout([Node("a", 40, 20), Node("b", 40, 20)], [("a", "b")])
        >>> result.ranks
        {'a': 0, 'b': 1}
        >>> result.boxes["a"].y1 < result.boxes["b"].y0
        True
        >>> result.routes["a", "b"].end == (result.boxes["b"].center[0], result.boxes["b"].y0)
        True
    """
    return _Layered(list(nodes), list(edges), list(clusters), rankdir, spacing or Spacing()).run()


@dataclass
class _Item:
    """Something that takes a slot in a rank: a node, a virtual node, a cluster label or a filler."""

    kind: str
    rank: int
    parent: str | None
    half: float  # half the box across the rank
    right: float  # extent right of the centre (more than `half` for a box with a loop)
    along: float  # size along the ranks

    @property
    def solid(self) -> bool:
        return self.kind in ("node", "label")


class _Layered(Placement):
    def __init__(self, nodes, edges, clusters, rankdir, spacing):
        if rankdir not in RANKDIRS:
            raise ValueError(f"layout: rankdir must be one of {RANKDIRS}; received {rankdir!r}.")
        self.rankdir = rankdir
        self.transposed = rankdir in ("LR", "RL")
        self.spacing = spacing
        self.nodes = {}
        for node in nodes:
            if node.id in self.nodes:
                raise ValueError(f"layout: node id {node.id!r} is used twice; ids must be unique.")
            if not (node.width >= 0 and node.height >= 0):
                raise ValueError(f"layout: node {node.id!r} has a negative or NaN size.")
            self.nodes[node.id] = node
        self.cluster_parent: dict[str, str | None] = {}
        self.cluster_label: dict[str, tuple[float, float]] = {}
        for cluster in clusters:
            if cluster.id in self.cluster_parent:
                raise ValueError(f"layout: cluster id {cluster.id!r} is used twice.")
            self.cluster_parent[cluster.id] = cluster.parent
            size = (cluster.label_width, cluster.label_height)
            self.cluster_label[cluster.id] = size[::-1] if self.transposed else size
        for cid, parent in self.cluster_parent.items():
            seen = {cid}
            while parent is not None:
                if parent not in self.cluster_parent:
                    raise ValueError(f"layout: cluster {cid!r} names unknown parent {parent!r}.")
                if parent in seen:
                    raise ValueError(f"layout: clusters {sorted(seen)} contain each other.")
                seen.add(parent)
                parent = self.cluster_parent[parent]
        for node in nodes:
            if node.cluster is not None and node.cluster not in self.cluster_parent:
                raise ValueError(
                    f"layout: node {node.id!r} names unknown cluster {node.cluster!r}."
                )
        self.edges: list[tuple[str, str]] = []
        self.loops: list[str] = []
        for edge in edges:
            source, target = edge
            for end in (source, target):
                if end not in self.nodes:
                    raise ValueError(f"layout: edge {edge!r} names unknown node {end!r}.")
            if source == target:
                if source not in self.loops:
                    self.loops.append(source)
            elif (source, target) not in self.edges:
                self.edges.append((source, target))
        self.children: dict[str | None, list[str]] = defaultdict(list)
        for cid, parent in self.cluster_parent.items():
            self.children[parent].append(cid)

    def run(self) -> Layout:
        self._rank()
        self._make_items()
        self._order()
        self.position = {
            key: i for r in range(self.num_ranks) for i, key in enumerate(self._flat(r))
        }
        self.x: dict[tuple, float] = {}
        self.width_of: dict[str, float] = {}
        self._place(None)
        self._along()
        return self._result()

    # ---- 1. ranks ------------------------------------------------------------------------------
    def _rank(self) -> None:
        ids = list(self.nodes)
        index = {v: i for i, v in enumerate(ids)}
        back = _back_edges(ids, self.edges)
        self.flipped = [(s, t) in back for s, t in self.edges]
        self.directed = [
            (t, s) if flip else (s, t) for (s, t), flip in zip(self.edges, self.flipped)
        ]
        succ, pred = defaultdict(list), defaultdict(list)
        for s, t in self.directed:
            succ[s].append(t)
            pred[t].append(s)
        indegree = {v: len(pred[v]) for v in ids}
        ready = [index[v] for v in ids if not indegree[v]]
        heapq.heapify(ready)
        topological = []
        while ready:
            v = ids[heapq.heappop(ready)]
            topological.append(v)
            for w in succ[v]:
                indegree[w] -= 1
                if not indegree[w]:
                    heapq.heappush(ready, index[w])
        rank = {}
        for v in topological:
            rank[v] = max((rank[u] + 1 for u in pred[v]), default=0)
        for v in reversed(topological):
            if succ[v] and len(succ[v]) >= len(pred[v]):
                rank[v] = max(rank[v], min(rank[w] for w in succ[v]) - 1)
        self.rank = rank
        self.num_ranks = max(rank.values(), default=-1) + 1
        self.succ, self.pred = succ, pred
        self.index = index

    # ---- 2. slots: nodes, virtual nodes, labels, fillers ---------------------------------------
    def _ancestors(self, parent: str | None) -> list[str]:
        chain = []
        while parent is not None:
            chain.append(parent)
            parent = self.cluster_parent[parent]
        return chain

    def _parent(self, key: tuple) -> str | None:
        return self.cluster_parent[key[1]] if key[0] == "c" else self.items[key].parent

    def _within(self, key: tuple, container: str | None) -> bool:
        return container is None or container in self._ancestors(self._parent(key))

    def _make_items(self) -> None:
        self.items: dict[tuple, _Item] = {}
        self.span: dict[str, tuple[int, int]] = {}
        loop_room = self.spacing.loop + 2
        for node in self.nodes.values():
            across, along = (
                (node.height, node.width) if self.transposed else (node.width, node.height)
            )
            half = across / 2
            right = half + (loop_room if node.id in self.loops else 0.0)
            item = _Item("node", self.rank[node.id], node.cluster, half, right, along)
            self.items[("n", node.id)] = item
            for cid in self._ancestors(node.cluster):
                low, high = self.span.get(cid, (item.rank, item.rank))
                self.span[cid] = (min(low, item.rank), max(high, item.rank))
        for cid in self.cluster_parent:
            if cid not in self.span:
                raise ValueError(f"layout: cluster {cid!r} holds no nodes.")
            across, along = self.cluster_label[cid]
            if across > 0:
                self.items[("l", cid)] = _Item(
                    "label", self.span[cid][0], cid, across / 2, across / 2, along
                )
        self.chains = []
        for e, (s, t) in enumerate(self.directed):
            chain = [("n", s)]
            for r in range(self.rank[s] + 1, self.rank[t]):
                parent = self._virtual_parent(s, t, r)
                self.items[("v", e, r)] = _Item("virtual", r, parent, 0.0, 0.0, 0.0)
                chain.append(("v", e, r))
            chain.append(("n", t))
            self.chains.append(chain)
        covered = {
            (cid, item.rank) for item in self.items.values() for cid in self._ancestors(item.parent)
        }
        for cid, (low, high) in self.span.items():
            for r in range(low, high + 1):
                if (cid, r) not in covered:
                    self.items[("f", cid, r)] = _Item("filler", r, cid, 0.0, 0.0, 0.0)
        self.by_rank: dict[int, list[tuple]] = defaultdict(list)
        for key, item in self.items.items():
            self.by_rank[item.rank].append(key)
        self.adjacent: dict[tuple, list[tuple[tuple, float]]] = defaultdict(list)
        self.segments: dict[int, list[tuple[tuple, tuple]]] = defaultdict(list)
        self.out_degree = out_degree = defaultdict(int)
        self.in_degree = in_degree = defaultdict(int)
        for chain in self.chains:
            out_degree[chain[0]] += 1
            in_degree[chain[-1]] += 1
        for chain in self.chains:
            for a, b in zip(chain, chain[1:]):
                pull = _PULL[(a[0] == "v") + (b[0] == "v")]
                if out_degree.get(a, 1) == 1 and in_degree.get(b, 1) == 1:
                    pull *= _CHAIN  # a link of a chain: keep it straight, bend at forks instead
                self.adjacent[a].append((b, pull))
                self.adjacent[b].append((a, pull))
                self.segments[self.items[a].rank].append((a, b))
        # Per cluster: the segments that cross its frame, as (inside end, outside end, pull).
        self.crossing: dict[str, list[tuple[tuple, tuple, float]]] = defaultdict(list)
        for a, links in self.adjacent.items():
            inside = set(self._ancestors(self.items[a].parent))
            for b, pull in links:
                for cid in inside - set(self._ancestors(self.items[b].parent)):
                    self.crossing[cid].append((a, b, pull))

    def _virtual_parent(self, s: str, t: str, r: int) -> str | None:
        """The innermost frame around an end of the edge that covers rank `r` (the nearer end's)."""

        def inner(node):
            for cid in self._ancestors(self.nodes[node].cluster):
                low, high = self.span[cid]
                if low <= r <= high:
                    return cid
            return None

        near, far = (s, t) if r - self.rank[s] <= self.rank[t] - r else (t, s)
        found = inner(near)
        return found if found is not None else inner(far)

    # ---- 3. order within ranks -----------------------------------------------------------------
    def _order(self) -> None:
        seq = self._visit_order()

        # By node ranks first, so a cluster's slots follow the order of its first node.
        def initial(key):
            if key[0] == "n":
                return (seq[key[1]], 0)
            if key[0] == "v":
                return (seq[self.directed[key[1]][0]], 1 + key[1])
            return (math.inf, 0)

        self.order: dict[tuple, list[tuple]] = defaultdict(list)
        for r in range(self.num_ranks):
            for key in sorted(self.by_rank[r], key=initial):
                entry, container = key, self.items[key].parent
                while True:
                    row = self.order[(container, r)]
                    if entry in row:
                        break
                    row.append(entry)
                    if container is None:
                        break
                    entry, container = ("c", container), self.cluster_parent[container]
        for (container, r), row in list(self.order.items()):
            self._pin(row, container, r - 1)
        best, best_order = self._crossings(), self._copy_order()
        for sweep in range(_ORDER_SWEEPS):
            if best == 0:
                break
            down = sweep % 2 == 0
            ranks = range(1, self.num_ranks) if down else range(self.num_ranks - 2, -1, -1)
            for r in ranks:
                self._reorder(r, r - 1 if down else r + 1)
            crossings = self._crossings()
            if crossings < best:
                best, best_order = crossings, self._copy_order()
        self.order = defaultdict(list, best_order)

    def _visit_order(self) -> dict[str, int]:
        seq: dict[str, int] = {}
        sources_first = sorted(self.nodes, key=lambda v: (bool(self.pred[v]), self.index[v]))
        for root in sources_first:
            stack = [root]
            while stack:
                v = stack.pop()
                if v in seq:
                    continue
                seq[v] = len(seq)
                stack.extend(reversed([w for w in self.succ[v] if w not in seq]))
        return seq

    def _copy_order(self) -> dict[tuple, list[tuple]]:
        return {key: list(row) for key, row in self.order.items()}

    def _flat(self, r: int, container: str | None = None) -> list[tuple]:
        out = []
        for entry in self.order.get((container, r), ()):
            if entry[0] == "c":
                out.extend(self._flat(r, entry[1]))
            else:
                out.append(entry)
        return out

    def _reorder(self, r: int, reference: int) -> None:
        position = {key: i for i, key in enumerate(self._flat(reference))}
        barycentre = {}
        for key in self.by_rank[r]:
            linked = [position[o] for o, _ in self.adjacent[key] if o in position]
            if linked:
                barycentre[key] = sum(linked) / len(linked)
        self._sort(None, r, reference, barycentre)

    def _sort(self, container, r, reference, barycentre) -> float | None:
        row = self.order.get((container, r), [])
        keys = [
            self._sort(entry[1], r, reference, barycentre)
            if entry[0] == "c"
            else barycentre.get(entry)
            for entry in row
        ]
        movable = [i for i, k in enumerate(keys) if k is not None]
        new = list(row)
        for slot, i in zip(movable, sorted(movable, key=lambda i: (keys[i], i))):
            new[slot] = row[i]
        self._pin(new, container, reference)
        self.order[(container, r)] = new
        known = [k for k in keys if k is not None]
        return sum(known) / len(known) if known else None

    def _pin(self, row: list[tuple], container, reference: int) -> None:
        """Clusters also in rank `reference` keep their order there; a label goes first."""
        there = {
            e: i for i, e in enumerate(self.order.get((container, reference), ())) if e[0] == "c"
        }
        slots = [i for i, e in enumerate(row) if e in there]
        for slot, entry in zip(slots, sorted((row[i] for i in slots), key=there.__getitem__)):
            row[slot] = entry
        for i, entry in enumerate(row):
            if entry[0] == "l":
                row.insert(0, row.pop(i))

    def _crossings(self) -> int:
        total = 0
        position = {}
        for r in range(self.num_ranks):
            position.update({key: i for i, key in enumerate(self._flat(r))})
        for r in range(self.num_ranks - 1):
            pairs = sorted((position[a], position[b]) for a, b in self.segments[r])
            for i, (a1, b1) in enumerate(pairs):
                for a2, b2 in pairs[i + 1 :]:
                    total += a1 < a2 and b1 > b2
        return total

    # ---- 5. coordinates along the ranks --------------------------------------------------------
    def _along(self) -> None:
        pad, ranks = self.spacing.cluster_pad, range(self.num_ranks)
        self.starts_depth, self.ends_depth = {}, {}
        for cid in sorted(self.span, key=lambda c: -len(self._ancestors(c))):
            low, high = self.span[cid]
            children = self.children[cid]
            self.starts_depth[cid] = 1 + max(
                (self.starts_depth[c] for c in children if self.span[c][0] == low), default=0
            )
            self.ends_depth[cid] = 1 + max(
                (self.ends_depth[c] for c in children if self.span[c][1] == high), default=0
            )
        self.opening = dict.fromkeys(ranks, 0.0)
        self.closing = dict.fromkeys(ranks, 0.0)
        for cid, (low, high) in self.span.items():
            self.opening[low] = max(self.opening[low], pad * self.starts_depth[cid])
            self.closing[high] = max(self.closing[high], pad * self.ends_depth[cid])
        self.top, self.bottom = {}, {}
        y = self.spacing.margin
        for r in ranks:
            y += self.opening[r]
            self.top[r] = y
            y += max((self.items[k].along for k in self.by_rank[r]), default=0.0)
            self.bottom[r] = y
            y += self.closing[r] + self.spacing.rank_gap
        last = self.num_ranks - 1
        end = self.bottom[last] + self.closing[last] if self.num_ranks else self.spacing.margin
        self.length = end + self.spacing.margin

    # ---- 6. the result -------------------------------------------------------------------------
    def _result(self) -> Layout:
        top_level = {e for r in range(self.num_ranks) for e in self.order.get((None, r), ())}
        left = min((self.x[e] - self._extent(e)[0] for e in top_level), default=0.0)
        shift = self.spacing.margin - left
        for entry in top_level:
            self.x[entry] += shift
        breadth = max((self.x[e] + self._extent(e)[1] for e in top_level), default=0.0)
        breadth += self.spacing.margin
        transform = self._transform(breadth)

        def rect(x0, y0, x1, y1):
            (a, b), (c, d) = transform((x0, y0)), transform((x1, y1))
            return Rect(min(a, c), min(b, d), max(a, c), max(b, d))

        boxes = {}
        for node_id in self.nodes:
            key, item = ("n", node_id), self.items[("n", node_id)]
            x, y = self._rel(key, None), (self.top[item.rank] + self.bottom[item.rank]) / 2
            boxes[node_id] = rect(
                x - item.half, y - item.along / 2, x + item.half, y + item.along / 2
            )
        frames, labels = {}, {}
        pad = self.spacing.cluster_pad
        for cid, (low, high) in self.span.items():
            x, half = self._rel(("c", cid), None), self.width_of[cid] / 2
            frames[cid] = rect(
                x - half,
                self.top[low] - pad * self.starts_depth[cid],
                x + half,
                self.bottom[high] + pad * self.ends_depth[cid],
            )
            if ("l", cid) in self.items:
                item, y = self.items[("l", cid)], self.top[low]
                x = self._rel(("l", cid), None)
                labels[cid] = rect(x - item.half, y, x + item.half, y + item.along)
        routes = {}
        start_port, end_port = self._ports()
        for e, chain in enumerate(self.chains):
            route = self._route(chain, start_port[e], end_port[e], transform)
            routes[self.edges[e]] = route.reversed() if self.flipped[e] else route
        for node_id in self.loops:
            routes[(node_id, node_id)] = self._loop(node_id, transform)
        size = (self.length, breadth) if self.transposed else (breadth, self.length)
        return Layout(
            size[0], size[1], self.rankdir, boxes, frames, labels, routes, dict(self.rank)
        )

    def _transform(self, breadth: float):
        length = self.length
        if self.rankdir == "TB":
            return lambda p: (p[0], p[1])
        if self.rankdir == "BT":
            return lambda p: (p[0], length - p[1])
        if self.rankdir == "LR":
            return lambda p: (p[1], p[0])
        return lambda p: (length - p[1], p[0])

    def _ports(self) -> tuple[list[float], list[float]]:
        """Where each edge leaves and enters its boxes, as offsets from the box centre.

        Edges meeting one side of a box are spread over its middle in the order of where they
        come from, so they neither overlap nor cross at the box.
        """
        start, end = [0.0] * len(self.chains), [0.0] * len(self.chains)
        leaving, entering = defaultdict(list), defaultdict(list)
        for e, chain in enumerate(self.chains):
            leaving[chain[0]].append(e)
            entering[chain[-1]].append(e)
        for sides, offsets, neighbour in ((leaving, start, 1), (entering, end, -2)):
            for key, edges in sides.items():
                edges.sort(key=lambda e: (self._rel(self.chains[e][neighbour], None), e))
                half = self.items[key].half
                step = min(self.spacing.port_gap, 1.2 * half / max(len(edges) - 1, 1))
                for i, e in enumerate(edges):
                    offsets[e] = (i - (len(edges) - 1) / 2) * step
        return start, end

    def _route(self, chain, start_offset, end_offset, transform) -> Route:
        first, last = self.items[chain[0]], self.items[chain[-1]]
        y_first = (self.top[first.rank] + self.bottom[first.rank] + first.along) / 2
        path = PathBuilder((self._rel(chain[0], None) + start_offset, y_first))
        for i, (a, b) in enumerate(zip(chain, chain[1:])):
            r = self.items[a].rank
            x = self._rel(b, None) + (end_offset if i == len(chain) - 2 else 0.0)
            path.line_to((path.current[0], self.bottom[r] + self.closing[r]))
            path.curve_to((x, self.top[r + 1] - self.opening[r + 1]))
        y_last = (self.top[last.rank] + self.bottom[last.rank] - last.along) / 2
        path.line_to((path.current[0], y_last))
        return path.route(transform)

    def _loop(self, node_id: str, transform) -> Route:
        key = ("n", node_id)
        item = self.items[key]
        x = self._rel(key, None) + item.half
        y = (self.top[item.rank] + self.bottom[item.rank]) / 2
        rise, reach = min(item.along / 4, 7.0), self.spacing.loop * 4 / 3
        start, end = (x, y - rise), (x, y + rise)
        path = PathBuilder(start)
        path.segments.append(
            ((x + reach, y - rise - reach / 2), (x + reach, y + rise + reach / 2), end)
        )
        return path.route(transform)


def _back_edges(ids: list[str], edges: list[tuple[str, str]]) -> set[tuple[str, str]]:
    """Edges that close a cycle in a depth-first walk from each node in turn."""
    succ = defaultdict(list)
    for s, t in edges:
        succ[s].append(t)
    state: dict[str, int] = {}  # 0: on the walk's path, 1: finished
    back = set()
    for root in ids:
        if root in state:
            continue
        state[root] = 0
        stack = [(root, iter(succ[root]))]
        while stack:
            v, rest = stack[-1]
            for w in rest:
                if w not in state:
                    state[w] = 0
                    stack.append((w, iter(succ[w])))
                    break
                if state[w] == 0:
                    back.add((v, w))
            else:
                state[v] = 1
                stack.pop()
    return back
