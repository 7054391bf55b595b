"""STEP files through OCP: read, check, heal, collect closed solids, tessellate.

No process-global OCCT setting is read or changed per request: the reader is
given its target length unit (mm) itself, so a global changed by other code in
the process (cadquery's importer sets ``xstep.cascade.unit``) cannot change
our numbers, and two requests in one process cannot interfere.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass
from typing import Any

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


@dataclass(frozen=True)
class StepShape:
    """What the reader found: the healed closed solids and what it did to get them."""

    #: compound of the closed solids (opaque OCP ``TopoDS_Compound``)
    shape: Any
    #: the file's length unit before conversion to mm ("mm", "in", ...)
    unit: str
    solids: int
    #: solids with an inward-facing shell that were turned the right way out
    reversed_solids: int = 0
    #: closed shells outside any solid that were made into solids
    shells_made_solid: int = 0
    #: solids or shells left out because they are not closed
    open_shells_dropped: int = 0


def read_step(data: bytes, filename: str) -> tuple[Any, str, int]:
    """The healed shape (a compound of closed solids), the file's length unit, and the number of solids."""
    found = read_step_shape(data, filename)
    return found.shape, found.unit, found.solids


def read_step_shape(data: bytes, filename: str) -> StepShape:
    """Read ``data`` (STEP AP203/AP214/AP242) into healed closed solids, in mm.

    Raises ``CorruptFileError`` when the reader cannot parse the file and
    ``GeometryError`` when it holds no closed solid.
    """
    from OCP.IFSelect import IFSelect_RetDone
    from OCP.STEPControl import STEPControl_Reader

    reader = STEPControl_Reader()
    try:
        status = reader.ReadStream(filename or "part.step", io.BytesIO(data))
    except Exception as err:  # noqa: BLE001 - OCCT raises Standard_Failure subclasses
        raise CorruptFileError(
            f"{filename}: the STEP reader failed on this file ({type(err).__name__}): "
            "export it again as STEP AP214 or AP242",
            file=filename,
        ) from err
    if status != IFSelect_RetDone:
        raise CorruptFileError(
            f"{filename}: the STEP reader could not parse this file (status {_status_name(status)}): "
            "export it again as STEP AP214 or AP242",
            file=filename,
        )
    unit = _file_unit(reader)
    # Per-reader target unit (mm): the transfer converts the file's unit to this, whatever the globals say.
    reader.SetSystemLengthUnit(1.0)
    if reader.NbRootsForTransfer() == 0:
        raise GeometryError(f"{filename}: the STEP file holds no shape: export the part as a solid", file=filename)
    try:
        reader.TransferRoots()
        shape = reader.OneShape()
    except Exception as err:  # noqa: BLE001
        raise CorruptFileError(
            f"{filename}: the STEP file could not be turned into shapes ({type(err).__name__}): "
            "export it again as STEP AP214 or AP242",
            file=filename,
        ) from err
    if shape is None or shape.IsNull():
        raise GeometryError(f"{filename}: the STEP file holds no shape: export the part as a solid", file=filename)
    return _solids_of(shape, unit, filename)


def _status_name(status: Any) -> str:
    return getattr(status, "name", str(status))


def _file_unit(reader: Any) -> str:
    """The file's declared length unit, lower-case ("mm" when it declares none)."""
    from OCP.TColStd import TColStd_SequenceOfAsciiString

    lengths, angles, solid_angles = (TColStd_SequenceOfAsciiString() for _ in range(3))
    try:
        reader.FileUnits(lengths, angles, solid_angles)
    except Exception:  # noqa: BLE001 - the unit is informative; the reader converts anyway
        return "mm"
    if lengths.Length() == 0:
        return "mm"
    raw = lengths.Value(1).ToCString().upper().strip(". ")
    return _UNIT_NAMES.get(raw, raw.lower() or "mm")


def _solids_of(shape: Any, unit: str, filename: str) -> StepShape:
    from OCP.BRep import BRep_Tool
    from OCP.BRepBuilderAPI import BRepBuilderAPI_MakeSolid
    from OCP.TopAbs import TopAbs_FACE, TopAbs_SHELL, TopAbs_SOLID
    from OCP.TopExp import TopExp_Explorer
    from OCP.TopoDS import TopoDS

    candidates: list[tuple[Any, bool]] = []  # (solid, made from a free shell)
    exp = TopExp_Explorer(shape, TopAbs_SOLID)
    while exp.More():
        candidates.append((TopoDS.Solid_s(exp.Current()), False))
        exp.Next()
    exp = TopExp_Explorer(shape, TopAbs_SHELL, TopAbs_SOLID)  # shells outside any solid
    while exp.More():
        shell = TopoDS.Shell_s(exp.Current())
        exp.Next()
        maker = BRepBuilderAPI_MakeSolid(shell)
        if maker.IsDone():
            candidates.append((maker.Solid(), True))
    out, reversed_count, from_shells, dropped = [], 0, 0, 0
    for solid, from_shell in candidates:
        healed = _heal(solid)
        for part in _explore(healed, TopAbs_SOLID):
            part = TopoDS.Solid_s(part)
            shells = _explore(part, TopAbs_SHELL)
            if not shells or not all(BRep_Tool.IsClosed_s(s) for s in shells):
                dropped += 1
                continue
            volume = solid_volume_mm3(part)
            if volume < 0:
                part = TopoDS.Solid_s(part.Reversed())
                volume = -volume
                reversed_count += 1
            if volume > 0 and np.isfinite(volume):
                out.append(part)
                from_shells += from_shell
    if not out:
        sewn = _sew_closed_solids(shape)
        out, reversed_count = sewn, 0
        for i, part in enumerate(out):
            if solid_volume_mm3(part) < 0:
                out[i] = TopoDS.Solid_s(part.Reversed())
                reversed_count += 1
        from_shells = len(out)
    if not out:
        faces = len(_explore(shape, TopAbs_FACE))
        what = f"{faces} faces, {dropped} open shells" if faces else "no faces"
        raise GeometryError(
            f"{filename}: no closed solid found ({what}): export the part as a solid",
            file=filename,
        )
    return StepShape(_compound(out), unit, len(out), reversed_count, from_shells, dropped)


def _sew_closed_solids(shape: Any) -> list:
    """Closed solids from sewing the faces of a surface model (faces that meet but share no edges).

    Only for models of up to ``_SEW_MAX_FACES`` faces: sewing is quadratic at worst.
    """
    from OCP.BRep import BRep_Tool
    from OCP.BRepBuilderAPI import BRepBuilderAPI_MakeSolid, BRepBuilderAPI_Sewing
    from OCP.TopAbs import TopAbs_FACE, TopAbs_SHELL
    from OCP.TopoDS import TopoDS

    faces = _explore(shape, TopAbs_FACE)
    if not faces or len(faces) > _SEW_MAX_FACES:
        return []
    try:
        sewing = BRepBuilderAPI_Sewing(tol.sew_gap_mm)
        for face in faces:
            sewing.Add(face)
        sewing.Perform()
        sewn = sewing.SewedShape()
    except Exception:  # noqa: BLE001 - sewing is best effort
        return []
    out = []
    for shell in _explore(sewn, TopAbs_SHELL):
        if not BRep_Tool.IsClosed_s(shell):
            continue
        maker = BRepBuilderAPI_MakeSolid(TopoDS.Shell_s(shell))
        if maker.IsDone() and abs(solid_volume_mm3(maker.Solid())) > 0:
            out.append(maker.Solid())
    return out


#: surface models with more faces than this are not sewn (a clear error instead of a long wait)
_SEW_MAX_FACES = 2000


def _explore(shape: Any, kind: Any) -> list:
    from OCP.TopExp import TopExp_Explorer

    found = []
    exp = TopExp_Explorer(shape, kind)
    while exp.More():
        found.append(exp.Current())
        exp.Next()
    return found


def _heal(shape: Any) -> Any:
    """OCP's ShapeFix on one solid; the unhealed solid when healing fails."""
    from OCP.ShapeFix import ShapeFix_Shape

    try:
        fixer = ShapeFix_Shape(shape)
        fixer.Perform()
        healed = fixer.Shape()
    except Exception:  # noqa: BLE001 - healing is best effort
        return shape
    return shape if healed is None or healed.IsNull() else healed


def solid_volume_mm3(shape: Any) -> float:
    from OCP.BRepGProp import BRepGProp
    from OCP.GProp import GProp_GProps

    props = GProp_GProps()
    BRepGProp.VolumeProperties_s(shape, props)
    return float(props.Mass())


def _compound(solids: list) -> Any:
    from OCP.BRep import BRep_Builder
    from OCP.TopoDS import TopoDS_Compound

    builder = BRep_Builder()
    comp = TopoDS_Compound()
    builder.MakeCompound(comp)
    for solid in solids:
        builder.Add(comp, solid)
    return comp


def deflection_mm(shape: Any) -> float:
    """Chordal deflection for ``shape`` [mm]: relative to its size, clamped (``tol.tessellation_*``).

    Parts larger than ``tol.plausible_max_extent_mm`` are not capped at the
    largest absolute deflection, so a 30 m model does not become a million triangles.
    """
    from OCP.Bnd import Bnd_Box
    from OCP.BRepBndLib import BRepBndLib

    box = Bnd_Box()
    BRepBndLib.Add_s(shape, box, False)
    if box.IsVoid():
        return tol.tessellation_min_deflection_mm
    xmin, ymin, zmin, xmax, ymax, zmax = box.Get()
    diag = float(np.linalg.norm([xmax - xmin, ymax - ymin, zmax - zmin]))
    relative = max(diag * tol.tessellation_relative_deflection, tol.tessellation_min_deflection_mm)
    if diag > tol.plausible_max_extent_mm:
        return relative  # a building-sized (or wrong-unit) model: keep the triangle count bounded
    return min(relative, tol.tessellation_max_deflection_mm)


def tessellate(shape: Any, deflection: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Triangles of ``shape``: vertices (n, 3) float64 [mm], merged; faces (m, 3) int64, outward winding.

    ``deflection`` is the chordal deflection [mm] (default: ``deflection_mm``);
    the angular deflection is ``tol.tessellation_angular_rad``. The triangles
    leave OCCT as one binary STL written in C++ (no per-node Python loop);
    its float32 coordinates are exact to ~1e-7 of the part size, far below
    the chordal deflection.
    """
    from OCP.BRepMesh import BRepMesh_IncrementalMesh
    from OCP.StlAPI import StlAPI_Writer

    if deflection is None:
        deflection = deflection_mm(shape)
    BRepMesh_IncrementalMesh(shape, deflection, False, tol.tessellation_angular_rad, False)
    writer = StlAPI_Writer()
    writer.ASCIIMode = False
    fd, path = tempfile.mkstemp(suffix=".stl")
    os.close(fd)
    try:
        ok = writer.Write(shape, path)
        with open(path, "rb") as fh:
            raw = fh.read()
    finally:
        os.unlink(path)
    triangles = _binary_stl_triangles(raw) if ok else np.empty((0, 3, 3))
    if len(triangles) == 0:
        raise GeometryError("the solid could not be tessellated: export it again as STEP AP214 or AP242")
    return weld(triangles)


_STL_RECORD = np.dtype([("normal", "<f4", 3), ("vertices", "<f4", (3, 3)), ("attr", "<u2")])


def _binary_stl_triangles(raw: bytes) -> np.ndarray:
    """(m, 3, 3) float32 corners of a binary STL."""
    if len(raw) < 84:
        return np.empty((0, 3, 3), dtype=np.float32)
    count = int(np.frombuffer(raw, dtype="<u4", count=1, offset=80)[0])
    count = min(count, (len(raw) - 84) // _STL_RECORD.itemsize)
    return np.frombuffer(raw, dtype=_STL_RECORD, count=count, offset=84)["vertices"]


def weld(triangles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (n, 3) float64 and faces (m, 3) int64 from (m, 3, 3) corners; identical corners shared.

    Corners come from shared B-rep edge nodes, so equal points are bit-identical;
    triangles that collapse after welding are dropped.
    """
    corners = np.ascontiguousarray(triangles, dtype=np.float32).reshape(-1, 3)
    keys = corners.view(np.dtype((np.void, corners.dtype.itemsize * 3))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    faces = inverse.reshape(-1, 3).astype(np.int64)
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    return corners[first].astype(np.float64), faces[keep]


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
