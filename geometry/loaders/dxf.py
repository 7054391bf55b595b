"""2D DXF drawings of flat laser-cut parts, read with ezdxf into a ``FlatPart``.

A flat part is one closed outer contour and any number of closed inner contours (holes and
cut-outs), cut from a sheet whose thickness the request gives (a DXF has none). The loader
chains LINE/ARC/CIRCLE/ELLIPSE/SPLINE/(LW)POLYLINE entities (blocks exploded) into closed
contours, measures cut length, pierces (inner contours: the outline's pierce is priced by the
process, see ``SheetMetal.pierces``), the flat box and net area, turns round
inner contours into through holes, and extrudes the outline into a closed triangle mesh so every
mesh measure (volume, area, box) works as for any other part. Annotations (text, dimensions,
points, hatches) are ignored. A contour that does not close is an ``OpenContourError`` naming
the entity and the point where it stops.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geometry.errors import CorruptFileError, GeometryError, OpenContourError, ThicknessRequiredError
from geometry.features import Hole, SheetMetal, SourceInfo
from geometry.part import Part

#: $INSUNITS codes microfab converts, to (unit name, mm per unit)
DXF_UNITS: dict[int, tuple[str, float]] = {1: ("in", 25.4), 2: ("ft", 304.8), 4: ("mm", 1.0), 5: ("cm", 10.0),
                                           6: ("m", 1000.0)}
#: entity types that are cut geometry; everything else (TEXT, DIMENSION, POINT, HATCH...) is ignored
CUT_TYPES = ("LINE", "ARC", "CIRCLE", "ELLIPSE", "SPLINE", "LWPOLYLINE", "POLYLINE")
#: chord error of arcs and splines when flattened [mm]
FLATTEN_MM = 0.01
#: endpoints closer than this join [mm]
JOIN_MM = 0.05
#: largest sheet thickness a request may give [mm]
MAX_THICKNESS_MM = 100.0


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


@dataclass(frozen=True, eq=False)
class FlatPart(Part):
    """A ``Part`` whose loader measured some ``PartFeatures`` fields itself (``geometry.extract`` merges them)."""

    #: PartFeatures field values measured by the loader (sheet_metal, holes)
    measured: dict[str, Any] = field(default_factory=dict)
    #: reasons for fields that cannot be measured on this kind of input
    not_measured: dict[str, str] = field(default_factory=dict)


def read_flat_pattern(data: bytes, filename: str, unit_to_mm: float | None = None) -> tuple[FlatPattern, str | None]:
    """The flat pattern of a DXF drawing [mm] and the unit the file declares (None: it declares none).

    ``unit_to_mm`` scales a file that declares no unit (default: millimetres).
    """
    import ezdxf
    from ezdxf import recover
    from ezdxf.path import make_path

    try:
        doc, _auditor = recover.read(io.BytesIO(data))
    except (ezdxf.DXFStructureError, ezdxf.DXFError, UnicodeDecodeError, ValueError) as err:
        raise CorruptFileError(f"{filename}: cannot read this DXF file ({err}): export it again as DXF",
                               file=filename) from err
    code = int(doc.header.get("$INSUNITS", 0) or 0)
    declared = DXF_UNITS.get(code)
    scale = declared[1] if declared else (unit_to_mm or 1.0)

    pieces: list[tuple[np.ndarray, str, float | None]] = []
    ignored: dict[str, int] = {}
    for entity in _explode(doc.modelspace()):
        kind = entity.dxftype()
        if kind not in CUT_TYPES:
            ignored[kind] = ignored.get(kind, 0) + 1
            continue
        handle = entity.dxf.get("handle")
        label = f"{kind}{f' #{handle}' if handle else ''} on layer {entity.dxf.get('layer', '0')!r}"
        try:
            path = make_path(entity)
        except (TypeError, ValueError, ezdxf.DXFError):
            ignored[kind] = ignored.get(kind, 0) + 1
            continue
        for sub in path.sub_paths() if path.has_sub_paths else [path]:
            pts = np.array([(v.x, v.y) for v in sub.flattening(FLATTEN_MM / scale)], dtype=np.float64) * scale
            if len(pts) < 2 or not np.all(np.isfinite(pts)):
                continue
            diameter = 2.0 * float(entity.dxf.radius) * scale if kind == "CIRCLE" else None
            pieces.append((pts, label, diameter))
    if not pieces:
        found = ", ".join(f"{n} {k}" for k, n in sorted(ignored.items())) or "nothing"
        raise GeometryError(
            f"{filename}: the drawing has no cut contour (found {found}): draw the part's outline with "
            "lines, arcs, circles, polylines or splines", file=filename,
        )
    loops = _chain(pieces, filename)
    return _classify(loops, filename, ignored), (declared[0] if declared else None)


def _explode(entities: Any, depth: int = 0) -> Any:
    """Entities with block references (INSERT) replaced by their content, recursively.

    Dimensions, leaders and other annotations stay whole (and are then ignored): their blocks
    hold lines and arrowheads that are not cut geometry.
    """
    for entity in entities:
        if entity.dxftype() == "INSERT" and depth < 16:
            try:
                yield from _explode(entity.virtual_entities(), depth + 1)
            except Exception:  # noqa: BLE001 - a broken block reference is skipped, not fatal
                continue
        else:
            yield entity


def _chain(pieces: list[tuple[np.ndarray, str, float | None]], filename: str) -> list[Contour]:
    """Join open pieces end to end into closed loops; closed pieces stand alone."""
    from scipy.spatial import cKDTree

    loops: list[Contour] = []
    open_pieces: list[tuple[np.ndarray, str]] = []
    for pts, label, diameter in pieces:
        if np.linalg.norm(pts[0] - pts[-1]) <= JOIN_MM and len(pts) >= 3:
            loops.append(_contour(pts[:-1], diameter))
        else:
            open_pieces.append((pts, label))
    if open_pieces:
        ends = np.array([p[0] for p, _ in open_pieces] + [p[-1] for p, _ in open_pieces])
        tree = cKDTree(ends)
        node = np.arange(len(ends))
        for i, j in sorted(tree.query_pairs(JOIN_MM)):
            a, b = _root(node, i), _root(node, j)
            node[max(a, b)] = min(a, b)
        node = np.array([_root(node, i) for i in range(len(ends))])
        n = len(open_pieces)
        start_node, end_node = node[:n], node[n:]
        touching: dict[int, list[int]] = {}
        for k in range(n):
            touching.setdefault(int(start_node[k]), []).append(k)
            touching.setdefault(int(end_node[k]), []).append(k)
        dangling = [(nd, ks) for nd, ks in touching.items() if len(ks) == 1 and start_node[ks[0]] != end_node[ks[0]]]
        if dangling:
            named = [f"the {open_pieces[k][1]} ends at ({ends[nd][0]:.3f}, {ends[nd][1]:.3f}) mm"
                     for nd, (k,) in dangling[:2]]
            more = f" ({len(dangling)} open ends in all)" if len(dangling) > 2 else ""
            nd, (k,) = dangling[0]
            raise OpenContourError(
                f"{filename}: a contour is open: {' and '.join(named)} without meeting another entity{more}: "
                "close the contour in your CAD program (join or trim the ends)",
                file=filename, entity=open_pieces[k][1], point_mm=(float(ends[nd][0]), float(ends[nd][1])),
            )
        used = np.zeros(n, dtype=bool)
        for first in range(n):
            if used[first]:
                continue
            used[first] = True
            chain = [open_pieces[first][0]]
            start, current = int(start_node[first]), int(end_node[first])
            while current != start:
                nxt = next((k for k in touching[current] if not used[k]), None)
                if nxt is None:
                    x, y = ends[current]
                    raise OpenContourError(
                        f"{filename}: a contour is open at ({x:.3f}, {y:.3f}) mm after the "
                        f"{open_pieces[first][1]}: close the contour in your CAD program",
                        file=filename, entity=open_pieces[first][1], point_mm=(float(x), float(y)),
                    )
                used[nxt] = True
                pts = open_pieces[nxt][0]
                if int(start_node[nxt]) == current:
                    chain.append(pts[1:])
                    current = int(end_node[nxt])
                else:
                    chain.append(pts[::-1][1:])
                    current = int(start_node[nxt])
            ring = np.concatenate(chain)
            if np.linalg.norm(ring[0] - ring[-1]) <= JOIN_MM:
                ring = ring[:-1]
            if len(ring) >= 3:
                loops.append(_contour(ring, None))
    return [c for c in loops if c.area_mm2 > JOIN_MM**2]


def _root(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = int(parent[i])
    return i


def _simplify(points: np.ndarray) -> np.ndarray:
    """Drop repeated and collinear points (the triangulation would drop them and open the mesh)."""
    for _ in range(8):
        prev, nxt = np.roll(points, 1, axis=0), np.roll(points, -1, axis=0)
        a, b = points - prev, nxt - points
        cross = np.abs(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])
        scale = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
        keep = (cross > 1e-9 * scale) & (np.linalg.norm(a, axis=1) > 1e-9)
        if keep.all() or keep.sum() < 3:
            break
        points = points[keep]
    return points


def _contour(points: np.ndarray, circle_diameter_mm: float | None) -> Contour:
    points = _simplify(points)
    x, y = points[:, 0], points[:, 1]
    signed = 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    if signed < 0:
        points = points[::-1].copy()
    closed = np.vstack([points, points[:1]])
    length = float(np.linalg.norm(np.diff(closed, axis=0), axis=1).sum())
    return Contour(np.ascontiguousarray(points), length, abs(signed), circle_diameter_mm)


def _inside(point: np.ndarray, polygon: np.ndarray) -> bool:
    """Even-odd point-in-polygon."""
    x, y = point
    xs, ys = polygon[:, 0], polygon[:, 1]
    xn, yn = np.roll(xs, -1), np.roll(ys, -1)
    crosses = (ys > y) != (yn > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = xs + (y - ys) * (xn - xs) / (yn - ys)
    return bool(np.count_nonzero(crosses & (x < xi)) % 2)


def _classify(loops: list[Contour], filename: str, ignored: dict[str, int]) -> FlatPattern:
    """Group contours into pieces by nesting depth: even depth is an outer contour, odd a cut-out.

    A contour inside a cut-out (depth 2) is a separate piece nested in the hole, as laser nests do.
    """
    if not loops:
        raise GeometryError(f"{filename}: no closed contour with an area: draw the part's closed outline",
                            file=filename)
    # duplicated entities give the same loop twice: keep one
    unique: list[Contour] = []
    for c in sorted(loops, key=lambda c: -c.area_mm2):
        if not any(abs(c.area_mm2 - u.area_mm2) <= 1e-6 * u.area_mm2 + 1e-6
                   and np.allclose(c.centroid_mm, u.centroid_mm, atol=JOIN_MM) for u in unique):
            unique.append(c)
    lows = [c.points_mm.min(axis=0) for c in unique]
    highs = [c.points_mm.max(axis=0) for c in unique]
    parents: list[list[int]] = []
    for i, c in enumerate(unique):
        inside = []
        for j in range(i):  # only a larger contour can contain c
            if np.all(lows[i] >= lows[j] - JOIN_MM) and np.all(highs[i] <= highs[j] + JOIN_MM) and _inside(
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


def _box(c: Contour) -> str:
    ext = np.ptp(c.points_mm, axis=0)
    return f"{ext[0]:.1f} x {ext[1]:.1f}"


def _at(c: Contour) -> str:
    x, y = c.centroid_mm
    return f"({x:.1f}, {y:.1f})"


def _triangulate(flat: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Earcut triangles (m, 3) of rings ``flat`` whose boundary is exactly the rings' edges.

    Earcut can mis-bridge holes whose edges line up exactly with each other (same x or y); a
    small rotation of the coordinates (the indices do not change) removes the tie.
    """
    import mapbox_earcut

    rings_edges: set[tuple[int, int]] = set()
    start = 0
    for end in ends:
        idx = np.arange(start, int(end))
        rings_edges |= {(int(a), int(b)) for a, b in zip(idx, np.roll(idx, -1), strict=True)}
        start = int(end)
    centred = flat - flat.mean(axis=0)
    tri = np.zeros((0, 3), dtype=np.int64)
    for angle in (0.0, 0.1234567, 0.7654321, 1.3):
        c, s_ = math.cos(angle), math.sin(angle)
        rotated = np.ascontiguousarray(centred @ np.array([[c, s_], [-s_, c]]))
        tri = np.asarray(mapbox_earcut.triangulate_float64(rotated, ends), dtype=np.int64).reshape(-1, 3)
        directed = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
        present = {(int(a), int(b)) for a, b in directed}
        if {(a, b) for a, b in present if (b, a) not in present} == rings_edges:
            break
    return tri


def extrude(pattern: FlatPattern, thickness_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """A closed triangle mesh of the flat pattern extruded by ``thickness_mm``: vertices (n, 3), faces (m, 3)."""
    vertices: list[np.ndarray] = []
    faces: list[np.ndarray] = []
    offset = 0
    for piece in pattern.pieces:
        rings = [piece.outer.points_mm] + [c.points_mm[::-1] for c in piece.holes]  # holes clockwise
        flat = np.concatenate(rings)
        ends = np.cumsum([len(r) for r in rings]).astype(np.uint32)
        tri = _triangulate(flat, ends)
        n = len(flat)
        vertices.append(np.column_stack([flat, np.zeros(n)]))
        vertices.append(np.column_stack([flat, np.full(n, thickness_mm)]))
        # earcut keeps the outer ring's counter-clockwise winding: up for the top cap, reversed below
        faces += [tri[:, ::-1] + offset, tri + n + offset]
        # walls along the cap's own boundary edges (earcut may split a ring edge where a bridge
        # to a hole lands on it), so caps and walls share every edge and the mesh is closed
        directed = np.concatenate([tri[:, [0, 1]], tri[:, [1, 2]], tri[:, [2, 0]]])
        present = {(int(a), int(b)) for a, b in directed}
        boundary = np.array([(a, b) for a, b in present if (b, a) not in present], dtype=np.int64).reshape(-1, 2)
        u, v = boundary[:, 0] + offset, boundary[:, 1] + offset
        faces.append(np.column_stack([u, v, v + n]))
        faces.append(np.column_stack([u, v + n, u + n]))
        offset += 2 * n
    return np.vstack(vertices), np.concatenate(faces).astype(np.int64)


def flat_part(source: SourceInfo, pattern: FlatPattern, thickness_mm: float) -> FlatPart:
    """The ``FlatPart`` of a flat pattern cut from a ``thickness_mm`` sheet."""
    from geometry.findings import Finding, Severity

    vertices, faces = extrude(pattern, thickness_mm)
    holes = [
        Hole(diameter_mm=c.circle_diameter_mm, depth_mm=thickness_mm, through=True, axis=(0.0, 0.0, 1.0),
             position_mm=(*c.centroid_mm, thickness_mm / 2.0))
        for p in pattern.pieces for c in p.holes if c.circle_diameter_mm is not None
    ]
    sheet = SheetMetal(
        thickness_mm=thickness_mm,
        bends=[],
        flat_bbox_mm=tuple(sorted(pattern.bbox_mm, reverse=True)),  # type: ignore[arg-type]
        flat_area_mm2=pattern.area_mm2,
        cut_length_mm=pattern.cut_length_mm,
        pierces=pattern.pierces,
    )
    findings = []
    if len(pattern.pieces) > 1:
        w, h = sheet.flat_bbox_mm
        findings.append(Finding(
            Severity.INFO, "dxf_several_pieces",
            f"the drawing holds {len(pattern.pieces)} separate pieces: quoted as one set, cut together as laid "
            f"out in the drawing ({w:.0f} x {h:.0f} mm); send one piece per file to quote them separately",
        ))
    reason = "a flat 2D drawing: only its contours and round holes are measured"
    return FlatPart(
        source, vertices, faces, solids=len(pattern.pieces),
        # a flat part is not turned: turning is measured as "no"
        measured={"sheet_metal": sheet, "holes": holes, "pockets": [], "findings": findings, "turning": None},
        not_measured={"min_internal_radius_mm": reason, "faces": reason,
                      "min_wall_thickness_mm": "a flat 2D drawing: the wall is the requested sheet thickness"},
    )


def check_thickness(thickness_mm: float | None, filename: str) -> float:
    if thickness_mm is None:
        raise ThicknessRequiredError(
            f"{filename} is a 2D DXF drawing: give the sheet thickness (--thickness MM, or thickness_mm in the "
            "request) to quote it as a flat laser-cut part",
            file=filename, field="thickness_mm",
        )
    t = float(thickness_mm)
    if not math.isfinite(t) or t <= 0 or t > MAX_THICKNESS_MM:
        raise ThicknessRequiredError(
            f"sheet thickness {thickness_mm!r} mm is not between 0 and {MAX_THICKNESS_MM:g} mm",
            file=filename, field="thickness_mm",
        )
    return t
