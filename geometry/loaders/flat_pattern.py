"""Closed contours of a flat part: chained from drawn segments, grouped into pieces.

A drawing's cut geometry arrives as flattened segments (one polyline [mm] per entity or
sub-path). A segment that closes on itself is a contour; the others are chained end to end
into loops with ezdxf's ``edgeminer`` (ends closer than ``tol.dxf_join_mm`` meet). A segment
end that meets no other is an ``OpenContourError`` naming the entity and the point. The
contours are then grouped by nesting depth into pieces: an outline and its cut-outs.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import numpy as np

from geometry.errors import GeometryError, OpenContourError
from geometry.tolerances import tol

if TYPE_CHECKING:
    from ezdxf.edgeminer import Deposit, Edge
    from ezdxf.math import Vec3

__all__ = ["Contour", "FlatPattern", "Piece", "Segment", "chain_contours", "group_pieces"]

#: the loop search through contours that meet at a point gives up after this long [s]
LOOP_SEARCH_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Segment:
    """One flattened cut entity (or sub-path): points (n, 2) float64 [mm], in drawing order."""

    points_mm: np.ndarray
    #: the entity, as messages name it: "LINE #1F on layer 'CUT'"
    label: str
    #: the segment is one CIRCLE entity (diameter [mm]), else None
    circle_diameter_mm: float | None = None

    @property
    def closes(self) -> bool:
        """Its ends meet (``tol.dxf_join_mm``)."""
        return bool(np.linalg.norm(self.points_mm[0] - self.points_mm[-1]) <= tol.dxf_join_mm)


@dataclass(frozen=True)
class Contour:
    """A closed cut contour: (n, 2) float64 [mm], first point not repeated, counter-clockwise."""

    points_mm: np.ndarray
    length_mm: float
    area_mm2: float
    #: the contour is one CIRCLE entity (diameter [mm]), else None
    circle_diameter_mm: float | None = None

    @property
    def centroid_mm(self) -> tuple[float, float]:
        c = self.points_mm.mean(axis=0)
        return float(c[0]), float(c[1])

    @classmethod
    def of_ring(cls, points_mm: np.ndarray, circle_diameter_mm: float | None = None) -> Contour:
        """The contour through ``points_mm`` (n, 2) [mm] (first point not repeated), turned counter-clockwise."""
        points = _simplify(points_mm)
        x, y = points[:, 0], points[:, 1]
        signed = 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
        if signed < 0:
            points = points[::-1].copy()
        closed = np.vstack([points, points[:1]])
        length = float(np.linalg.norm(np.diff(closed, axis=0), axis=1).sum())
        return cls(np.ascontiguousarray(points), length, abs(signed), circle_diameter_mm)


@dataclass(frozen=True)
class Piece:
    """One separate flat piece: its outer contour and the cut-outs inside it."""

    outer: Contour
    holes: list[Contour]


@dataclass(frozen=True)
class FlatPattern:
    """Every closed contour of a drawing, grouped into pieces (several when the DXF is a nest of parts)."""

    pieces: list[Piece]
    ignored: dict[str, int]

    @property
    def contours(self) -> list[Contour]:
        return [c for p in self.pieces for c in (p.outer, *p.holes)]

    @property
    def cut_length_mm(self) -> float:
        return sum(c.length_mm for c in self.contours)

    @property
    def pierces(self) -> int:
        """Contours but the first outline: every inner contour, and the outlines of a nest's further pieces.

        The process prices the one outline's pierce on top (``SheetMetal.pierces``).
        """
        return max(0, len(self.contours) - 1)

    @property
    def area_mm2(self) -> float:
        return sum(p.outer.area_mm2 - sum(h.area_mm2 for h in p.holes) for p in self.pieces)

    @property
    def bbox_mm(self) -> tuple[float, float]:
        """The box of the whole drawing (of every piece as laid out)."""
        pts = np.concatenate([p.outer.points_mm for p in self.pieces])
        ext = np.ptp(pts, axis=0)
        return float(ext[0]), float(ext[1])


def chain_contours(segments: Sequence[Segment], filename: str) -> list[Contour]:
    """The closed contours of ``segments``: closed ones alone, open ones chained end to end.

    Raises ``OpenContourError`` naming an entity end that meets no other.
    """
    from ezdxf import edgeminer
    from ezdxf.math import Vec3

    contours: list[Contour] = []
    edges: list[Edge] = []
    seen: set[tuple[object, ...]] = set()
    for seg in segments:
        if seg.closes:
            if len(seg.points_mm) >= 3:  # else a point: no contour
                contours.append(Contour.of_ring(seg.points_mm[:-1], seg.circle_diameter_mm))
            continue
        key = _path_key(seg.points_mm)
        if key in seen:  # a duplicated entity: chained once
            continue
        seen.add(key)
        start, end = seg.points_mm[0], seg.points_mm[-1]
        edges.append(edgeminer.make_edge(Vec3(start[0], start[1]), Vec3(end[0], end[1]), payload=seg))
    contours += [Contour.of_ring(ring) for ring in _loops(edges, filename) if len(ring) >= 3]
    return [c for c in contours if c.area_mm2 > tol.dxf_join_mm**2]


def _path_key(points_mm: np.ndarray) -> tuple[object, ...]:
    """Equal for two polylines (n, 2) [mm] drawn over each other, either way round: ends, mean, count."""
    grid = np.round(np.array([points_mm[0], points_mm[-1], points_mm.mean(axis=0)]) / tol.dxf_join_mm)
    ends = sorted(tuple(p) for p in grid[:2].tolist())
    return (*ends, tuple(grid[2].tolist()), len(points_mm))


def _loops(edges: list[Edge], filename: str) -> Iterator[np.ndarray]:
    """Rings (n, 2) [mm] of the loops the open segments (edgeminer edges) form.

    Loops whose vertices join two segments each come out in one pass; where contours meet at a
    point (a junction), one loop at a time is searched and taken away until no segment is left.
    """
    from ezdxf import edgeminer

    remaining = list(edges)
    junctions_seen = False
    while remaining:
        deposit = edgeminer.Deposit(remaining, gap_tol=tol.dxf_join_mm)
        _check_open_ends(deposit, filename, junctions_seen)
        loops = [c for c in edgeminer.find_all_simple_chains(deposit)
                 if edgeminer.is_loop(c, gap_tol=tol.dxf_join_mm)]
        if not loops:
            junctions_seen = True
            try:
                loops = [edgeminer.find_loop(deposit, timeout=LOOP_SEARCH_TIMEOUT_S)]
            except edgeminer.TimeoutError as err:
                raise GeometryError(
                    f"{filename}: too many contours meet at common points to find the closed ones: "
                    "separate the contours in your CAD program", file=filename,
                ) from err
            if not loops[0]:
                _raise_open(filename, [(e, e.end) for e in remaining[:1]], after_junction=True)
        for loop in loops:
            yield _ring(loop)
        remaining = edgeminer.subtract_edges(remaining, [e for loop in loops for e in loop])


def _ring(loop: Sequence[Edge]) -> np.ndarray:
    """The points (n, 2) [mm] of a loop of edges (each carries its ``Segment``), first point not repeated."""
    parts = []
    for i, edge in enumerate(loop):
        pts = edge.payload.points_mm
        pts = pts[::-1] if edge.is_reverse else pts
        parts.append(pts if i == 0 else pts[1:])
    ring = np.concatenate(parts)
    if np.linalg.norm(ring[0] - ring[-1]) <= tol.dxf_join_mm:
        ring = ring[:-1]
    return ring


def _check_open_ends(deposit: Deposit, filename: str, after_junction: bool) -> None:
    """Raise ``OpenContourError`` when an edge end meets no other edge end."""
    ends = [(e, v) for e in deposit.edges for v in (e.start, e.end) if deposit.degree(v) == 1]
    if ends:
        _raise_open(filename, ends, after_junction)


def _raise_open(filename: str, ends: Sequence[tuple[Edge, Vec3]], after_junction: bool) -> NoReturn:
    """``OpenContourError`` naming the first two open ``(edge, vertex)`` ends."""
    named = [f"the {e.payload.label} ends at ({v.x:.3f}, {v.y:.3f}) mm" for e, v in ends[:2]]
    more = f" ({len(ends)} open ends in all)" if len(ends) > 2 else ""
    where = ("where other contours meet, once their closed loops are taken" if after_junction
             else "without meeting another entity")
    edge, first = ends[0]
    raise OpenContourError(
        f"{filename}: a contour is open: {' and '.join(named)} {where}{more}: "
        "close the contour in your CAD program (join or trim the ends)",
        file=filename, entity=edge.payload.label, point_mm=(float(first.x), float(first.y)),
    )


def group_pieces(contours: list[Contour], filename: str, ignored: dict[str, int]) -> FlatPattern:
    """Group contours into pieces by nesting depth: even depth is an outer contour, odd a cut-out.

    A contour inside a cut-out (depth 2) is a separate piece nested in the hole, as laser nests do.
    """
    if not contours:
        raise GeometryError(f"{filename}: no closed contour with an area: draw the part's closed outline",
                            file=filename)
    unique = _unique(contours)
    join = tol.dxf_join_mm
    lows = [c.points_mm.min(axis=0) for c in unique]
    highs = [c.points_mm.max(axis=0) for c in unique]
    parents: list[list[int]] = []
    for i, c in enumerate(unique):
        inside = []
        for j in range(i):  # only a larger contour can contain c
            if np.all(lows[i] >= lows[j] - join) and np.all(highs[i] <= highs[j] + join) and _inside(
                c.points_mm[0], unique[j].points_mm
            ):
                inside.append(j)
        parents.append(inside)
    pieces: dict[int, Piece] = {}
    for i, c in enumerate(unique):
        if len(parents[i]) % 2 == 0:
            pieces[i] = Piece(outer=c, holes=[])
        else:
            owner = max(parents[i], key=lambda j: len(parents[j]))  # the innermost container
            pieces[owner].holes.append(c)
    return FlatPattern(pieces=list(pieces.values()), ignored=ignored)


def _unique(contours: list[Contour]) -> list[Contour]:
    """The contours, largest first, each drawn twice (duplicated entities) kept once."""
    unique: list[Contour] = []
    for c in sorted(contours, key=lambda c: -c.area_mm2):
        if not any(abs(c.area_mm2 - u.area_mm2) <= tol.same_area_rel * u.area_mm2 + tol.same_area_mm2
                   and np.allclose(c.centroid_mm, u.centroid_mm, atol=tol.dxf_join_mm) for u in unique):
            unique.append(c)
    return unique


def _inside(point: np.ndarray, polygon: np.ndarray) -> bool:
    """Even-odd point-in-polygon."""
    x, y = point
    xs, ys = polygon[:, 0], polygon[:, 1]
    xn, yn = np.roll(xs, -1), np.roll(ys, -1)
    crosses = (ys > y) != (yn > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = xs + (y - ys) * (xn - xs) / (yn - ys)
    return bool(np.count_nonzero(crosses & (x < xi)) % 2)


def _simplify(points: np.ndarray) -> np.ndarray:
    """Drop repeated and collinear points (the triangulation would drop them and open the mesh)."""
    for _ in range(8):
        prev, nxt = np.roll(points, 1, axis=0), np.roll(points, -1, axis=0)
        a, b = points - prev, nxt - points
        cross = np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        scale = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        keep = (cross > tol.collinear_sin * scale) & (np.linalg.norm(a, axis=1) > tol.repeated_point_mm)
        if keep.all() or keep.sum() < 3:
            break
        points = points[keep]
    return points
