"""Rectangles and edge paths (lines and cubic curves), in points with y growing downwards."""

from __future__ import annotations

import math
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle from (x0, y0) to (x1, y1), y growing downwards."""

    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def center(self) -> Point:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def contains(self, point: Point, inset: float = 0.0) -> bool:
        """Whether `point` lies inside the rectangle shrunk by `inset` on every side."""
        x, y = point
        return self.x0 + inset < x < self.x1 - inset and self.y0 + inset < y < self.y1 - inset


@dataclass(frozen=True)
class Route:
    """An edge's path: from `start`, a line ``(p,)`` or a cubic curve ``(c1, c2, p)`` per segment."""

    start: Point
    segments: tuple[tuple[Point, ...], ...]

    @property
    def end(self) -> Point:
        return self.segments[-1][-1] if self.segments else self.start

    def points(self, per_curve: int = 16) -> list[Point]:
        """The path as a polyline: each curve sampled at `per_curve` points."""
        out = [self.start]
        for segment in self.segments:
            if len(segment) == 1:
                out.append(segment[0])
                continue
            p0, (c1, c2, p3) = out[-1], segment
            for k in range(1, per_curve + 1):
                t = k / per_curve
                a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
                out.append(
                    (
                        a * p0[0] + b * c1[0] + c * c2[0] + d * p3[0],
                        a * p0[1] + b * c1[1] + c * c2[1] + d * p3[1],
                    )
                )
        return out

    def end_direction(self) -> Point:
        """Unit vector of travel where the path arrives (for drawing an arrowhead)."""
        points = [self.start] + [p for segment in self.segments for p in segment]
        end = points[-1]
        for previous in reversed(points[:-1]):
            dx, dy = end[0] - previous[0], end[1] - previous[1]
            length = math.hypot(dx, dy)
            if length > 1e-9:
                return (dx / length, dy / length)
        return (0.0, 1.0)

    def reversed(self) -> Route:
        points = [self.start] + [segment[-1] for segment in self.segments]
        segments = []
        for i in range(len(self.segments) - 1, -1, -1):
            segment, target = self.segments[i], points[i]
            segments.append((target,) if len(segment) == 1 else (segment[1], segment[0], target))
        return Route(points[-1], tuple(segments))


class PathBuilder:
    """Builds a `Route` from lines and S-shaped curves, merging consecutive vertical lines.

    Example:
        >>> path = PathBuilder((0.0, 0.0))
        >>> path.line_to((0.0, 5.0)); path.line_to((0.0, 9.0)); path.curve_to((4.0, 19.0))
        >>> path.route(lambda p: p).segments
        (((0.0, 9.0),), ((0.0, 14.0), (4.0, 14.0), (4.0, 19.0)))
    """

    def __init__(self, start: Point):
        self.start = start
        self.current = start
        self.segments: list[tuple[Point, ...]] = []

    def line_to(self, point: Point) -> None:
        if math.dist(point, self.current) < 1e-9:
            return
        if self.segments and len(self.segments[-1]) == 1:
            before = self.segments[-2][-1] if len(self.segments) > 1 else self.start
            if abs(before[0] - self.current[0]) < 1e-9 and abs(point[0] - self.current[0]) < 1e-9:
                self.segments[-1] = (point,)
                self.current = point
                return
        self.segments.append((point,))
        self.current = point

    def curve_to(self, point: Point) -> None:
        if abs(point[0] - self.current[0]) < 1e-6:
            self.line_to((self.current[0], point[1]))
            return
        middle = (self.current[1] + point[1]) / 2
        self.segments.append(((self.current[0], middle), (point[0], middle), point))
        self.current = point

    def route(self, transform) -> Route:
        return Route(
            transform(self.start),
            tuple(tuple(transform(p) for p in segment) for segment in self.segments),
        )
