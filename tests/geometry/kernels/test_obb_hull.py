"""oriented_bounding_box and convex_hull_volume."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from hypothesis import given

from geometry.errors import GeometryError
from geometry.kernels import convex_hull_volume, oriented_bounding_box
from geometry.kernels.rectangle import hull_2d, min_area_rect, min_area_rectangle
from tests.geometry.kernels import naive
from tests.geometry.kernels.shapes import box_mesh, hypothesis_settings, l_block, t_slot
from tests.strategies import box_dims, rigid_motions


@given(dims=box_dims, motion=rigid_motions())
@hypothesis_settings()
def test_rotated_box_gives_its_own_extents(dims, motion) -> None:
    rot, shift = motion
    v, _ = box_mesh(dims)
    box = oriented_bounding_box(v @ rot.T + shift)
    # the box's axes come from hull facet normals, right to about 1e-10 rad: a thin side's error scales with the
    # longest side (a 102 x 102 x 0.5 plate came out 5e-8 mm thick too much), so it is bounded against that
    scale = max(dims)
    assert box.extents_mm == pytest.approx(sorted(dims, reverse=True), rel=1e-7, abs=1e-8 * scale)
    assert box.volume_mm3 == pytest.approx(np.prod(dims), rel=1e-7 + 3e-8 * scale / min(dims))
    r = np.array(box.rotation)
    np.testing.assert_allclose(r @ r.T, np.eye(3), atol=1e-9)
    assert box.center_mm == pytest.approx(tuple(shift), abs=1e-6 * max(dims) + 1e-9)


def test_thin_plates_under_many_rotations_keep_their_thickness() -> None:
    """The case a hypothesis run found (a 102 x 102 x 0.5 plate, 5e-8 mm too thick), swept: 200 seeded
    rotations of two thin plates stay within the bound above."""
    rng = np.random.default_rng(11)
    for dims in ((102.0, 102.0, 0.5), (200.0, 150.0, 0.5)):
        v, _ = box_mesh(dims)
        for _ in range(100):
            rot, _r = np.linalg.qr(rng.normal(size=(3, 3)))
            box = oriented_bounding_box(v @ rot.T)
            assert box.extents_mm == pytest.approx(sorted(dims, reverse=True), rel=1e-7, abs=1e-8 * max(dims))


@pytest.mark.parametrize(
    "points",
    [
        pytest.param(lambda: l_block()[0], id="l_block"),
        pytest.param(lambda: t_slot()[0], id="t_slot"),
        pytest.param(lambda: trimesh.creation.cylinder(3.0, 10.0, sections=10).vertices, id="prism"),
        pytest.param(lambda: np.random.default_rng(3).normal(size=(60, 3)) * [5, 2, 1], id="cloud"),
    ],
)
def test_matches_brute_force_flush_search(points) -> None:
    p = np.ascontiguousarray(points(), dtype=np.float64)
    box = oriented_bounding_box(p)
    assert box.volume_mm3 == pytest.approx(naive.obb_volume(p), rel=1e-9)
    # the box holds every point
    local = p @ np.array(box.rotation).T - np.array(box.center_mm) @ np.array(box.rotation).T
    assert np.all(np.abs(local) <= np.array(box.extents_mm) / 2 + 1e-9)


def test_never_worse_than_the_axis_aligned_box() -> None:
    p = trimesh.creation.icosphere(3).vertices * [3.0, 1.0, 0.5]
    box = oriented_bounding_box(p)
    assert box.volume_mm3 <= np.prod(np.ptp(p, axis=0)) * (1 + 1e-12)


@pytest.mark.slow  # minutes without JIT
def test_big_point_sets_search_a_sample_but_contain_every_point() -> None:
    p = trimesh.creation.icosphere(6).vertices * [4.0, 2.0, 1.0]  # 40962 points
    box = oriented_bounding_box(p)
    assert box.extents_mm == pytest.approx((8.0, 4.0, 2.0), rel=1e-3)
    local = (p - np.array(box.center_mm)) @ np.array(box.rotation).T
    assert np.all(np.abs(local) <= np.array(box.extents_mm) / 2 + 1e-9)


def test_2d_hull_and_rectangle() -> None:
    square = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1], [1, 0], [0, 1]], dtype=np.float64)
    ring = hull_2d(square)
    assert sorted(ring.tolist()) == [0, 1, 2, 3]
    area, _, _ = min_area_rect(square, ring)
    assert area == pytest.approx(4.0)


def test_convex_hull_of_box_and_sphere() -> None:
    v, _ = box_mesh((2.0, 3.0, 4.0))
    hull = convex_hull_volume(np.concatenate([v, v * 0.5]))
    assert hull.volume_mm3 == pytest.approx(24.0)
    assert hull.area_mm2 == pytest.approx(52.0)
    assert len(hull.points) == 8
    s = trimesh.creation.icosphere(4)
    assert convex_hull_volume(s.vertices).volume_mm3 == pytest.approx(s.volume, rel=1e-9)


def test_flat_points_are_a_geometry_error() -> None:
    flat = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0.5, 0.2, 0]], dtype=np.float64)
    with pytest.raises(GeometryError, match="flat"):
        convex_hull_volume(flat)
    with pytest.raises(GeometryError, match="at least 4 points"):
        oriented_bounding_box(flat[:3])


def test_hull_faces_are_wound_outward() -> None:
    from geometry.kernels import mass_properties

    p = np.random.default_rng(5).normal(size=(200, 3))
    hull = convex_hull_volume(p)
    closed = mass_properties(hull.points[hull.simplices])
    assert closed.volume_mm3 == pytest.approx(hull.volume_mm3, rel=1e-9)
    a = hull.points[hull.simplices]
    cr = np.cross(a[:, 1] - a[:, 0], a[:, 2] - a[:, 0])
    assert np.all(np.einsum("ij,ij->i", cr, hull.normals) > 0)


@given(motion=rigid_motions())
@hypothesis_settings()
def test_min_area_rectangle_of_a_turned_rectangle(motion) -> None:
    rot, shift = motion
    angle = float(np.arctan2(rot[1, 0], rot[0, 0]))
    c, s = np.cos(angle), np.sin(angle)
    corners = np.array([[0, 0], [7, 0], [7, 3], [0, 3], [3.5, 1.5], [7, 1]], dtype=np.float64)
    xy = corners @ np.array([[c, s], [-s, c]]) + shift[:2]
    rect = min_area_rectangle(xy)
    assert rect.sides_mm == pytest.approx((7.0, 3.0), rel=1e-9)
    assert rect.area_mm2 == pytest.approx(21.0, rel=1e-9)
    assert np.hypot(*rect.direction) == pytest.approx(1.0)


def test_min_area_rectangle_of_collinear_points_is_flat() -> None:
    xy = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0]])
    assert min_area_rectangle(xy).sides_mm == (4.0, 0.0)  # the largest axis extent, as the B-rep measured it
    with pytest.raises(GeometryError):
        min_area_rectangle(np.array([[0.0, np.nan], [1.0, 1.0], [2.0, 0.0]]))
