"""Each distinct solid's B-rep values, cut out of the analysis of the whole multi-solid shape.

``geometry.measure`` measures a multi-solid file as a whole and each distinct solid
alone. The recognisers run once, on the whole shape (``analyze.analyse``); a
solid's holes, pockets and internal corners are those of its first instance
there, with face ids renumbered to the solid's own. OCCT explores a solid's
faces, edges and vertices in the same order inside its compound as alone, so
the solid's own ids are the ranks of its ids in the whole's ``Topology``, and
``solid_view`` is ``Topology.of(solid)`` without reading the shape again.

What depends on the solid alone is still computed for it: its mass properties
from its own volume integral (kept from the whole's), its bounding box and
summary (after its own tessellation, which the box reads inside torus and
B-spline faces) and, as a part of one distinct solid, whether it is turned or
sheet metal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from geometry.brep.analyze import BrepAnalysis, Collector, Machined, record_machined, shape_family, shape_values
from geometry.brep.faces import SolidMass, one_solid_props
from geometry.brep.pockets import CornerFindings, corner_findings
from geometry.brep.solids import summaries
from geometry.brep.topology import FaceInfo, Topology
from geometry.features import Hole, Pocket

__all__ = ["Component", "component_of", "component_values", "solid_view"]


@dataclass(frozen=True)
class Component:
    """One distinct solid of an analysed shape: its own topology and what the recognisers found on it."""

    topo: Topology
    machined: Machined
    mass: SolidMass


def component_values(analysis: BrepAnalysis, index: int) -> dict[str, Any] | None:
    """``brep_features`` of the ``index``-th distinct solid alone, cut out of ``analysis``; None when it
    cannot be (solids sharing B-rep entities, a recogniser that failed on the whole): measure that solid then.

    Call it after the solid was tessellated for its own mesh: its box reads that tessellation.
    """
    comp = component_of(analysis, index)
    if comp is None:
        return None
    topo = comp.topo
    props = one_solid_props(comp.mass, sum(f.area_mm2 for f in topo.faces))
    c = Collector()
    c.out.update(shape_values(topo, props))
    record_machined(c, comp.machined)
    c.out["distinct_solids"] = summaries([(comp.mass.solid, 1, comp.mass.props)])
    shape_family(c, topo, comp.machined.holes)
    return c.result()


def component_of(analysis: BrepAnalysis, index: int) -> Component | None:
    """The ``index``-th distinct solid (its first instance) of ``analysis``, or None when it cannot be cut out."""
    if analysis.groups is None or analysis.solid_of is None or not analysis.machined.complete:
        return None
    solid = analysis.groups[index][0]
    mass = next((s for s in analysis.solids if s.solid is solid), None)
    if mass is None:
        return None
    view = solid_view(analysis.topo, mass.face_ids, solid)
    if view is None:
        return None
    topo, local = view
    m = analysis.machined
    assert m.holes is not None and m.pockets is not None and m.corners is not None
    machined = Machined(_holes(m.holes, local), _pockets(m.pockets, local), _corners(m.corners, local))
    return Component(topo, machined, mass)


def solid_view(topo: Topology, face_ids: tuple[int, ...], solid: Any) -> tuple[Topology, dict[int, int]] | None:
    """``Topology.of(solid)`` from ``topo`` (the solid's faces there: ``face_ids``), and face id -> the solid's own.

    None when an edge of the solid borders a face of another solid, or the solid alone numbers its faces otherwise.
    """
    from OCP.TopAbs import TopAbs_FACE
    from OCP.TopExp import TopExp
    from OCP.TopTools import TopTools_IndexedMapOfShape

    faces = sorted(set(face_ids))
    local = {g: i for i, g in enumerate(faces)}
    edges = sorted({e for f in faces for e in topo.face_edges[f]})
    if any(g not in local for e in edges for g in topo.edge_faces[e]):
        return None
    local_edge = {g: i for i, g in enumerate(edges)}
    vertices = sorted(set().union(*(topo.faces[f].vertices for f in faces)))
    local_vertex = {g: i for i, g in enumerate(vertices)}
    face_map = TopTools_IndexedMapOfShape()
    TopExp.MapShapes_s(solid, TopAbs_FACE, face_map)
    if face_map.Extent() != len(faces) or not all(
        face_map.FindKey(i + 1).IsSame(topo.face_shapes[g]) for i, g in enumerate(faces)
    ):
        return None  # the solid alone numbers its faces otherwise: no cut-out ids could be trusted
    view = Topology(
        shape=solid,
        faces=[_face(topo, g, local, local_vertex) for g in faces],
        face_shapes=[topo.face_shapes[g] for g in faces],
        vertex_points=topo.vertex_points[vertices],
        edge_faces=[tuple(local[g] for g in topo.edge_faces[e]) for e in edges],
        edge_shapes=[topo.edge_shapes[e] for e in edges],
        face_edges=[[local_edge[e] for e in topo.face_edges[g]] for g in faces],
        face_map=face_map,
        edge_reversed={
            (local[f], local_edge[e]): topo.edge_reversed[(f, e)]
            for f in faces for e in topo.face_edges[f] if (f, e) in topo.edge_reversed
        },
    )
    return view, local


def _face(topo: Topology, g: int, local: dict[int, int], local_vertex: dict[int, int]) -> FaceInfo:
    info = topo.faces[g]
    return replace(
        info,
        index=local[g],
        vertices=frozenset(local_vertex[v] for v in info.vertices),
        inner_vertices=frozenset(local_vertex[v] for v in info.inner_vertices),
    )


def _holes(holes: list[Hole], local: dict[int, int]) -> list[Hole]:
    """The holes whose faces are all the solid's, face ids renumbered (position order kept)."""
    return [
        replace(h, face_ids=tuple(sorted(local[i] for i in h.face_ids)))
        for h in holes if h.face_ids and all(i in local for i in h.face_ids)
    ]


def _pockets(pockets: list[Pocket], local: dict[int, int]) -> list[Pocket]:
    """The pockets whose floor is the solid's, floor first, then the walls in the solid's order."""
    out = [
        replace(p, face_ids=(local[p.face_ids[0]], *sorted(local[i] for i in p.face_ids[1:])))
        for p in pockets if p.face_ids[0] in local
    ]
    return sorted(out, key=lambda p: p.face_ids[0])


def _corners(corners: CornerFindings, local: dict[int, int]) -> CornerFindings:
    sharp = [
        (point, (local[a], local[b]))
        for point, (a, b) in zip(corners.sharp_points_mm, corners.sharp_pairs, strict=True)
        if a in local and b in local
    ]
    fillets = sorted((r, local[i]) for r, i in corners.fillets if i in local)
    return corner_findings(sharp, fillets)
