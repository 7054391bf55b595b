"""Normal cones of BVH nodes: each holds its triangles' normals, and culling by them changes no thickness."""

from __future__ import annotations

import numpy as np
import pytest

from geometry.kernels import BVH, build_bvh
from geometry.kernels._common import frames_for
from geometry.kernels.cones import EMPTY, NEVER, cones_for, normal_cones
from geometry.kernels.thickness import _thickness_kernel
from geometry.tolerances import tol
from tests.geometry.kernels import shapes


def _meshes() -> list[np.ndarray]:
    import trimesh

    rng = np.random.default_rng(3)
    noisy = trimesh.creation.icosphere(subdivisions=3)
    noisy.vertices *= rng.uniform(0.6, 1.4, size=(len(noisy.vertices), 1))
    torus = trimesh.creation.torus(10.0, 2.0)
    return [np.asarray(noisy.triangles), np.asarray(torus.triangles), shapes.tri(*shapes.hollow_box()),
            shapes.tri(*shapes.t_slot())]


@pytest.mark.parametrize("index", range(4))
def test_every_normal_lies_in_its_nodes_cones(index: int) -> None:
    tri = np.ascontiguousarray(_meshes()[index])
    tree = build_bvh(tri)
    cones = normal_cones(tree, 0.0)
    if len(tri) > 1000:  # a fine mesh has narrow cones to test (a box's few leaves mix its sides: none)
        assert np.count_nonzero(cones[:, 3] < 1.0) > tree.n_nodes // 8
    normals = np.cross(tree.tri9[:, 3:6], tree.tri9[:, 6:9])
    length = np.linalg.norm(normals, axis=1)
    for node in range(tree.n_nodes):
        lo, hi = _range(tree, node)
        n = normals[lo:hi][length[lo:hi] > 0] / length[lo:hi][length[lo:hi] > 0, None]
        bound = cones[node, 3]
        if bound == NEVER:
            continue
        assert bound != EMPTY or len(n) == 0
        if len(n):  # angle to the axis at most theta, i.e. n . a >= cos(theta) = sqrt(1 - sin^2)
            assert np.all(n @ cones[node, :3] >= np.sqrt(max(0.0, 1 - bound**2)) - 1e-12)


def _range(tree: BVH, node: int) -> tuple[int, int]:
    """The BVH-order triangles under ``node`` (a subtree's leaves are one contiguous run)."""
    left, start, count = tree.left, tree.start, tree.count
    lo, hi = np.inf, -np.inf
    stack = [node]
    while stack:
        k = stack.pop()
        if left[k] < 0:
            lo, hi = min(lo, start[k]), max(hi, start[k] + count[k])
        else:
            stack += [left[k], tree.right[k]]
    return int(lo), int(hi)


@pytest.mark.parametrize("index", range(4))
def test_thickness_is_the_same_with_and_without_cones(index: int) -> None:
    tri = np.ascontiguousarray(_meshes()[index])
    tree = build_bvh(tri)
    fr = frames_for(tri, tree)
    tmin = tol.ray_start_rel * tree.diagonal_mm

    def run(cones: np.ndarray) -> np.ndarray:
        return _thickness_kernel(tree.bounds, tree.left, tree.start, tree.count, tree.tri9,
                                 fr.centroid_mm, fr.normal, tree.order, tmin, cones, 1)

    assert np.array_equal(run(normal_cones(tree, tol.normal_cone_slack)), run(np.empty((0, 4))))


def test_cones_are_kept_with_their_bvh() -> None:
    tree = build_bvh(np.ascontiguousarray(_meshes()[0]))
    first = cones_for(tree, tol.normal_cone_slack)
    assert cones_for(tree, tol.normal_cone_slack) is first
    assert np.array_equal(first, normal_cones(tree, tol.normal_cone_slack))
    assert np.array_equal(cones_for(tree, 0.5), normal_cones(tree, 0.5))  # another slack: built again
