"""``brep_features``: PartFeatures field values measured on the exact B-rep.

Indexes the shape once (``Topology``) and runs each recogniser on it. A
recogniser that fails on a strange shape leaves its field unmeasured with the
reason; it never takes the other fields down with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from geometry.brep.faces import bounding_box, face_stats, solid_props
from geometry.brep.holes import find_holes, hole_axis_groups
from geometry.brep.pockets import find_pockets, internal_corners
from geometry.brep.sheet import find_sheet_metal
from geometry.brep.solids import distinct_solids, summaries
from geometry.brep.topology import Topology
from geometry.brep.turning import find_turning
from geometry.findings import Finding, Location, Severity

log = logging.getLogger(__name__)


def brep_features(shape: Any) -> dict[str, Any]:
    """Exact PartFeatures fields of ``shape`` (a healed compound of closed solids), plus ``unmeasured``."""
    topo = Topology.of(shape)
    per_solid, props = solid_props(topo)
    lo, hi = bounding_box(topo)
    out: dict[str, Any] = {
        "volume_mm3": props.volume_mm3,
        "area_mm2": props.area_mm2,
        "centroid_mm": props.centroid_mm,
        "bbox_mm": tuple(float(x) for x in hi - lo),
        "faces": face_stats(topo),
    }
    unmeasured: dict[str, str] = {}
    findings: list[Finding] = []

    def attempt(fields: tuple[str, ...], fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as err:  # noqa: BLE001 - a recogniser's failure must not lose the part
            log.warning("B-rep %s analysis failed: %r", fields[0], err)
            for name in fields:
                unmeasured[name] = f"B-rep analysis failed on this shape ({type(err).__name__})"
            return None

    holes = attempt(("holes", "hole_axes"), lambda: find_holes(topo))
    if holes is not None:
        out["holes"] = holes
        out["hole_axes"] = hole_axis_groups(holes)
    hole_faces = {i for h in holes or [] for i in h.face_ids}
    pockets = attempt(("pockets",), lambda: find_pockets(topo, hole_faces))
    if pockets is not None:
        out["pockets"] = pockets
    floors = {p.face_ids[0] for p in pockets or []}
    corners = attempt(
        ("min_internal_radius_mm", "sharp_internal_corners"), lambda: internal_corners(topo, hole_faces, floors)
    )
    if corners is not None:
        out["sharp_internal_corners"] = corners.sharp_corners
        if corners.min_internal_radius_mm is None:
            unmeasured["min_internal_radius_mm"] = "no internal corner: no concave wall fillet or corner"
        else:
            out["min_internal_radius_mm"] = corners.min_internal_radius_mm
        if corners.sharp_corners:
            findings.append(
                Finding(
                    Severity.WARNING,
                    "sharp_internal_corner",
                    f"{corners.sharp_corners} sharp internal corner(s) between pocket walls: a milling cutter "
                    "leaves a radius there; add a corner radius, or ask for EDM",
                    Location(point_mm=corners.sharp_points_mm[0]),
                )
            )
    groups = attempt(("distinct_solids",), lambda: distinct_solids(per_solid))
    if groups is not None:
        out["distinct_solids"] = summaries(groups)
    if groups is not None and len(groups) == 1:
        single = topo if groups[0][1] == 1 else Topology.of(groups[0][0])
        single_holes = holes if single is topo and holes is not None else None
        shapes = (
            ("turning", "not a body of revolution", lambda: find_turning(single, single_holes or find_holes(single))),
            ("sheet_metal", "not a sheet part", lambda: find_sheet_metal(single)),
        )
        for name, why_not, recognise in shapes:
            found = attempt((name,), recognise)
            if found is not None:
                value, reason = found
                if value is not None:
                    out[name] = value
                else:
                    unmeasured[name] = f"{why_not}: {reason}"
    elif groups is not None:
        reason = f"{len(groups)} distinct solids: quote each one (geometry.split_solids)"
        unmeasured.setdefault("turning", reason)
        unmeasured.setdefault("sheet_metal", reason)
    if findings:
        out["findings"] = findings
    out["unmeasured"] = unmeasured
    return out
