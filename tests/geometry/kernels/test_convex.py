"""A big convex closed mesh is its own convex hull (no Qhull); every other mesh gets Qhull's hull as before."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from geometry.kernels import convex
from geometry.kernels.convex import mesh_convex_hull
from geometry.kernels.hull import convex_hull_volume
from geometry.kernels.obb import HULL_SAMPLE_POINTS
from geometry.tolerances import tol
from tests.geometry.kernels import naive


def _arrays(mesh: trimesh.Trimesh) -> tuple[np.ndarray, np.ndarray]:
    return np.array(mesh.vertices, dtype=np.float64), np.array(mesh.faces, dtype=np.int64)


@pytest.fixture(scope="module")
def sphere() -> tuple[np.ndarray, np.ndarray]:
    v, f = _arrays(trimesh.creation.icosphere(subdivisions=6, radius=50.0))
    assert len(v) > 2 * HULL_SAMPLE_POINTS
    return v, f


def test_a_big_convex_mesh_is_its_own_hull(sphere: tuple[np.ndarray, np.ndarray]) -> None:
    v, f = sphere
    own, qhull = mesh_convex_hull(v, f), convex_hull_volume(v)
    assert own.simplices.shape == f.shape and len(own.points) == len(v)  # the mesh itself, not Qhull's
    # exact but for the slack: the hull exceeds the mesh by at most area x slack
    bound = own.area_mm2 * tol.convex_slack_rel * float(np.linalg.norm(np.ptp(v, axis=0)))
    assert abs(own.volume_mm3 - qhull.volume_mm3) <= bound + 1e-12 * qhull.volume_mm3
    assert own.area_mm2 == pytest.approx(qhull.area_mm2, rel=1e-12)
    assert np.allclose(np.linalg.norm(own.normals, axis=1), 1.0)
    # neighbours in Qhull's order: the face opposite vertex j shares the other two vertices
    for face in range(0, len(f), 997):
        for j in range(3):
            shared = set(f[face]) - {f[face, j]}
            assert shared <= set(f[own.neighbors[face, j]])


def _same_as_qhull(v: np.ndarray, f: np.ndarray) -> None:
    got, want = mesh_convex_hull(v, f), convex_hull_volume(v)
    assert got.volume_mm3 == want.volume_mm3 and np.array_equal(got.points, want.points)


def test_two_spheres_are_not_their_hull(sphere: tuple[np.ndarray, np.ndarray]) -> None:
    v, f = sphere
    _same_as_qhull(np.concatenate([v, v + [200.0, 0, 0]]), np.concatenate([f, f + len(v)]))


def test_a_dented_sphere_gets_qhull(sphere: tuple[np.ndarray, np.ndarray]) -> None:
    v, f = sphere
    dented = v.copy()
    dented[12345] *= 0.99
    _same_as_qhull(dented, f)


def test_an_open_or_inconsistent_mesh_gets_qhull(sphere: tuple[np.ndarray, np.ndarray]) -> None:
    v, f = sphere
    _same_as_qhull(v, f[1:])
    flipped = f.copy()
    flipped[7] = flipped[7, ::-1]
    _same_as_qhull(v, flipped)


def test_a_small_or_non_convex_mesh_gets_qhull() -> None:
    _same_as_qhull(*_arrays(trimesh.creation.icosphere(subdivisions=3)))
    _same_as_qhull(*_arrays(trimesh.creation.torus(50, 10, major_sections=300, minor_sections=150)))


@pytest.mark.parametrize("name", ["sphere", "dented", "box", "torus", "open"])
def test_the_convexity_test_agrees_with_its_naive_twin(name: str) -> None:
    if name == "torus":
        v, f = _arrays(trimesh.creation.torus(10, 3, major_sections=24, minor_sections=12))
    elif name == "box":
        v, f = _arrays(trimesh.creation.box((10, 20, 30)).subdivide().subdivide())
    else:
        v, f = _arrays(trimesh.creation.icosphere(subdivisions=2, radius=5.0))
        if name == "dented":
            v[5] *= 0.9
        if name == "open":
            f = f[1:]
    slack_mm = tol.convex_slack_rel * float(np.linalg.norm(np.ptp(v, axis=0)))
    across = convex._across_edges(f, len(v))
    ok = across is not None and bool(convex._convex_kernel(v, f, across, slack_mm)[0])
    assert ok == naive.convex_closed_mesh(v, f, slack_mm)
    assert ok == (name in ("sphere", "box"))


def test_corners_are_counted_on_a_box_and_a_sphere() -> None:
    box_v, box_f = _arrays(trimesh.creation.box((10, 20, 30)).subdivide().subdivide())
    for (v, f), corners in (((box_v, box_f), 8), (_arrays(trimesh.creation.icosphere(subdivisions=2)), 162)):
        slack_mm = tol.convex_slack_rel * float(np.linalg.norm(np.ptp(v, axis=0)))
        across = convex._across_edges(f, len(v))
        assert across is not None
        normals = convex._convex_kernel(v, f, across, slack_mm)[3]
        assert convex._extreme_count(*convex._incidence_kernel(f, len(v)), normals) == corners
