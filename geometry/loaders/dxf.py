"""2D DXF drawings of flat laser-cut parts, read with ezdxf into a ``FlatPart``.

A flat part is one closed outer contour and any number of closed inner contours (holes and
cut-outs), cut from a sheet whose thickness the request gives (a DXF has none). The loader
flattens LINE/ARC/CIRCLE/ELLIPSE/SPLINE/(LW)POLYLINE entities (blocks exploded) into segments,
chains them into closed contours (``geometry.loaders.flat_pattern``, with ezdxf's edgeminer), measures cut length, pierces (inner contours: the outline's pierce is priced by the
process, see ``SheetMetal.pierces``), the flat box and net area, turns round
inner contours into through holes, and extrudes the outline into a closed triangle mesh so every
mesh measure (volume, area, box) works as for any other part. Annotations (text, dimensions,
points, hatches) are ignored. A contour that does not close is an ``OpenContourError`` naming
the entity and the point where it stops.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geometry.errors import CorruptFileError, GeometryError, ThicknessRequiredError
from geometry.features import Hole, SheetMetal, SourceInfo
from geometry.loaders.flat_pattern import Contour, FlatPattern, Piece, Segment, chain_contours, group_pieces
from geometry.part import Part
from geometry.tolerances import tol

__all__ = [
    "Contour", "FlatPart", "FlatPattern", "Piece", "check_thickness", "extrude", "flat_part", "read_flat_pattern",
]

#: $INSUNITS codes microfab converts, to (unit name, mm per unit)
DXF_UNITS: dict[int, tuple[str, float]] = {1: ("in", 25.4), 2: ("ft", 304.8), 4: ("mm", 1.0), 5: ("cm", 10.0),
                                           6: ("m", 1000.0)}
#: entity types that are cut geometry; everything else (TEXT, DIMENSION, POINT, HATCH...) is ignored
CUT_TYPES = ("LINE", "ARC", "CIRCLE", "ELLIPSE", "SPLINE", "LWPOLYLINE", "POLYLINE")
#: largest sheet thickness a request may give [mm]
MAX_THICKNESS_MM = 100.0


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

    try:
        doc, _auditor = recover.read(io.BytesIO(data))
    except (ezdxf.DXFStructureError, ezdxf.DXFError, UnicodeDecodeError, ValueError) as err:
        raise CorruptFileError(f"{filename}: cannot read this DXF file ({err}): export it again as DXF",
                               file=filename) from err
    code = int(doc.header.get("$INSUNITS", 0) or 0)
    declared = DXF_UNITS.get(code)
    scale = declared[1] if declared else (unit_to_mm or 1.0)
    ignored: dict[str, int] = {}
    segments = list(_segments(doc.modelspace(), scale, ignored))
    if not segments:
        found = ", ".join(f"{n} {k}" for k, n in sorted(ignored.items())) or "nothing"
        raise GeometryError(
            f"{filename}: the drawing has no cut contour (found {found}): draw the part's outline with "
            "lines, arcs, circles, polylines or splines", file=filename,
        )
    contours = chain_contours(segments, filename)
    return group_pieces(contours, filename, ignored), (declared[0] if declared else None)


def _segments(entities: Any, scale: float, ignored: dict[str, int]) -> Iterator[Segment]:
    """The cut entities flattened into segments [mm] (``scale`` mm per drawing unit); counts the others in ``ignored``."""
    import ezdxf
    from ezdxf.path import make_path

    for entity in _explode(entities):
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
        diameter = 2.0 * float(entity.dxf.radius) * scale if kind == "CIRCLE" else None
        for sub in path.sub_paths() if path.has_sub_paths else [path]:
            pts = np.array([(v.x, v.y) for v in sub.flattening(tol.dxf_flatten_mm / scale)], dtype=np.float64) * scale
            if len(pts) >= 2 and np.all(np.isfinite(pts)):
                yield Segment(pts, label, diameter)


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
