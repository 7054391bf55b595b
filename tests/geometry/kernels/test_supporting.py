"""Supporting planes (``kernels.supporting``): the rays they skip change no answer.

``plane_rise`` against a brute-force maximum over every hull vertex; accessibility and additive
orientation with the hull's graph (rays skipped) against the full trace (every ray traced), bit for
bit, on spheres, voxel parts with pockets and undercuts, cadquery parts, corpus meshes and random
voxel solids.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

from geometry import kernels as k
from geometry.kernels._common import frames_for
from geometry.kernels.hull import ConvexHull
from geometry.kernels.supporting import HullGraph, hull_graph, plane_rise
from tests.conftest import corpus_path
from tests.geometry.kernels.shapes import box_mesh, hollow_box, hypothesis_settings, l_block, t_slot, tri, voxel_mesh
from tests.strategies import rigid_motions, voxel_shapes

#: without JIT (``test_nojit``: coverage of the kernel bodies) the kernels run as Python: small cases only
NO_JIT = os.environ.get("NUMBA_DISABLE_JIT") == "1"
needs_jit = pytest.mark.skipif(NO_JIT, reason="too slow without JIT (the small cases cover the bodies)")


def _icosphere(subdivisions: int, radius: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    import trimesh

    mesh = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    return np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int64)


def _graph(v: np.ndarray, f: np.ndarray) -> HullGraph:
    graph = hull_graph(k.mesh_convex_hull(v, f))
    assert graph is not None
    return graph


def _assert_culled_equals_full(v: np.ndarray, f: np.ndarray) -> None:
    """Accessibility and additive orientation: with the hull (rays skipped) exactly as without."""
    t = tri(v, f)
    bvh = k.build_bvh(t)
    graph = _graph(v, f)
    full, culled = k.accessibility(t, bvh), k.accessibility(t, bvh, hull=graph)
    assert np.array_equal(full.visible, culled.visible)
    assert full.setups_3axis == culled.setups_3axis
    assert full.unreachable_area_mm2 == culled.unreachable_area_mm2
    assert full.area_by_direction_mm2 == culled.area_by_direction_mm2
    full_add, culled_add = k.additive_orientation(t, bvh), k.additive_orientation(t, bvh, hull=graph)
    assert full_add.candidates == culled_add.candidates and full_add.best == culled_add.best
    assert np.array_equal(full_add.overhang, culled_add.overhang)


def test_plane_rise_is_the_highest_hull_vertex_above_each_plane() -> None:
    """The climb finds the maximum over every hull vertex (numpy twin), from any starting vertex."""
    rng = np.random.default_rng(7)
    for v, f in (_icosphere(2 if NO_JIT else 3), l_block(), t_slot(), hollow_box()):
        hull = k.mesh_convex_hull(v, f)
        graph = hull_graph(hull)
        assert graph is not None
        t = tri(v, f)
        bvh = k.build_bvh(t)
        fr = frames_for(t, bvh)
        for order in (bvh.order, rng.permutation(len(f)).astype(np.int64)):
            rise = plane_rise(graph, fr.centroid_mm, fr.normal, order)
            twin = (fr.normal @ hull.points.T).max(axis=1) - np.einsum("ij,ij->i", fr.normal, fr.centroid_mm)
            assert rise == pytest.approx(twin, abs=1e-12 * np.abs(v).max())


def test_sphere_faces_all_support_the_mesh() -> None:
    """Every face of a sphere is a hull facet: the mesh rises nowhere above its plane (all its rays skip)."""
    v, f = _icosphere(2 if NO_JIT else 4)
    t = tri(v, f)
    bvh = k.build_bvh(t)
    fr = frames_for(t, bvh)
    rise = plane_rise(_graph(v, f), fr.centroid_mm, fr.normal, bvh.order)
    assert np.all(rise <= 1e-12 * 10.0)


def test_a_pocket_floor_does_not_support_the_mesh() -> None:
    """The faces inside an L's notch see the rest of the part above their plane: their rays are traced."""
    v, f = l_block()
    t = tri(v, f)
    bvh = k.build_bvh(t)
    fr = frames_for(t, bvh)
    rise = plane_rise(_graph(v, f), fr.centroid_mm, fr.normal, bvh.order)
    assert (rise > 0.5).any() and (rise <= 0.0).any()


def test_a_concave_hull_is_refused() -> None:
    """A 'hull' with a concave edge (the L block's own faces) gives no graph: no ray would be skipped."""
    v, f = l_block()
    t = tri(v, f)
    n = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    n /= np.linalg.norm(n, axis=1)[:, None]
    own = k.mesh_convex_hull(*box_mesh((1.0, 1.0, 1.0)))
    assert hull_graph(own) is not None
    from geometry.kernels.convex import _across_edges

    across = _across_edges(f, len(v))
    assert across is not None
    fake = ConvexHull(volume_mm3=1.0, area_mm2=1.0, points=v, simplices=f,
                      neighbors=np.ascontiguousarray(across[:, [1, 2, 0]]), normals=n)
    assert hull_graph(fake) is None


@pytest.mark.parametrize("shape", ["icosphere", "l_block", "t_slot", "hollow_box", "box"])
def test_culled_rays_equal_the_full_trace_on_shapes(shape: str) -> None:
    v, f = {
        "icosphere": lambda: _icosphere(2 if NO_JIT else 5),
        "l_block": l_block,
        "t_slot": t_slot,
        "hollow_box": hollow_box,
        "box": lambda: box_mesh((3.0, 2.0, 1.0)),
    }[shape]()
    _assert_culled_equals_full(v, f)


@needs_jit
@pytest.mark.parametrize("name", ["pocketed_block", "flange", "shaft_with_cross_hole", "sharp_pocket_block",
                                  "cost_driver_block"])
def test_culled_rays_equal_the_full_trace_on_cadquery_parts(name: str) -> None:
    from geometry import load_bytes
    from tests import parts as cadparts

    part = load_bytes(cadparts.stl_bytes(getattr(cadparts, name)()), f"{name}.stl")
    _assert_culled_equals_full(part.vertices_mm, part.faces)


def _corpus_meshes() -> list[str]:
    root = corpus_path()
    names: list[str] = []
    for folder in ("trimesh-models", "voron-2"):
        base = root / folder
        if base.is_dir():
            names += sorted(str(p.relative_to(root)) for p in base.iterdir() if p.suffix.lower() == ".stl")
    return names or ["(corpus absent)"]


@needs_jit
@pytest.mark.corpus
@pytest.mark.parametrize("name", _corpus_meshes())
def test_culled_rays_equal_the_full_trace_on_corpus_meshes(corpus_dir: Path, name: str) -> None:
    from geometry import load
    from geometry.errors import MicrofabError

    path = corpus_dir / name
    if not path.is_file():
        pytest.skip(f"{name} not in the corpus")
    try:
        part = load(path)
        graph = hull_graph(k.mesh_convex_hull(part.vertices_mm, part.faces))
    except MicrofabError:
        pytest.skip(f"{name}: not loadable or flat")
    if graph is None:
        pytest.skip(f"{name}: hull refused")
    _assert_culled_equals_full(part.vertices_mm, part.faces)


@given(occ=voxel_shapes(), motion=rigid_motions())
@hypothesis_settings()
def test_culled_rays_equal_the_full_trace_on_random_solids(occ, motion) -> None:
    rotation, translation = motion
    v, f = voxel_mesh(occ)
    _assert_culled_equals_full(np.ascontiguousarray(v @ rotation.T + translation), f)


def test_mesh_features_are_the_same_whether_the_hull_was_ready_or_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mesh_features`` skips rays only when the hull thread has finished; the fields never depend on it."""
    import geometry.mesh_analysis as analysis
    from geometry.mesh_analysis import mesh_features

    v, f = t_slot()
    culled = mesh_features(v, f)
    monkeypatch.setattr(analysis, "_graph_if_ready", lambda hull: None)
    assert mesh_features(v, f) == culled


def _double_cone(turns: int, n: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two apexes over a ring wound ``turns`` times around the z axis (radius alternating per turn so no
    points coincide): (points, outward-wound facets, unit normals). Every edge is convex; with two turns
    the surface overlaps itself around each apex."""
    k = n * turns
    angle = 2 * np.pi * turns * np.arange(k) / k
    radius = 1.0 + 0.05 * (np.arange(k) // n)
    ring = np.stack([radius * np.cos(angle), radius * np.sin(angle), np.zeros(k)], axis=1)
    pts = np.concatenate([ring, [[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]])
    top, bottom = k, k + 1
    faces = [[top, i, (i + 1) % k] for i in range(k)] + [[bottom, (i + 1) % k, i] for i in range(k)]
    f = np.array(faces, dtype=np.int64)
    t = pts[f]
    nrm = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
    return pts, f, nrm / np.linalg.norm(nrm, axis=1)[:, None]


def test_a_surface_wound_twice_around_a_vertex_is_refused() -> None:
    """Convex at every edge yet not convex: the facets wind twice around each apex (a self-overlapping
    cone). The winding count refuses it; the same mesh wound once passes."""
    from geometry.kernels.supporting import _single_cones_kernel

    once, twice = _double_cone(1), _double_cone(2)
    assert _single_cones_kernel(*once)
    assert not _single_cones_kernel(*twice)
    v, f = _icosphere(2)
    hull = k.mesh_convex_hull(v, f)
    assert _single_cones_kernel(hull.points, hull.simplices, hull.normals)
