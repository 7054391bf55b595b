"""``brep_features``: PartFeatures field values measured on the exact B-rep."""

from __future__ import annotations

from typing import Any

from geometry.features import FaceStats, SurfaceKind


def brep_features(shape: Any) -> dict[str, Any]:
    """Exact volume, area, centroid, bounding box and face statistics of ``shape`` (a healed compound)."""
    from OCP.Bnd import Bnd_Box
    from OCP.BRepBndLib import BRepBndLib
    from OCP.BRepGProp import BRepGProp
    from OCP.GProp import GProp_GProps

    vprops = GProp_GProps()
    BRepGProp.VolumeProperties_s(shape, vprops)
    sprops = GProp_GProps()
    BRepGProp.SurfaceProperties_s(shape, sprops)
    c = vprops.CentreOfMass()
    box = Bnd_Box()
    BRepBndLib.AddOptimal_s(shape, box, False, False)
    xmin, ymin, zmin, xmax, ymax, zmax = box.Get()
    reason = "B-rep feature recognition for this field is not implemented yet"
    return {
        "volume_mm3": abs(float(vprops.Mass())),
        "area_mm2": float(sprops.Mass()),
        "centroid_mm": (float(c.X()), float(c.Y()), float(c.Z())),
        "bbox_mm": (float(xmax - xmin), float(ymax - ymin), float(zmax - zmin)),
        "faces": face_stats(shape),
        "unmeasured": {
            name: reason
            for name in ("holes", "pockets", "min_internal_radius_mm", "turning", "sheet_metal")
        },
    }


def face_stats(shape: Any) -> FaceStats:
    from OCP.BRepAdaptor import BRepAdaptor_Surface
    from OCP.BRepGProp import BRepGProp
    from OCP.GeomAbs import (
        GeomAbs_BSplineSurface,
        GeomAbs_BezierSurface,
        GeomAbs_Cone,
        GeomAbs_Cylinder,
        GeomAbs_Plane,
        GeomAbs_Sphere,
        GeomAbs_Torus,
    )
    from OCP.GProp import GProp_GProps
    from OCP.TopAbs import TopAbs_FACE
    from OCP.TopExp import TopExp_Explorer
    from OCP.TopoDS import TopoDS

    kinds = {
        GeomAbs_Plane: SurfaceKind.PLANE,
        GeomAbs_Cylinder: SurfaceKind.CYLINDER,
        GeomAbs_Cone: SurfaceKind.CONE,
        GeomAbs_Sphere: SurfaceKind.SPHERE,
        GeomAbs_Torus: SurfaceKind.TORUS,
        GeomAbs_BSplineSurface: SurfaceKind.BSPLINE,
        GeomAbs_BezierSurface: SurfaceKind.BSPLINE,
    }
    counts = {k.value: 0 for k in SurfaceKind}
    areas = {k.value: 0.0 for k in SurfaceKind}
    total = 0
    exp = TopExp_Explorer(shape, TopAbs_FACE)
    while exp.More():
        face = TopoDS.Face_s(exp.Current())
        exp.Next()
        kind = kinds.get(BRepAdaptor_Surface(face).GetType(), SurfaceKind.OTHER).value
        props = GProp_GProps()
        BRepGProp.SurfaceProperties_s(face, props)
        counts[kind] += 1
        areas[kind] += float(props.Mass())
        total += 1
    return FaceStats(total=total, count_by_kind=counts, area_mm2_by_kind=areas)
