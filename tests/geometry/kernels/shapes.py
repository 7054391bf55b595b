"""Meshes with known answers: boxes, voxel solids (L block, T-slot), a hollow box."""

from __future__ import annotations

import numpy as np


def box_mesh(dims: tuple[float, float, float], center: tuple[float, float, float] = (0.0, 0.0, 0.0)):
    """Vertices (8, 3) [mm] and outward faces (12, 3) of an axis-aligned box."""
    occ = np.ones((1, 1, 1), dtype=bool)
    v, f = voxel_mesh(occ, 1.0)
    v = (v - 0.5) * np.asarray(dims, dtype=np.float64) + np.asarray(center, dtype=np.float64)
    return v, f


def voxel_mesh(occ: np.ndarray, pitch: float = 1.0):
    """Closed outward-wound surface of the occupied cells of ``occ`` (nx, ny, nz) bool, cell size ``pitch`` [mm].

    Vertices are shared (lattice points), so a face-connected solid gives a watertight mesh.
    """
    padded = np.pad(occ, 1)
    quads = []
    for axis in range(3):
        b, c = (axis + 1) % 3, (axis + 2) % 3
        for sign in (1, -1):
            neighbour = np.roll(padded, -sign, axis=axis)
            cells = np.argwhere(padded & ~neighbour) - 1
            for cell in cells:
                base = cell.astype(np.int64).copy()
                if sign > 0:
                    base[axis] += 1
                corners = []
                for db, dc in ((0, 0), (1, 0), (1, 1), (0, 1)):
                    p = base.copy()
                    p[b] += db
                    p[c] += dc
                    corners.append(p)
                if sign < 0:
                    corners = corners[::-1]
                quads.append(corners)
    q = np.asarray(quads, dtype=np.int64)  # (k, 4, 3) lattice points
    lattice, inverse = np.unique(q.reshape(-1, 3), axis=0, return_inverse=True)
    idx = inverse.reshape(-1, 4)
    faces = np.concatenate([idx[:, [0, 1, 2]], idx[:, [0, 2, 3]]])
    return lattice.astype(np.float64) * pitch, faces


def hollow_box(outer: float = 30.0, wall: float = 2.0):
    """A closed cube of side ``outer`` [mm] with a closed cubic void: walls ``wall`` [mm] thick (two shells)."""
    vo, fo = box_mesh((outer,) * 3)
    vi, fi = box_mesh((outer - 2 * wall,) * 3)
    return np.concatenate([vo, vi]), np.concatenate([fo, fi[:, ::-1] + len(vo)])


def l_block():
    """An L-shaped block (extruded L profile), 3 x 2 x 3 cells of 10 mm: one step."""
    occ = np.zeros((3, 2, 3), dtype=bool)
    occ[:, :, 0] = True
    occ[0, :, :] = True
    return voxel_mesh(occ, 10.0)


def t_slot():
    """A block with a blind T-slot: a narrow neck open at the top over a wider closed channel.

    The underside of the neck's lips is seen from no axis direction.
    Cells of 5 mm: 7 x 5 x 5; channel x 1..5, y 1..3, z 1..2; neck x 3, y 1..3, z 3..4.
    """
    occ = np.ones((7, 5, 5), dtype=bool)
    occ[1:6, 1:4, 1:3] = False
    occ[3, 1:4, 3:5] = False
    return voxel_mesh(occ, 5.0)


def tri(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(m, 3, 3) float64 triangles."""
    return np.ascontiguousarray(vertices[faces], dtype=np.float64)


def hypothesis_settings():
    """Settings for kernel property tests: no deadline (a first call may compile), few examples without JIT."""
    import os

    from hypothesis import HealthCheck, settings

    return settings(
        deadline=None,
        max_examples=6 if os.environ.get("NUMBA_DISABLE_JIT") == "1" else 25,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
