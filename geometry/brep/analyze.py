"""``brep_features``: PartFeatures field values measured on the exact B-rep.

Indexes the shape once (``Topology``) and runs each recogniser on it. A
recogniser that fails on a strange shape leaves its field unmeasured with the
reason; it never takes the other fields down with it. ``analyse`` keeps what the
recognisers found (``BrepAnalysis``): the values of each distinct solid of a
multi-solid file are cut out of it (``geometry.brep.components``), not measured again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from geometry.brep.faces import MassProps, SolidMass, bounding_box, face_stats, solid_masses
from geometry.brep.holes import find_holes, hole_axis_groups
from geometry.brep.pockets import CornerFindings, find_pockets, internal_corners
from geometry.brep.sheet import find_sheet_metal
from geometry.brep.solids import distinct_solids, remember_grouping, summaries
from geometry.brep.topology import Topology
from geometry.brep.turning import find_turning
from geometry.face_findings import MAX_NAMED_FACES
from geometry.features import FaceRadius, Hole, Pocket
from geometry.findings import Finding, Location, Severity

log = logging.getLogger(__name__)


class Collector:
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
        out["unmeasured"] = dict(self.unmeasured)
        return out


@dataclass(frozen=True)
class Machined:
    """What the machining recognisers found; a field is None where its recogniser failed."""

    holes: list[Hole] | None
    pockets: list[Pocket] | None
    corners: CornerFindings | None

    @property
    def complete(self) -> bool:
        return self.holes is not None and self.pockets is not None and self.corners is not None


@dataclass(frozen=True)
class BrepAnalysis:
    """A shape's B-rep analysis: the field values, and what they were made from."""

    topo: Topology
    solids: list[SolidMass]
    #: face id -> index of its solid in ``solids``; None when solids share faces, edges or vertices
    solid_of: list[int] | None
    #: (first instance, count, mass properties) of each distinct solid; None when grouping failed
    groups: list[tuple[Any, int, MassProps]] | None
    machined: Machined
    collected: Collector

    def values(self) -> dict[str, Any]:
        """``brep_features``'s result (a fresh dict each call)."""
        return self.collected.result()


def brep_features(shape: Any) -> dict[str, Any]:
    """Exact PartFeatures fields of ``shape`` (a healed compound of closed solids), plus ``unmeasured``."""
    return analyse(shape).values()


def analyse(shape: Any) -> BrepAnalysis:
    """Analyse ``shape`` once (see ``brep_features``), keeping the results by face for ``components``."""
    topo = Topology.of(shape)
    per_solid, props = solid_masses(topo)
    solid_of = _solid_of(topo, per_solid)
    c = Collector()
    c.out.update(shape_values(topo, props))
    machined = find_machined(c, topo, solid_of)
    record_machined(c, machined)
    groups = c.attempt(("distinct_solids",), lambda: distinct_solids([(s.solid, s.props) for s in per_solid]))
    analysis = BrepAnalysis(topo, per_solid, solid_of, groups, machined, c)
    if groups is not None:
        c.out["distinct_solids"] = summaries(groups)
        remember_grouping(topo.shape, groups)
        _shape_family(c, *_single(analysis))
    return analysis


def shape_values(topo: Topology, props: MassProps) -> dict[str, Any]:
    """The exact values of a shape every analysis starts with: volume, area, centroid, box, face counts."""
    lo, hi = bounding_box(topo)
    return {
        "volume_mm3": props.volume_mm3,
        "area_mm2": props.area_mm2,
        "centroid_mm": props.centroid_mm,
        "bbox_mm": tuple(float(x) for x in hi - lo),
        "faces": face_stats(topo),
    }


def _solid_of(topo: Topology, per_solid: list[SolidMass]) -> list[int] | None:
    """Face id -> its solid's index, when every face, edge and vertex lies in one solid only (else None).

    A solid repeated at the same place (the same faces: the index holds them once) is the same solid.
    """
    if len(per_solid) < 2:
        return None
    solid_of = [-1] * len(topo.faces)
    edge_owner: dict[int, int] = {}
    vertex_owner: dict[int, int] = {}
    for i, s in enumerate(per_solid):
        first = solid_of[s.face_ids[0]] if s.face_ids else -1
        if first >= 0 and set(per_solid[first].face_ids) == set(s.face_ids):
            continue
        for f in s.face_ids:
            if solid_of[f] not in (-1, i):
                return None
            solid_of[f] = i
            for owner, items in ((edge_owner, topo.face_edges[f]), (vertex_owner, topo.faces[f].vertices)):
                for item in items:
                    if owner.setdefault(item, i) != i:
                        return None
    return solid_of


def find_machined(c: Collector, topo: Topology, solid_of: list[int] | None = None) -> Machined:
    """Holes (each inside one solid when ``solid_of`` is given), pockets, internal corner radii and sharp corners."""
    holes = c.attempt(("holes", "hole_axes"), lambda: find_holes(topo, solid_of))
    hole_faces = {i for h in holes or [] for i in h.face_ids}
    pockets = c.attempt(("pockets",), lambda: find_pockets(topo, hole_faces))
    floors = {p.face_ids[0] for p in pockets or []}
    corners = c.attempt(
        ("min_internal_radius_mm", "sharp_internal_corners", "internal_radius_faces"),
        lambda: internal_corners(topo, hole_faces, floors),
    )
    return Machined(holes, pockets, corners)


def record_machined(c: Collector, m: Machined) -> None:
    """The field values and findings of what ``find_machined`` found."""
    if m.holes is not None:
        c.out["holes"] = m.holes
        c.out["hole_axes"] = hole_axis_groups(m.holes)
    if m.pockets is not None:
        c.out["pockets"] = m.pockets
    corners = m.corners
    if corners is None:
        return
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


def _single(a: BrepAnalysis) -> tuple[Topology | None, list[Hole] | None, str]:
    """The one distinct solid's topology and holes (None: several distinct solids), and why not."""
    groups = a.groups or []
    if len(groups) != 1:
        return None, None, f"{len(groups)} distinct solids: quote each one (geometry.split_solids)"
    if groups[0][1] == 1:
        return a.topo, a.machined.holes, ""
    from geometry.brep.components import component_of

    cut = component_of(a, 0)
    if cut is None:
        return Topology.of(groups[0][0]), None, ""
    return cut.topo, cut.machined.holes, ""


def shape_family(c: Collector, single: Topology, holes: list[Hole] | None) -> None:
    """Whether the one distinct solid ``single`` is turned or a sheet part (``holes``: its holes, if known)."""
    shapes = (
        ("turning", "not a body of revolution", lambda: find_turning(single, holes if holes is not None else find_holes(single))),
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


def _shape_family(c: Collector, single: Topology | None, holes: list[Hole] | None, several: str) -> None:
    if single is None:
        c.unmeasured.setdefault("turning", several)
        c.unmeasured.setdefault("sheet_metal", several)
        return
    shape_family(c, single, holes)


__all__ = [
    "BrepAnalysis",
    "Collector",
    "Machined",
    "analyse",
    "brep_features",
    "find_machined",
    "record_machined",
    "shape_family",
    "shape_values",
]
