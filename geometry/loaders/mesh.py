"""Mesh files (STL, 3MF, OBJ, PLY) through trimesh, returned as plain arrays."""

from __future__ import annotations

import io
import logging

import numpy as np

from geometry.errors import CorruptFileError, EmptyFileError, GeometryError
from geometry.features import FileFormat
from geometry.units import LengthUnit

log = logging.getLogger(__name__)

_TRIMESH_TYPES = {
    FileFormat.STL: "stl",
    FileFormat.THREE_MF: "3mf",
    FileFormat.OBJ: "obj",
    FileFormat.PLY: "ply",
}


def read_mesh(data: bytes, fmt: FileFormat, filename: str) -> tuple[np.ndarray, np.ndarray, LengthUnit | None]:
    """Vertices (n, 3) float64 in the file's unit, faces (m, 3) int64, and the unit the file declares.

    Only 3MF declares a unit; STL, OBJ and PLY carry none (None).
    """
    import trimesh  # heavy import, only when a mesh is loaded

    try:
        loaded = trimesh.load(
            io.BytesIO(data), file_type=_TRIMESH_TYPES[fmt], force="mesh", process=True
        )
    except Exception as err:  # trimesh raises many types for broken input
        raise CorruptFileError(
            f"{filename}: cannot read this {fmt.value.upper()} file ({type(err).__name__}: {err}); "
            "export it again from your CAD program",
            file=filename,
        ) from err
    if not isinstance(loaded, trimesh.Trimesh):
        raise GeometryError(
            f"{filename}: the file holds no triangles (a point cloud or wireframe?): export a solid body",
            file=filename,
        )
    faces = np.asarray(loaded.faces, dtype=np.int64)
    vertices = np.asarray(loaded.vertices, dtype=np.float64)
    if len(faces) == 0 or len(vertices) < 3:
        raise EmptyFileError(
            f"{filename}: the file holds no triangles: export the part as a closed solid mesh",
            file=filename,
        )
    if not np.all(np.isfinite(vertices)):
        raise CorruptFileError(f"{filename}: the file has non-finite vertex coordinates", file=filename)
    unit = None
    declared = loaded.units or loaded.metadata.get("units")
    if fmt is FileFormat.THREE_MF and declared:
        try:
            unit = LengthUnit.parse(str(declared))
        except ValueError:
            log.warning("3MF file %s declares an unknown unit %r", filename, declared)
    return vertices, faces, unit
