"""Input checks shared by the public kernel wrappers: shapes, dtypes, finiteness."""

from __future__ import annotations

from typing import Any

import numpy as np

from geometry.errors import GeometryError, InputError


def as_triangles(triangles: Any, allow_float32: bool = False, finite: bool = True) -> np.ndarray:
    """``triangles`` as a C-contiguous (n, 3, 3) float64 array (float32 kept if allowed), n >= 1, finite.

    No copy when the input already is one. ``finite=False`` leaves the finiteness check to a kernel
    that detects it in its own pass (a full extra read of the array otherwise) and calls ``check_finite``.
    """
    arr = np.asarray(triangles)
    if arr.ndim != 3 or arr.shape[1:] != (3, 3):
        raise InputError(f"triangles must have shape (n, 3, 3), got {arr.shape}", shape=arr.shape)
    if arr.shape[0] == 0:
        raise GeometryError("the mesh has no triangles: export the part as a closed solid mesh")
    keep = arr.dtype == np.float64 or (allow_float32 and arr.dtype == np.float32)
    arr = np.ascontiguousarray(arr if keep else arr.astype(np.float64))
    if finite:
        check_finite(arr, "triangle coordinates")
    return arr


def as_points(points: Any, min_count: int = 1) -> np.ndarray:
    """``points`` as a C-contiguous (n, 3) float64 array, n >= ``min_count``, finite."""
    arr = np.ascontiguousarray(np.asarray(points, dtype=np.float64))
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise InputError(f"points must have shape (n, 3), got {arr.shape}", shape=arr.shape)
    if arr.shape[0] < min_count:
        raise GeometryError(f"need at least {min_count} points, got {arr.shape[0]}", count=arr.shape[0])
    check_finite(arr, "point coordinates")
    return arr


def as_directions(directions: Any, count: int | None = None) -> np.ndarray:
    """Unit vectors: (n, 3) float64, normalised; a zero vector is an error."""
    arr = as_points(directions, min_count=0)
    if count is not None and arr.shape[0] != count:
        raise InputError(f"need {count} directions, got {arr.shape[0]}", count=arr.shape[0])
    norm = np.linalg.norm(arr, axis=1)
    if np.any(norm == 0):
        raise InputError("a direction is the zero vector")
    return np.ascontiguousarray(arr / norm[:, None])


def as_faces(faces: Any, n_vertices: int) -> np.ndarray:
    """``faces`` as a C-contiguous (m, 3) int64 array with indices in [0, n_vertices)."""
    arr = np.asarray(faces)
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise InputError(f"faces must have shape (m, 3), got {arr.shape}", shape=arr.shape)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise InputError(f"faces must be integer indices, got {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    if arr.shape[0] == 0:
        raise GeometryError("the mesh has no triangles: export the part as a closed solid mesh")
    if arr.min() < 0 or arr.max() >= n_vertices:
        raise InputError(f"face indices out of range [0, {n_vertices})", n_vertices=n_vertices)
    return arr


def check_finite(arr: np.ndarray, what: str) -> None:
    """Raise ``GeometryError`` (with the count) when an element of ``arr`` is nan or inf."""
    if not np.isfinite(arr).all():
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise GeometryError(f"{bad} {what} are not finite (nan or inf): export the part again", count=bad)
