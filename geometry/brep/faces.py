"""Exact mass properties, bounding box and face statistics of a B-rep."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from geometry.brep.topology import Topology
from geometry.features import FaceStats, SurfaceKind


@dataclass(frozen=True)
class MassProps:
    volume_mm3: float
    area_mm2: float
    centroid_mm: tuple[float, float, float]
    #: principal moments of inertia about the centroid, ascending [mm^5] (unit density)
    principal_moments: tuple[float, float, float]


@dataclass(frozen=True)
class SolidMass:
    """One solid of a shape: its exact mass properties, its OCCT ``GProp_GProps`` and its face ids."""

    solid: Any
    #: the solid's ``GProp_GProps`` (volume integral): a one-solid total is built from it as ``solid_props`` does
    gprops: Any
    props: MassProps
    #: its faces' ids in the shape's ``Topology``, in the order OCCT explores them
    face_ids: tuple[int, ...]


def solid_props(topo: Topology) -> tuple[list[tuple[Any, MassProps]], MassProps]:
    """Mass properties of each solid of the shape, and of them all (OCP GProp, exact on the B-rep).

    One volume integration per solid; areas are the sums of the face areas
    ``Topology`` measured already.
    """
    per_solid, total = solid_masses(topo)
    return [(s.solid, s.props) for s in per_solid], total


def solid_masses(topo: Topology) -> tuple[list[SolidMass], MassProps]:
    """``solid_props`` with each solid's ``GProp_GProps`` and face ids kept (``geometry.brep.components``)."""
    from OCP.BRepGProp import BRepGProp
    from OCP.GProp import GProp_GProps
    from OCP.TopAbs import TopAbs_SOLID
    from OCP.TopExp import TopExp_Explorer

    total = GProp_GProps()
    out = []
    exp = TopExp_Explorer(topo.shape, TopAbs_SOLID)
    while exp.More():
        solid = exp.Current()
        exp.Next()
        props = GProp_GProps()
        BRepGProp.VolumeProperties_s(solid, props)
        ids = topo.face_ids_of(solid)
        total.Add(props)
        out.append(SolidMass(solid, props, _pack(props, sum(topo.faces[i].area_mm2 for i in ids)), tuple(ids)))
    area = sum(f.area_mm2 for f in topo.faces)
    if not out:  # not a solid: integrate what is there
        BRepGProp.VolumeProperties_s(topo.shape, total)
    return out, _pack(total, area)


def one_solid_props(solid: SolidMass, area_mm2: float) -> MassProps:
    """The mass properties ``solid_props`` gives for a shape that is this one solid with faces of ``area_mm2``."""
    from OCP.GProp import GProp_GProps

    total = GProp_GProps()
    total.Add(solid.gprops)
    return _pack(total, area_mm2)


def mass_props(shape: Any) -> MassProps:
    """Volume, area, centroid and principal moments of ``shape`` (OCP GProp)."""
    from OCP.BRepGProp import BRepGProp
    from OCP.GProp import GProp_GProps

    vprops = GProp_GProps()
    BRepGProp.VolumeProperties_s(shape, vprops)
    sprops = GProp_GProps()
    BRepGProp.SurfaceProperties_s(shape, sprops)
    return _pack(vprops, float(sprops.Mass()))


def _pack(vprops: Any, area_mm2: float) -> MassProps:
    c = vprops.CentreOfMass()
    m = vprops.MatrixOfInertia()
    inertia = np.array([[m.Value(i, j) for j in (1, 2, 3)] for i in (1, 2, 3)])
    moments = np.sort(np.abs(np.linalg.eigvalsh(0.5 * (inertia + inertia.T))))
    return MassProps(
        volume_mm3=abs(float(vprops.Mass())),
        area_mm2=float(area_mm2),
        centroid_mm=(float(c.X()), float(c.Y()), float(c.Z())),
        principal_moments=(float(moments[0]), float(moments[1]), float(moments[2])),
    )


def bounding_box(topo: Topology) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) corners [mm].

    Exact on planes, cylinders, cones and spheres and on every edge (OCCT's
    optimal box); inside torus and B-spline faces, where that costs up to a
    second per face, the face's triangulation (made on load) stands in: it is
    within the chordal deflection of the surface.
    """
    from OCP.Bnd import Bnd_Box
    from OCP.BRepBndLib import BRepBndLib

    box = Bnd_Box()
    slow_faces = []
    for info, face in zip(topo.faces, topo.face_shapes, strict=True):
        if info.kind in (SurfaceKind.TORUS, SurfaceKind.BSPLINE, SurfaceKind.OTHER):
            slow_faces.append(info.index)
            part = Bnd_Box()
            BRepBndLib.Add_s(face, part, True)
            if not part.IsVoid():
                gap = part.GetGap()
                xmin, ymin, zmin, xmax, ymax, zmax = part.Get()
                box.Update(xmin + gap, ymin + gap, zmin + gap, xmax - gap, ymax - gap, zmax - gap)
        else:
            BRepBndLib.AddOptimal_s(face, box, False, False)
    for e in sorted({e for f in slow_faces for e in topo.face_edges[f]}):
        BRepBndLib.AddOptimal_s(topo.edge_shapes[e], box, False, False)
    if box.IsVoid():
        return np.zeros(3), np.zeros(3)
    xmin, ymin, zmin, xmax, ymax, zmax = box.Get()
    return np.array([xmin, ymin, zmin]), np.array([xmax, ymax, zmax])


def face_stats(topo: Topology) -> FaceStats:
    counts = {k.value: 0 for k in SurfaceKind}
    areas = {k.value: 0.0 for k in SurfaceKind}
    for f in topo.faces:
        counts[f.kind.value] += 1
        areas[f.kind.value] += f.area_mm2
    return FaceStats(total=len(topo.faces), count_by_kind=counts, area_mm2_by_kind=areas)
