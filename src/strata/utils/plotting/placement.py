"""Coordinates across the ranks: where each slot goes within its rank.

Every slot is pulled towards the weighted mean of its neighbours in the next ranks, keeping its
order and gaps: per rank a weighted isotonic regression, solved exactly by pooling adjacent
violators (`fit_row`). Sweeps alternate downwards and upwards. Some slots move only together:
a cluster (placed inside out, then a rigid block) and a chain (a node's only edge out into a node
whose only edge in it is, virtual nodes included), kept in one straight line as Brandes and Köpf
align blocks; such a group slides as a whole, as far as its neighbours in every rank allow.
"""

from __future__ import annotations

import math
from collections import defaultdict

_FREE = 1e-3  # weight of a slot that nothing pulls: it keeps its place unless pushed
_PLACE_SWEEPS = 12


class Placement:
    """The coordinate step of `layout._Layered` (a mixin over its ranks, slots and order).

    Uses: ``items``, ``order``, ``position``, ``span``, ``children``, ``cluster_parent``,
    ``adjacent``, ``segments``, ``crossing``, ``out_degree``, ``in_degree``, ``spacing``,
    ``num_ranks``, ``_parent`` and ``_within``; fills ``x`` and ``width_of``.
    """

    def _extent(self, entry: tuple) -> tuple[float, float]:
        if entry[0] == "c":
            half = self.width_of[entry[1]] / 2
            return half, half
        item = self.items[entry]
        return item.half, item.right

    def _gap(self, a: tuple, b: tuple) -> float:
        solid = (a[0] == "c" or self.items[a].solid) and (b[0] == "c" or self.items[b].solid)
        return (
            self._extent(a)[1]
            + (self.spacing.node_gap if solid else self.spacing.edge_gap)
            + self._extent(b)[0]
        )

    def _rel(self, key: tuple, container: str | None) -> float:
        """Position of `key` measured from the centre of `container` (the origin at top level)."""
        position, parent = self.x[key], self._parent(key)
        while parent != container:
            position += self.x[("c", parent)]
            parent = self.cluster_parent[parent]
        return position

    def _place(self, container: str | None) -> None:
        for child in self.children[container]:
            self._place(child)
        low, high = self.span[container] if container is not None else (0, self.num_ranks - 1)
        rows = {r: self.order.get((container, r), []) for r in range(low, high + 1)}
        blocks = self._chains(rows, container)
        if not self._pack(rows, blocks):
            blocks = []  # chains that cannot all be straight: place their nodes one by one
            if not self._pack(rows, blocks):
                raise RuntimeError("layout: clusters are in different orders in different ranks.")
        groups = [
            [(r, ("c", child)) for r in range(self.span[child][0], self.span[child][1] + 1)]
            for child in self.children[container]
        ] + [[(self.items[key].rank, key) for key in block] for block in blocks]
        rigid = {entry for group in groups for _, entry in group}
        for sweep in range(_PLACE_SWEEPS):
            final = sweep >= _PLACE_SWEEPS - 2
            down = sweep % 2 == 0
            for r in rows if down or final else reversed(rows):
                use = {r - 1, r + 1} if final else {r - 1} if down else {r + 1}
                self._fit(rows[r], use, container, rigid)
            for group in groups:
                self._shift(group, rows, container)
        if container is not None:
            entries = {entry for row in rows.values() for entry in row}
            left = min(self.x[e] - self._extent(e)[0] for e in entries)
            right = max(self.x[e] + self._extent(e)[1] for e in entries)
            middle = (left + right) / 2
            for entry in entries:
                self.x[entry] -= middle
            self.width_of[container] = right - left + 2 * self.spacing.cluster_pad

    def _chains(self, rows: dict[int, list[tuple]], container) -> list[list[tuple]]:
        """Runs of slots to keep in one straight line: a node's only edge out into a node whose
        only edge in it is (virtual nodes included), unless another edge crosses it."""
        position = self.position
        following = {}
        for r in rows:
            segments = self.segments[r]
            for a, b in segments:
                if (
                    self.items[a].parent != container
                    or self.items[b].parent != container
                    or self.out_degree.get(a, 1) != 1
                    or self.in_degree.get(b, 1) != 1
                ):
                    continue
                if any(
                    (position[a] - position[c]) * (position[b] - position[d]) < 0
                    for c, d in segments
                ):
                    continue
                following[a] = b
        followers = set(following.values())
        blocks = []
        for head in following:
            if head in followers:
                continue
            block = [head]
            while block[-1] in following:
                block.append(following[block[-1]])
            blocks.append(block)
        return blocks

    def _pack(self, rows: dict[int, list[tuple]], blocks: list[list[tuple]]) -> bool:
        """A first placement, everything as far left as the gaps allow; False if impossible."""
        owner = {key: ("b", i) for i, block in enumerate(blocks) for key in block}
        after, waiting = defaultdict(dict), defaultdict(int)
        entries = {entry for row in rows.values() for entry in row}
        for row in rows.values():
            for a, b in zip(row, row[1:]):
                u, v = owner.get(a, a), owner.get(b, b)
                if v not in after[u]:
                    waiting[v] += 1
                after[u][v] = max(after[u].get(v, -math.inf), self._gap(a, b))
        variables = {owner.get(e, e) for e in entries}
        ready = [u for u in variables if not waiting[u]]
        x = dict.fromkeys(ready, 0.0)
        while ready:
            u = ready.pop()
            for v, gap in after[u].items():
                x[v] = max(x.get(v, -math.inf), x[u] + gap)
                waiting[v] -= 1
                if not waiting[v]:
                    ready.append(v)
        if any(waiting[u] for u in variables):
            return False
        for entry in entries:
            self.x[entry] = x[owner.get(entry, entry)]
        return True

    def _fit(self, row: list[tuple], use: set[int], container, rigid: set[tuple]) -> None:
        """Move the row's slots towards their neighbours; rigid ones (clusters, chains) stay."""
        fixed = [-1] + [i for i, e in enumerate(row) if e in rigid] + [len(row)]
        for left, right in zip(fixed, fixed[1:]):
            run = row[left + 1 : right]
            if not run:
                continue
            targets, weights = [], []
            for key in run:
                pulls = [
                    (self._rel(o, container), pull)
                    for o, pull in self.adjacent[key]
                    if self.items[o].rank in use and self._within(o, container)
                ]
                total = sum(pull for _, pull in pulls)
                if total:
                    targets.append(sum(p * pull for p, pull in pulls) / total)
                    weights.append(total)
                else:
                    targets.append(self.x[key])
                    weights.append(_FREE)
            gaps = [self._gap(a, b) for a, b in zip(run, run[1:])]
            low = self.x[row[left]] + self._gap(row[left], run[0]) if left >= 0 else None
            high = self.x[row[right]] - self._gap(run[-1], row[right]) if right < len(row) else None
            for key, value in zip(run, fit_row(targets, weights, gaps, low, high)):
                self.x[key] = value

    def _shift(self, group: list[tuple[int, tuple]], rows, container) -> None:
        """Slide a rigid group towards its outside neighbours, as far as its rows allow."""
        members = {entry for _, entry in group}
        pulls = []
        for _, entry in group:
            if entry[0] == "c":
                links = self.crossing[entry[1]]
            else:
                links = [(entry, o, pull) for o, pull in self.adjacent[entry]]
            for inside, outside, pull in links:
                if outside in members or not self._within(outside, container):
                    continue
                offset = self._rel(inside, container) - self.x[entry]
                pulls.append((self._rel(outside, container) - offset, pull))
        total = sum(pull for _, pull in pulls)
        if not total:
            return
        low, high = -math.inf, math.inf
        for r, entry in group:
            row = rows[r]
            i = row.index(entry)
            if i > 0:
                low = max(low, self.x[row[i - 1]] + self._gap(row[i - 1], entry))
            if i + 1 < len(row):
                high = min(high, self.x[row[i + 1]] - self._gap(entry, row[i + 1]))
        target = sum(p * pull for p, pull in pulls) / total
        if low <= high:
            for _, entry in group:
                self.x[entry] = min(max(target, low), high)


def fit_row(
    targets: list[float],
    weights: list[float],
    gaps: list[float],
    low: float | None = None,
    high: float | None = None,
) -> list[float]:
    """Minimise ``sum(w * (x - target)**2)`` keeping ``x[i+1] - x[i] >= gaps[i]`` and the bounds.

    Subtracting the cumulative gaps turns the gaps into plain order constraints: an isotonic
    regression, solved exactly by pooling adjacent violators. Bounds on the first and last
    positions bound every shifted value alike, so clipping the solution respects them.

    Example:
        >>> fit_row([0.0, 0.0], [1.0, 1.0], [10.0])
        [-5.0, 5.0]
        >>> fit_row([0.0, 0.0], [1.0, 1.0], [10.0], low=2.0)
        [2.0, 12.0]
    """
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for target, weight, offset in zip(targets, weights, offsets):
        blocks.append([(target - offset) * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, weight, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight
            blocks[-1][2] += count
    values = []
    for total, weight, count in blocks:
        values.extend([total / weight] * int(count))
    if high is not None:
        values = [min(v, high - offsets[-1]) for v in values]
    if low is not None:
        values = [max(v, low) for v in values]
    return [v + offset for v, offset in zip(values, offsets)]
