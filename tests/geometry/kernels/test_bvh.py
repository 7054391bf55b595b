"""build_bvh and raycast against brute force."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from geometry.errors import InputError
from geometry.kernels import build_bvh, raycast
from tests.geometry.kernels import naive
from tests.geometry.kernels.shapes import box_mesh, t_slot, tri


def _rays(n: int, seed: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    o = rng.normal(size=(n, 3))
    o *= radius / np.linalg.norm(o, axis=1)[:, None]
    d = -o + rng.normal(size=o.shape) * radius * 0.4
    return o, d


@pytest.mark.parametrize(
    "mesh",
    [
        pytest.param(lambda: trimesh.creation.icosphere(2).triangles, id="sphere"),
        pytest.param(lambda: tri(*t_slot()) - 15.0, id="t_slot"),
        pytest.param(lambda: trimesh.creation.torus(3.0, 1.0, 16, 12).triangles, id="torus"),
    ],
)
def test_first_hit_matches_brute_force(mesh) -> None:
    t = np.ascontiguousarray(mesh())
    o, d = _rays(60, seed=1, radius=3 * np.abs(t).max())
    got = raycast(build_bvh(t), o, d)
    dist, hit = naive.raycast(t, o, d)
    np.testing.assert_allclose(got.distance_mm, dist, rtol=1e-9)
    assert np.array_equal(np.isinf(got.distance_mm), got.triangle < 0)
    # where two triangles tie (a ray through a shared edge) either id is right: check the distance to it
    ok = hit >= 0
    again = np.array([naive.ray_triangle(o[i], d[i] / np.linalg.norm(d[i]), t[[got.triangle[i]]])[0] for i in np.flatnonzero(ok)])
    np.testing.assert_allclose(again, dist[ok], rtol=1e-9)


def test_rays_from_inside_a_box_hit_the_walls() -> None:
    t = tri(*box_mesh((2.0, 4.0, 6.0)))
    dirs = np.array([[1.0, 0, 0], [-1.0, 0, 0], [0, 1.0, 0], [0, -1.0, 0], [0, 0, 1.0], [0, 0, -1.0], [0, 0, 3.0]])
    got = raycast(build_bvh(t), np.zeros((7, 3)), dirs)
    np.testing.assert_allclose(got.distance_mm, [1, 1, 2, 2, 3, 3, 3])


def test_miss_is_inf_and_minus_one() -> None:
    got = raycast(build_bvh(tri(*box_mesh((1.0, 1.0, 1.0)))), np.array([[5.0, 5.0, 5.0]]), np.array([[1.0, 0, 0]]))
    assert got.distance_mm[0] == np.inf and got.triangle[0] == -1


def test_many_equal_centroids_still_build() -> None:
    t = np.repeat(tri(*box_mesh((1.0, 1.0, 1.0))), 20, axis=0)
    bvh = build_bvh(t)
    assert bvh.n_triangles == 240
    got = raycast(bvh, np.array([[0.0, 0.0, 5.0]]), np.array([[0.0, 0.0, -1.0]]))
    assert got.distance_mm[0] == pytest.approx(4.5)


def test_every_triangle_is_in_exactly_one_leaf() -> None:
    t = trimesh.creation.icosphere(3).triangles
    bvh = build_bvh(t)
    leaves = bvh.left < 0
    assert bvh.count[leaves].sum() == len(t)
    assert np.array_equal(np.sort(bvh.order), np.arange(len(t)))
    # children after parents, boxes nested
    inner = np.flatnonzero(~leaves)
    assert np.all(bvh.left[inner] > inner) and np.all(bvh.right[inner] > inner)
    for child in (bvh.left[inner], bvh.right[inner]):
        assert np.all(bvh.bounds[child, :3] >= bvh.bounds[inner, :3])
        assert np.all(bvh.bounds[child, 3:] <= bvh.bounds[inner, 3:])


def test_rejects_mismatched_rays() -> None:
    bvh = build_bvh(tri(*box_mesh((1.0, 1.0, 1.0))))
    with pytest.raises(InputError, match="differ in shape"):
        raycast(bvh, np.zeros((2, 3)), np.ones((3, 3)))
    with pytest.raises(InputError, match="zero vector"):
        raycast(bvh, np.zeros((1, 3)), np.zeros((1, 3)))
