"""Mesh files (STL, 3MF, OBJ, PLY), returned as plain arrays.

A binary STL (the usual export, and the big files) is read by numpy in place;
ASCII STL, 3MF, OBJ and PLY through trimesh, imported only for them.

Vertices closer than ``tol.merge_mm`` are merged by position (normals and
texture coordinates do not keep two copies of a point apart), so that shared
edges are shared. Files that
hold no triangles get a clear error: empty, a point cloud, or a wireframe.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any

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

#: formats whose files declare their length unit
_UNIT_FORMATS = (FileFormat.THREE_MF,)

_OBJ_LINE = re.compile(rb"^\s*l\s", re.MULTILINE)
_PLY_EDGES = re.compile(rb"^element\s+edge\s+([1-9][0-9]*)", re.MULTILINE)


def read_mesh(data: bytes, fmt: FileFormat, filename: str) -> tuple[np.ndarray, np.ndarray, LengthUnit | None]:
    """Vertices (n, 3) float64 in the file's unit, merged; faces (m, 3) int64; the unit the file declares.

    Only 3MF declares a unit; STL, OBJ and PLY carry none (None).
    Raises ``EmptyFileError`` (no geometry), ``GeometryError`` (points or lines
    but no triangles) or ``CorruptFileError`` (unreadable).
    """
    corners = binary_stl_corners(data) if fmt is FileFormat.STL else None
    if corners is not None:  # the common case, read here without importing trimesh
        return *_welded(corners, _soup_faces(len(corners)), filename), None
    import trimesh  # heavy import, only for the other formats (and ASCII STL)

    try:
        loaded = trimesh.load(io.BytesIO(data), file_type=_TRIMESH_TYPES[fmt], process=False)
        mesh = _as_trimesh(loaded, trimesh)
    except (GeometryError, EmptyFileError):
        raise
    except Exception as err:  # trimesh raises many types for broken input
        raise CorruptFileError(
            f"{filename}: cannot read this {fmt.value.upper()} file ({type(err).__name__}: {err}); "
            "export it again from your CAD program",
            file=filename,
        ) from err
    if mesh is None or len(mesh.faces) == 0:
        _raise_no_triangles(data, fmt, filename, loaded)
    assert mesh is not None
    vertices = np.asarray(mesh.vertices, dtype=np.float64)
    vertices, faces = _welded(vertices, np.asarray(mesh.faces, dtype=np.int64), filename)
    return vertices, faces, _declared_unit(loaded, fmt, filename)


#: a binary STL's layout after its 80-byte header and 4-byte triangle count: normal, three corners, attribute
_STL_RECORD = np.dtype([("normal", "<f4", (3,)), ("corners", "<f4", (3, 3)), ("attribute", "<u2")])
_STL_HEADER_BYTES = 84


def binary_stl_corners(data: bytes) -> np.ndarray | None:
    """(3 n, 3) float32 corners of a binary STL's n triangles in file order, or None when ``data`` is not one.

    A file is binary when its length is exactly the header plus the triangle count it declares times
    50 bytes (trimesh's test too, so both readers agree on every file); files that declare no triangle
    are left to trimesh, which words the empty-file error.
    """
    if len(data) < _STL_HEADER_BYTES:
        return None
    count = int.from_bytes(data[80:_STL_HEADER_BYTES], "little")
    if count == 0 or len(data) != _STL_HEADER_BYTES + count * _STL_RECORD.itemsize:
        return None
    records = np.frombuffer(data, dtype=_STL_RECORD, offset=_STL_HEADER_BYTES)
    return np.ascontiguousarray(records["corners"]).reshape(-1, 3)


def _soup_faces(n_corners: int) -> np.ndarray:
    """Faces (n / 3, 3) int64 of a triangle soup: each triangle its own three corners."""
    return np.arange(n_corners, dtype=np.int64).reshape(-1, 3)


def _welded(vertices: np.ndarray, faces: np.ndarray, filename: str) -> tuple[np.ndarray, np.ndarray]:
    """``merge_vertices`` of finite vertices; ``CorruptFileError`` or ``GeometryError`` when nothing is left."""
    if not np.all(np.isfinite(vertices)):
        raise CorruptFileError(
            f"{filename}: the file has non-finite vertex coordinates (nan or inf): export it again", file=filename
        )
    vertices, faces = merge_vertices(vertices, faces)
    if len(faces) == 0:
        raise GeometryError(
            f"{filename}: every triangle collapses to a line or a point: export the part as a closed solid mesh",
            file=filename,
        )
    return vertices, faces


def merge_vertices(vertices: np.ndarray, faces: np.ndarray, merge: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weld vertices closer than ``merge`` (default ``tol.merge_mm``, in the file's unit), drop unused
    vertices and triangles with a repeated vertex.

    vertices : (n, 3) float64 (or float32, welded as float64); faces : (m, 3) int64. Two passes on grids offset
    by half a cell, so two points on either side of a grid line still weld. The welded
    vertices keep the order (lexicographic in grid cells) and first occurrences of a
    row-wise ``np.unique``.
    """
    from geometry.kernels.weld import weld_points
    from geometry.tolerances import tol

    step = tol.merge_mm if merge is None else merge
    for shift in (0.0, 0.5):
        # the cells np.unique(np.floor(vertices / step + shift), axis=0) finds, hashed in O(n)
        first, inverse = weld_points(vertices, step, shift)
        vertices = vertices[first].astype(np.float64, copy=False)
        faces = inverse[faces]
    keep = (faces[:, 0] != faces[:, 1]) & (faces[:, 1] != faces[:, 2]) & (faces[:, 0] != faces[:, 2])
    faces = faces[keep]
    used = np.zeros(len(vertices), dtype=bool)
    used[faces.ravel()] = True
    remap = np.cumsum(used) - 1
    return np.ascontiguousarray(vertices[used]), np.ascontiguousarray(remap[faces], dtype=np.int64)


def _as_trimesh(loaded: Any, trimesh: Any) -> Any:
    """One ``Trimesh`` from whatever trimesh loaded (a scene is flattened), or None if it holds no triangles."""
    if isinstance(loaded, trimesh.Trimesh):
        return loaded
    if isinstance(loaded, trimesh.Scene):
        meshes = [g for g in loaded.geometry.values() if isinstance(g, trimesh.Trimesh) and len(g.faces)]
        if not meshes:
            return None
        return loaded.to_mesh()
    return None


def _raise_no_triangles(data: bytes, fmt: FileFormat, filename: str, loaded: Any) -> None:
    n_points = _count_points(loaded)
    head = data[:1_000_000]
    lines = (fmt is FileFormat.OBJ and _OBJ_LINE.search(head) is not None) or (
        fmt is FileFormat.PLY and _PLY_EDGES.search(head) is not None
    )
    if lines:
        raise GeometryError(
            f"{filename}: the file holds only lines (a wireframe), no triangles: export the part as a solid mesh",
            file=filename,
        )
    if n_points:
        raise GeometryError(
            f"{filename}: the file holds {n_points} points but no triangles (a point cloud): "
            "export the part as a solid mesh",
            file=filename,
            points=n_points,
        )
    raise EmptyFileError(
        f"{filename}: the file holds no triangles: export the part as a closed solid mesh", file=filename
    )


def _count_points(loaded: Any) -> int:
    try:
        if hasattr(loaded, "geometry") and isinstance(loaded.geometry, dict):
            return sum(len(getattr(g, "vertices", ())) for g in loaded.geometry.values())
        return len(getattr(loaded, "vertices", ()))
    except Exception:  # noqa: BLE001 - only used to word the error
        return 0


def _declared_unit(loaded: Any, fmt: FileFormat, filename: str) -> LengthUnit | None:
    if fmt not in _UNIT_FORMATS:
        return None
    declared = getattr(loaded, "units", None) or getattr(loaded, "metadata", {}).get("units")
    if not declared:
        return None
    try:
        return LengthUnit.parse(str(declared))
    except ValueError:
        log.warning("3MF file %s declares an unknown unit %r", filename, declared)
        return None
