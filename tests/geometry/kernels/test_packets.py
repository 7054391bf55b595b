"""Ray packets (``kernels.packets``) against the one-ray tracer: the same answer for every ray.

Called from Python, the packet functions compile on their own, without the fast-math contraction of the
kernels they are inlined into: distances agree to rounding (the kernels' own results are compared bit for
bit in ``test_rays`` and on the corpus); hits and misses exactly."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import trimesh

from geometry.kernels import build_bvh, raycast
from geometry.kernels.bvh import BVH
from geometry.kernels.cones import normal_cones
from geometry.kernels.packets import PACKET_RAYS, axis_of, lanes, load_lane, trace_packet
from geometry.tolerances import tol
from tests.geometry.kernels.shapes import t_slot, tri


def _meshes() -> dict[str, np.ndarray]:
    return {
        "sphere": np.ascontiguousarray(trimesh.creation.icosphere(2).triangles),
        "t_slot": np.ascontiguousarray(tri(*t_slot()) - 15.0),
        "torus": np.ascontiguousarray(trimesh.creation.torus(3.0, 1.0, 16, 12).triangles),
    }


def _rays(n: int, seed: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    o = rng.normal(size=(n, 3))
    o *= radius / np.linalg.norm(o, axis=1)[:, None]
    d = -o + rng.normal(size=o.shape) * radius * 0.4
    return o, d / np.linalg.norm(d, axis=1)[:, None]


def _packets(tree: BVH, o: np.ndarray, d: np.ndarray, size: int, *, idle: np.ndarray | None = None,
             any_hit: bool = False, cull: bool = False, cones: np.ndarray | None = None,
             skip: np.ndarray | None = None, tmin: float = 0.0, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Every ray through ``trace_packet``, ``size`` rays a packet: (distance or inf, BVH-order triangle or -1)."""
    dist = np.full(len(o), np.inf)
    hit = np.full(len(o), -1)
    cones = np.empty((0, 4)) if cones is None else cones
    for p0 in range(0, len(o), size):
        ray, best, best_id, skip_ids, flags, t_out, stack = lanes()
        nl = min(size, len(o) - p0)
        for r in range(nl):
            i = p0 + r
            tmax = -1.0 if idle is not None and idle[i] else np.inf
            load_lane(ray, best, best_id, skip_ids, r, *o[i], *d[i], tmax, -1 if skip is None else int(skip[i]))
        trace_packet(tree.bounds, tree.left, tree.start, tree.count, tree.tri9, cones, ray, best, best_id,
                     skip_ids, flags, t_out, stack, nl, tmin, cull, any_hit, axis)
        for r in range(nl):
            if best_id[r] >= 0:
                dist[p0 + r] = best[r]
                hit[p0 + r] = best_id[r]
    return dist, hit


def _same_distances(got: np.ndarray, want: np.ndarray) -> None:
    assert np.array_equal(np.isinf(got), np.isinf(want))
    np.testing.assert_allclose(got[np.isfinite(got)], want[np.isfinite(want)], rtol=1e-12)


@pytest.mark.parametrize("name", ["sphere", "t_slot", "torus"])
@pytest.mark.parametrize("size", [1, 5, PACKET_RAYS])
def test_first_hits_match_the_one_ray_tracer(name: str, size: int) -> None:
    t = _meshes()[name]
    tree = build_bvh(t)
    o, d = _rays(200, 1, 20.0)
    want = raycast(tree, o, d)
    dist, hit = _packets(tree, o, d, size)
    _same_distances(dist, want.distance_mm)
    # ties aside (none here), the same triangle, given in BVH order
    assert np.array_equal(np.where(hit >= 0, tree.order[np.maximum(hit, 0)], -1), want.triangle)


def test_idle_slots_hit_nothing_and_change_no_other_ray() -> None:
    tree = build_bvh(_meshes()["torus"])
    o, d = _rays(64, 2, 20.0)
    idle = np.arange(64) % 3 == 0
    dist, hit = _packets(tree, o, d, PACKET_RAYS, idle=idle)
    want = raycast(tree, o, d).distance_mm
    assert np.all(np.isinf(dist[idle])) and np.all(hit[idle] == -1)
    _same_distances(dist[~idle], want[~idle])


@pytest.mark.parametrize("name", ["sphere", "t_slot", "torus"])
def test_occlusion_matches_first_hits(name: str) -> None:
    tree = build_bvh(_meshes()[name])
    o, d = _rays(200, 3, 20.0)
    _, hit = _packets(tree, o, d, PACKET_RAYS, any_hit=True)
    assert np.array_equal(hit >= 0, np.isfinite(raycast(tree, o, d).distance_mm))


@pytest.mark.parametrize("name", ["sphere", "t_slot", "torus"])
def test_cones_skip_only_what_culling_would(name: str) -> None:
    """Exit-face rays from each triangle inwards (wall thickness): the same with and without normal cones."""
    t = _meshes()[name]
    tree = build_bvh(t)
    t9 = tree.tri9
    normal = np.cross(t9[:, 3:6], t9[:, 6:9])
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    centroid = t9[:, :3] + (t9[:, 3:6] + t9[:, 6:9]) / 3.0
    skip = np.arange(len(t9))
    tmin = tol.ray_start_rel * tree.diagonal_mm
    cones = normal_cones(tree, tol.normal_cone_slack)
    with_cones = _packets(tree, centroid, -normal, PACKET_RAYS, cull=True, cones=cones, skip=skip, tmin=tmin)
    without = _packets(tree, centroid, -normal, PACKET_RAYS, cull=True, skip=skip, tmin=tmin)
    _same_distances(with_cones[0], without[0])
    assert np.isfinite(with_cones[0]).all()  # closed meshes: every wall has an opposite side


@pytest.mark.parametrize("name", ["sphere", "t_slot", "torus"])
@pytest.mark.parametrize("any_hit", [False, True])
def test_axis_rays_take_the_column_test_with_the_same_answers(name: str, any_hit: bool) -> None:
    """Packets along one coordinate axis (accessibility, support drops) test boxes as the ray's column."""
    tree = build_bvh(_meshes()[name])
    o, _ = _rays(96, 4, 6.0)
    o[:8] = np.round(o[:8])  # some origins on the grid of the t-slot's faces and edges
    for k in range(3):
        for sign in (1.0, -1.0):
            _axis_rays_agree(tree, o, k, sign, any_hit)


def _axis_rays_agree(tree: BVH, o: np.ndarray, k: int, sign: float, any_hit: bool) -> None:
    """Rays from ``o`` along axis ``k`` (``sign``), in packets, against the one-ray tracer."""
    d = np.zeros_like(o)
    d[:, k] = sign
    assert axis_of(*d[0]) == k
    want = raycast(tree, o, d).distance_mm
    got, hit = _packets(tree, o, d, PACKET_RAYS, any_hit=any_hit, axis=k)
    if any_hit:
        assert np.array_equal(hit >= 0, np.isfinite(want))
    else:
        _same_distances(got, want)


@pytest.mark.parametrize("name", ["t_slot", "torus"])
@pytest.mark.parametrize("any_hit", [False, True])
def test_axis_rays_through_vertices_and_edges_pass_no_triangle_over(name: str, any_hit: bool) -> None:
    """Axis rays that graze triangles' corners and edges, or pass a hair outside them (within the slack the
    Moller-Trumbore test allows; their columns on the edges of the triangles' boxes, where ``_column_misses``
    decides) get the one-ray tracer's answers."""
    triangles = _meshes()[name]
    tree = build_bvh(triangles)
    corners = triangles.reshape(-1, 3)
    mids = (triangles + np.roll(triangles, 1, axis=1)).reshape(-1, 3) / 2.0
    exact = np.concatenate([corners, mids])
    step = 3.0 * tol.barycentric_slack_rel / 10.0  # inside the slack the test allows outside a triangle
    points = np.unique(np.concatenate([exact, exact + step, exact - step]), axis=0)
    for k, sign, back in itertools.product(range(3), (1.0, -1.0), (40.0, 1e-3)):
        o = points.copy()
        o[:, k] -= sign * back  # from outside the part, or from just behind its own corners and edges
        _axis_rays_agree(tree, o, k, sign, any_hit)


def test_axis_of_names_only_coordinate_axes() -> None:
    assert [axis_of(1.0, 0.0, 0.0), axis_of(0.0, -1.0, -0.0), axis_of(0.0, 0.0, 1.0)] == [0, 1, 2]
    assert axis_of(0.6, 0.8, 0.0) == -1 and axis_of(1.0, 1e-300, 0.0) == -1
