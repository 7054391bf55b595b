"""Mesh health: closed and consistently wound, bodies, degenerate faces."""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from geometry.errors import InputError
from geometry.kernels._config import jit, jit_parallel, n_chunks, serial_for_small
from geometry.kernels._validate import as_faces, as_points
from geometry.kernels.union_find import find, link
from geometry.tolerances import tol


@dataclass(frozen=True)
class MeshHealth:
    triangles: int
    vertices: int
    #: every edge in exactly two faces, traversed in opposite directions
    watertight: bool
    #: edges used by one face only
    open_edges: int
    #: edges used by more than two faces
    nonmanifold_edges: int
    #: edges shared by two faces that traverse it the same way (a flipped neighbour)
    inconsistent_edges: int
    #: every edge used as often in one direction as in the other: a closed, consistently wound
    #: surface, possibly with non-manifold edges (two bodies touching along an edge), which
    #: encloses a well-defined volume and which slicers print
    closed: bool
    #: connected components (faces sharing a vertex are connected)
    bodies: int
    #: faces with less than ``tol.degenerate_area_mm2`` of area or a repeated vertex
    degenerate_faces: int


@serial_for_small("faces")
def mesh_health(vertices: np.ndarray, faces: np.ndarray) -> MeshHealth:
    """Health of a triangle mesh.

    vertices : (n, 3) float64 [mm], merged; faces : (m, 3) int64 indices into vertices.
    """
    v = as_points(vertices)
    f = as_faces(faces, v.shape[0])
    nv = v.shape[0]
    if nv >= 3_000_000_000:
        raise InputError(f"too many vertices ({nv}) for the edge encoding")
    keys = np.sort(_edge_keys_kernel(f, nv))
    open_edges, nonmanifold, inconsistent, unbalanced = _edge_count_kernel(keys)
    bodies = _bodies_kernel(f, nv)
    degenerate = _degenerate_kernel(v, f, tol.degenerate_area_mm2, n_chunks(f.shape[0]))
    return MeshHealth(
        triangles=int(f.shape[0]),
        vertices=int(nv),
        watertight=open_edges == 0 and nonmanifold == 0 and inconsistent == 0,
        open_edges=int(open_edges),
        nonmanifold_edges=int(nonmanifold),
        inconsistent_edges=int(inconsistent),
        closed=open_edges == 0 and inconsistent == 0 and unbalanced == 0,
        bodies=int(bodies),
        degenerate_faces=int(degenerate),
    )


@jit_parallel
def _edge_keys_kernel(faces: np.ndarray, nv: int) -> np.ndarray:
    """(3m,) int64: (lo * nv + hi) * 2 + (1 if the face runs lo -> hi) for every face edge."""
    m = faces.shape[0]
    keys = np.empty(3 * m, dtype=np.int64)
    for i in numba.prange(m):
        for k in range(3):
            a = faces[i, k]
            b = faces[i, (k + 1) % 3]
            if a < b:
                keys[3 * i + k] = (a * nv + b) * 2 + 1
            else:
                keys[3 * i + k] = (b * nv + a) * 2
    return keys


@jit
def _edge_count_kernel(keys: np.ndarray) -> tuple[int, int, int, int]:
    """From sorted edge keys: (open edges, non-manifold edges, inconsistently wound edges, non-manifold
    edges not used as often in each direction)."""
    n = keys.shape[0]
    open_edges = 0
    nonmanifold = 0
    inconsistent = 0
    unbalanced = 0
    i = 0
    while i < n:
        j = i
        forward = 0
        while j < n and (keys[j] >> 1) == (keys[i] >> 1):
            forward += keys[j] & 1
            j += 1
        run = j - i
        if run == 1:
            open_edges += 1
        elif run > 2:
            nonmanifold += 1
            if 2 * forward != run:
                unbalanced += 1
        elif forward != 1:
            inconsistent += 1
        i = j
    return open_edges, nonmanifold, inconsistent, unbalanced


@jit
def _bodies_kernel(faces: np.ndarray, nv: int) -> int:
    """Connected components of the used vertices (union-find)."""
    parent = np.arange(nv)
    used = np.zeros(nv, dtype=np.bool_)
    for i in range(faces.shape[0]):
        a = find(parent, faces[i, 0])
        for k in range(3):
            used[faces[i, k]] = True
        for k in range(1, 3):
            a = link(parent, a, find(parent, faces[i, k]))
    bodies = 0
    for x in range(nv):
        if used[x] and find(parent, x) == x:
            bodies += 1
    return bodies


@jit_parallel
def _degenerate_kernel(vertices: np.ndarray, faces: np.ndarray, min_area: float, nchunk: int) -> int:
    """Faces with area under ``min_area`` [mm2] or a repeated vertex index."""
    m = faces.shape[0]
    counts = np.zeros(nchunk, dtype=np.int64)
    for c in numba.prange(nchunk):
        k = 0
        for i in range(c * m // nchunk, (c + 1) * m // nchunk):
            a = faces[i, 0]
            b = faces[i, 1]
            d = faces[i, 2]
            if a == b or b == d or a == d:
                k += 1
                continue
            e1x = vertices[b, 0] - vertices[a, 0]
            e1y = vertices[b, 1] - vertices[a, 1]
            e1z = vertices[b, 2] - vertices[a, 2]
            e2x = vertices[d, 0] - vertices[a, 0]
            e2y = vertices[d, 1] - vertices[a, 1]
            e2z = vertices[d, 2] - vertices[a, 2]
            nx = e1y * e2z - e1z * e2y
            ny = e1z * e2x - e1x * e2z
            nz = e1x * e2y - e1y * e2x
            if 0.5 * np.sqrt(nx * nx + ny * ny + nz * nz) < min_area:
                k += 1
        counts[c] = k
    return int(counts.sum())
