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
from geometry.brep.solids import distinct_solids, remember_grouping, summaries
from geometry.brep.topology import Topology
from geometry.brep.turning import find_turning
from geometry.face_findings import MAX_NAMED_FACES
from geometry.features import FaceRadius
from geometry.findings import Finding, Location, Severity

log = logging.getLogger(__name__)


class _Collector:
    """Field values, reasons for unmeasured fields and findings, gathered recogniser by recogniser."""

    def __init__(self) -> None:
        self.out: dict[str, Any] = {}
        self.unmeasured: dict[str, str] = {}
        self.findings: list[Finding] = []

    def attempt(self, fields: tuple[str, ...], fn: Callable[[], Any]) -> Any:
        """``fn()``, or None with ``fields`` unmeasured when the recogniser fails on this shape."""
        try:
            return fn()
        except Exception as err:  # noqa: BLE001 - a recogniser's failure must not lose the part
            log.warning("B-rep %s analysis failed: %r", fields[0], err)
            for name in fields:
                self.unmeasured[name] = f"B-rep analysis failed on this shape ({type(err).__name__})"
            return None

    def result(self) -> dict[str, Any]:
        out = dict(self.out)
        if self.findings:
            out["findings"] = self.findings
        out["unmeasured"] = self.unmeasured
        return out


def brep_features(shape: Any) -> dict[str, Any]:
    """Exact PartFeatures fields of ``shape`` (a healed compound of closed solids), plus ``unmeasured``."""
    topo = Topology.of(shape)
    per_solid, props = solid_props(topo)
    lo, hi = bounding_box(topo)
    c = _Collector()
    c.out.update({
        "volume_mm3": props.volume_mm3,
        "area_mm2": props.area_mm2,
        "centroid_mm": props.centroid_mm,
        "bbox_mm": tuple(float(x) for x in hi - lo),
        "faces": face_stats(topo),
    })
    holes = _machined_features(c, topo)
    _shape_family(c, topo, per_solid, holes)
    return c.result()


def _machined_features(c: _Collector, topo: Topology) -> list[Any] | None:
    """Holes, pockets, internal corner radii and sharp internal corners; returns the holes (None if failed)."""
    holes = c.attempt(("holes", "hole_axes"), lambda: find_holes(topo))
    if holes is not None:
        c.out["holes"] = holes
        c.out["hole_axes"] = hole_axis_groups(holes)
    hole_faces = {i for h in holes or [] for i in h.face_ids}
    pockets = c.attempt(("pockets",), lambda: find_pockets(topo, hole_faces))
    if pockets is not None:
        c.out["pockets"] = pockets
    floors = {p.face_ids[0] for p in pockets or []}
    corners = c.attempt(
        ("min_internal_radius_mm", "sharp_internal_corners", "internal_radius_faces"),
        lambda: internal_corners(topo, hole_faces, floors),
    )
    if corners is None:
        return holes
    c.out["sharp_internal_corners"] = corners.sharp_corners
    c.out["internal_radius_faces"] = [FaceRadius(i, r) for i, r in corners.radius_faces[:MAX_NAMED_FACES]]
    if corners.min_internal_radius_mm is None:
        c.unmeasured["min_internal_radius_mm"] = "no internal corner: no concave wall fillet or corner"
    else:
        c.out["min_internal_radius_mm"] = corners.min_internal_radius_mm
    if corners.sharp_corners:
        c.findings.append(
            Finding(
                Severity.WARNING,
                "sharp_internal_corner",
                f"{corners.sharp_corners} sharp internal corner(s) between pocket walls: a milling cutter "
                "leaves a radius there; add a corner radius, or ask for EDM",
                Location(face_ids=corners.sharp_face_ids, point_mm=corners.sharp_points_mm[0]),
            )
        )
    return holes


def _shape_family(c: _Collector, topo: Topology, per_solid: Any, holes: list[Any] | None) -> None:
    """Distinct solids; for a single distinct solid, whether it is turned or a sheet part."""
    groups = c.attempt(("distinct_solids",), lambda: distinct_solids(per_solid))
    if groups is not None:
        c.out["distinct_solids"] = summaries(groups)
        remember_grouping(topo.shape, groups)
    if groups is None:
        return
    if len(groups) != 1:
        reason = f"{len(groups)} distinct solids: quote each one (geometry.split_solids)"
        c.unmeasured.setdefault("turning", reason)
        c.unmeasured.setdefault("sheet_metal", reason)
        return
    single = topo if groups[0][1] == 1 else Topology.of(groups[0][0])
    single_holes = holes if single is topo and holes is not None else None
    shapes = (
        ("turning", "not a body of revolution", lambda: find_turning(single, single_holes or find_holes(single))),
        ("sheet_metal", "not a sheet part", lambda: find_sheet_metal(single)),
    )
    for name, why_not, recognise in shapes:
        found = c.attempt((name,), recognise)
        if found is not None:
            value, reason = found
            if value is not None:
                c.out[name] = value
            else:
                c.unmeasured[name] = f"{why_not}: {reason}"
