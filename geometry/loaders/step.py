"""STEP files through OCP: read, check, heal, collect solids, tessellate.

No process-global OCCT setting is changed here: OCCT's default output unit is
the millimetre and files in other units are converted by the reader itself.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from geometry.errors import CorruptFileError, GeometryError
from geometry.tolerances import tol

_UNIT_NAMES = {
    "MM": "mm", "MILLIMETRE": "mm", "MILLIMETER": "mm",
    "CM": "cm", "CENTIMETRE": "cm", "CENTIMETER": "cm",
    "M": "m", "METRE": "m", "METER": "m",
    "INCH": "in", "IN": "in",
    "FT": "ft", "FOOT": "ft",
    "UM": "um", "MICROMETRE": "um", "MICROMETER": "um",
}


def read_step(data: bytes, filename: str):
    """The healed shape (a compound of solids), the file's length unit, and the number of solids."""
    from OCP.IFSelect import IFSelect_RetDone
    from OCP.STEPControl import STEPControl_Reader
    from OCP.TColStd import TColStd_SequenceOfAsciiString

    fd, path = tempfile.mkstemp(suffix=".step")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        reader = STEPControl_Reader()
        status = reader.ReadFile(path)
    finally:
        os.unlink(path)
    if status != IFSelect_RetDone:
        raise CorruptFileError(
            f"{filename}: the STEP reader could not parse this file (status {int(status)}): "
            "export it again as STEP AP214 or AP242",
            file=filename,
        )
    lengths, angles, solid_angles = (TColStd_SequenceOfAsciiString() for _ in range(3))
    unit = "mm"
    try:
        reader.FileUnits(lengths, angles, solid_angles)
        if lengths.Length() > 0:
            raw = lengths.Value(1).ToCString().upper().strip(".")
            unit = _UNIT_NAMES.get(raw, raw.lower())
    except Exception:  # noqa: BLE001 - units are informative; the reader converts anyway
        unit = "mm"
    nroots = reader.TransferRoots()
    if nroots == 0:
        raise GeometryError(
            f"{filename}: the STEP file holds no shape: export the part as a solid", file=filename
        )
    shape = reader.OneShape()
    if shape is None or shape.IsNull():
        raise GeometryError(f"{filename}: the STEP file holds no shape: export the part as a solid", file=filename)
    solids = _closed_solids(_heal(shape))
    if not solids:
        raise GeometryError(
            f"{filename}: no closed solid found (surfaces or open shells only): export the part as a solid",
            file=filename,
        )
    return _compound(solids), unit, len(solids)


def _heal(shape):
    from OCP.ShapeFix import ShapeFix_Shape

    fixer = ShapeFix_Shape(shape)
    fixer.Perform()
    return fixer.Shape()


def _closed_solids(shape) -> list:
    """Solids of ``shape`` with positive volume; closed shells outside any solid become solids."""
    from OCP.BRep import BRep_Tool
    from OCP.BRepBuilderAPI import BRepBuilderAPI_MakeSolid
    from OCP.TopAbs import TopAbs_SHELL, TopAbs_SOLID
    from OCP.TopExp import TopExp_Explorer
    from OCP.TopoDS import TopoDS

    solids = []
    exp = TopExp_Explorer(shape, TopAbs_SOLID)
    while exp.More():
        solids.append(TopoDS.Solid_s(exp.Current()))
        exp.Next()
    if not solids:
        exp = TopExp_Explorer(shape, TopAbs_SHELL)
        while exp.More():
            shell = TopoDS.Shell_s(exp.Current())
            if BRep_Tool.IsClosed_s(shell):
                maker = BRepBuilderAPI_MakeSolid(shell)
                if maker.IsDone():
                    solids.append(maker.Solid())
            exp.Next()
    out = []
    for solid in solids:
        volume = solid_volume_mm3(solid)
        if volume < 0:
            solid = TopoDS.Solid_s(solid.Reversed())
            volume = -volume
        if volume > 0:
            out.append(solid)
    return out


def solid_volume_mm3(shape) -> float:
    from OCP.BRepGProp import BRepGProp
    from OCP.GProp import GProp_GProps

    props = GProp_GProps()
    BRepGProp.VolumeProperties_s(shape, props)
    return float(props.Mass())


def _compound(solids: list):
    from OCP.BRep import BRep_Builder
    from OCP.TopoDS import TopoDS_Compound

    builder = BRep_Builder()
    comp = TopoDS_Compound()
    builder.MakeCompound(comp)
    for solid in solids:
        builder.Add(comp, solid)
    return comp


def tessellate(shape) -> tuple[np.ndarray, np.ndarray]:
    """Triangles of ``shape``: vertices (n, 3) float64 [mm], merged; faces (m, 3) int64, outward winding."""
    from OCP.Bnd import Bnd_Box
    from OCP.BRep import BRep_Tool
    from OCP.BRepBndLib import BRepBndLib
    from OCP.BRepMesh import BRepMesh_IncrementalMesh
    from OCP.TopAbs import TopAbs_FACE, TopAbs_REVERSED
    from OCP.TopExp import TopExp_Explorer
    from OCP.TopLoc import TopLoc_Location
    from OCP.TopoDS import TopoDS

    box = Bnd_Box()
    BRepBndLib.Add_s(shape, box, False)
    xmin, ymin, zmin, xmax, ymax, zmax = box.Get()
    diag = float(np.linalg.norm([xmax - xmin, ymax - ymin, zmax - zmin]))
    deflection = min(
        max(diag * tol.tessellation_relative_deflection, tol.tessellation_min_deflection_mm),
        tol.tessellation_max_deflection_mm,
    )
    BRepMesh_IncrementalMesh(shape, deflection, False, tol.tessellation_angular_rad, True)

    all_vertices: list[np.ndarray] = []
    all_faces: list[np.ndarray] = []
    offset = 0
    exp = TopExp_Explorer(shape, TopAbs_FACE)
    while exp.More():
        face = TopoDS.Face_s(exp.Current())
        exp.Next()
        loc = TopLoc_Location()
        tri = BRep_Tool.Triangulation_s(face, loc)
        if tri is None:
            continue
        trsf = loc.Transformation()
        nodes = np.empty((tri.NbNodes(), 3))
        for i in range(tri.NbNodes()):
            p = tri.Node(i + 1).Transformed(trsf)
            nodes[i] = (p.X(), p.Y(), p.Z())
        tris = np.empty((tri.NbTriangles(), 3), dtype=np.int64)
        for i in range(tri.NbTriangles()):
            tris[i] = tri.Triangle(i + 1).Get()
        tris -= 1
        if face.Orientation() == TopAbs_REVERSED:
            tris = tris[:, ::-1]
        all_vertices.append(nodes)
        all_faces.append(tris + offset)
        offset += len(nodes)
    if not all_faces:
        raise GeometryError("the solid could not be tessellated: export it again as STEP AP214 or AP242")
    vertices = np.concatenate(all_vertices)
    faces = np.concatenate(all_faces)
    return merge_vertices(vertices, faces, max(deflection * 1e-3, tol.merge_mm))


def merge_vertices(vertices: np.ndarray, faces: np.ndarray, merge_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Weld vertices closer than ``merge_mm`` (on a grid) and drop triangles that collapse."""
    keys = np.round(vertices / merge_mm).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    merged = vertices[first]
    new_faces = inverse[faces]
    keep = (
        (new_faces[:, 0] != new_faces[:, 1])
        & (new_faces[:, 1] != new_faces[:, 2])
        & (new_faces[:, 0] != new_faces[:, 2])
    )
    return merged, new_faces[keep]
