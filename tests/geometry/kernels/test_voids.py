"""Closed inner voids of meshes (``geometry.kernels.shells``): the kernel against a numpy twin and closed
forms (meshes measured end to end: tests/geometry/test_voids_meshes.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from geometry.kernels.shells import INSIDE_WINDING, mesh_shells


def naive_winding(vertices: np.ndarray, faces: np.ndarray, point: np.ndarray) -> float:
    """Generalised winding number of ``point`` (van Oosterom & Strackee solid angles / 4 pi), in numpy."""
    a, b, c = (vertices[faces[:, k]] - point for k in range(3))
    la, lb, lc = (np.linalg.norm(x, axis=1) for x in (a, b, c))
    det = np.einsum("ij,ij->i", a, np.cross(b, c))
    den = la * lb * lc + np.einsum("ij,ij->i", a, b) * lc + np.einsum("ij,ij->i", a, c) * lb \
        + np.einsum("ij,ij->i", b, c) * la
    return float(np.sum(2.0 * np.arctan2(det, den)) / (4.0 * math.pi))


def naive_depth(vertices: np.ndarray, faces: np.ndarray) -> list[int]:
    """Per component (trimesh's face components, in order of first face): shells holding one of its vertices."""
    mesh = trimesh.Trimesh(vertices, faces, process=False)
    parts = trimesh.graph.connected_components(mesh.face_adjacency, nodes=np.arange(len(faces)))
    parts = sorted(parts, key=min)
    depth = []
    for i, own in enumerate(parts):
        point = vertices[faces[own[0], 0]]
        depth.append(sum(abs(naive_winding(vertices, faces[other], point)) > INSIDE_WINDING
                         for j, other in enumerate(parts) if j != i))
    return depth


def _mesh(*meshes: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    m = trimesh.util.concatenate(meshes)
    return np.asarray(m.vertices, dtype=np.float64), np.asarray(m.faces, dtype=np.int64)


def _sphere(radius: float, centre=(0.0, 0.0, 0.0), inward: bool = False) -> trimesh.Trimesh:
    s = trimesh.creation.icosphere(3, radius=radius)
    s.apply_translation(centre)
    if inward:
        s.invert()
    return s


def _box(size: float, centre=(0.0, 0.0, 0.0), inward: bool = False) -> trimesh.Trimesh:
    b = trimesh.creation.box((size, size, size))
    b.apply_translation(centre)
    if inward:
        b.invert()
    return b


CASES = {
    "hollow sphere": ((_sphere(20), _sphere(12, inward=True)), 1),
    "hollow sphere, cavity wound outward": ((_sphere(20), _sphere(12)), 1),
    "two cavities": ((_box(60), _sphere(8, (-15, 0, 0), True), _sphere(8, (15, 0, 0), True)), 2),
    "ball in a cavity": ((_sphere(30), _sphere(20, inward=True), _sphere(10)), 1),
    "two disjoint boxes": ((_box(10), _box(10, (30, 0, 0))), 0),
    "two touching boxes": ((_box(10), _box(10, (10, 0, 0))), 0),
    "box beside a sphere, boxes overlapping": ((_box(20), _sphere(5, (40, 0, 0)), _box(20, (50, 0, 0))), 0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_voids_match_the_numpy_twin(name: str) -> None:
    meshes, voids = CASES[name]
    vertices, faces = _mesh(*meshes)
    shells = mesh_shells(vertices, faces)
    assert shells.count == len(meshes)
    assert shells.voids == voids
    assert list(shells.depth) == naive_depth(vertices, faces)


def test_void_volume_and_orientation_closed_form() -> None:
    outer, inner = _sphere(20), _sphere(12, inward=True)
    shells = mesh_shells(*_mesh(outer, inner))
    assert shells.void_volume_mm3 == pytest.approx(inner.volume * -1, rel=1e-9)
    assert shells.void_volume_mm3 == pytest.approx(4 / 3 * math.pi * 12**3, rel=0.02)
    assert shells.signed_volume_mm3[0] > 0 > shells.signed_volume_mm3[1]
    assert shells.void_shells == (1,)


def test_rigid_motion_and_winding_leave_voids_unchanged() -> None:
    vertices, faces = _mesh(_box(60), _box(20, (5, 5, 5), inward=True))
    rotation = trimesh.transformations.random_rotation_matrix(np.random.default_rng(7).random(3))[:3, :3]
    moved = vertices @ rotation.T + np.array([100.0, -40.0, 7.0])
    for v, f in ((vertices, faces), (moved, faces), (vertices, faces[:, ::-1].copy())):
        shells = mesh_shells(v, f)
        assert (shells.count, shells.voids) == (2, 1)
        assert shells.void_volume_mm3 == pytest.approx(8000.0, rel=1e-9)


@pytest.mark.parametrize("inward", [True, False])
def test_solid_volume_takes_the_cavity_out_however_it_is_wound(inward: bool) -> None:
    outer, inner = _sphere(20), _sphere(12, inward=inward)
    shells = mesh_shells(*_mesh(outer, inner))
    assert shells.solid_volume_mm3 == pytest.approx(outer.volume - abs(inner.volume), rel=1e-9)


def test_one_shell_has_no_void() -> None:
    shells = mesh_shells(*_mesh(_sphere(10)))
    assert (shells.count, shells.voids, shells.void_volume_mm3) == (1, 0, 0.0)


def test_void_centre_is_the_largest_cavity() -> None:
    shells = mesh_shells(*_mesh(_box(60), _sphere(8, (-15, 0, 0), True), _sphere(5, (15, 5, 0), True)))
    assert shells.voids == 2
    assert shells.void_centre_mm == pytest.approx((-15.0, 0.0, 0.0), abs=1e-9)
    assert mesh_shells(*_mesh(_box(10), _box(10, (30, 0, 0)))).void_centre_mm is None
