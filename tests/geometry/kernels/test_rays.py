"""wall_thickness, accessibility and additive_orientation: twins and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from geometry.kernels import accessibility, additive_orientation, wall_thickness
from geometry.kernels._common import diagonal
from geometry.tolerances import tol
from tests.geometry.kernels import naive
from tests.geometry.kernels.shapes import box_mesh, hollow_box, l_block, t_slot, tri


def _shapes():
    return {
        "box": tri(*box_mesh((4.0, 6.0, 10.0))),
        "hollow": tri(*hollow_box(30.0, 2.0)),
        "l_block": tri(*l_block()),
        "t_slot": tri(*t_slot()),
        "sphere": np.ascontiguousarray(trimesh.creation.icosphere(1, radius=5.0).triangles),
        "torus": np.ascontiguousarray(trimesh.creation.torus(6.0, 2.0, 12, 8).triangles),
    }


@pytest.mark.parametrize("name", list(_shapes()))
def test_thickness_matches_twin(name) -> None:
    t = _shapes()[name]
    got = wall_thickness(t)
    np.testing.assert_allclose(got.per_triangle_mm, naive.wall_thickness(t), rtol=1e-9)


@pytest.mark.parametrize("name", list(_shapes()))
def test_thickness_keeps_the_triangle_areas(name) -> None:
    t = _shapes()[name]
    np.testing.assert_allclose(wall_thickness(t).area_mm2, naive.normals(t)[2], rtol=1e-12)


@pytest.mark.parametrize("name", list(_shapes()))
def test_visibility_matches_twin(name) -> None:
    t = _shapes()[name]
    got = accessibility(t)
    vis = naive.visible(t, tol.ray_offset_rel * diagonal(t))
    assert np.array_equal(got.visible, vis)
    assert got.setups_3axis == naive.minimal_setups(vis)


@pytest.mark.parametrize("name", list(_shapes()))
def test_support_matches_twin(name) -> None:
    t = _shapes()[name]
    got = additive_orientation(t)
    cos_limit = np.cos(np.radians(45.0))
    for cand in got.candidates:
        over, vol, height = naive.support(t, np.array(cand.orientation), cos_limit, tol.plate_rel * diagonal(t))
        assert cand.overhang_area_mm2 == pytest.approx(over, rel=1e-9, abs=1e-9)
        assert cand.support_volume_mm3 == pytest.approx(vol, rel=1e-9, abs=1e-9)
        assert cand.build_height_mm == pytest.approx(height, rel=1e-12)


@pytest.mark.parametrize("name", list(_shapes()))
def test_overhang_triangles_match_twin(name) -> None:
    t = _shapes()[name]
    got = additive_orientation(t)
    cos_limit = np.cos(np.radians(45.0))
    assert got.overhang.shape == (len(t), len(got.candidates))
    for k, cand in enumerate(got.candidates):
        mask = naive.overhang(t, np.array(cand.orientation), cos_limit, tol.plate_rel * diagonal(t))
        assert np.array_equal(got.overhang[:, k], mask)
    assert np.array_equal(got.best_overhang, got.overhang[:, got.candidates.index(got.best)])


def test_hollow_box_has_its_wall() -> None:
    got = wall_thickness(tri(*hollow_box(30.0, 2.0)), threshold_mm=2.5)
    assert got.min_mm == pytest.approx(2.0)
    assert got.p05_mm == pytest.approx(2.0)
    assert got.p50_mm == pytest.approx(2.0)
    assert got.thin_area_mm2 == pytest.approx(6 * 30.0**2 + 6 * 26.0**2)
    assert np.all(np.isfinite(got.per_triangle_mm))


def test_box_thickness_is_its_sides() -> None:
    got = wall_thickness(tri(*box_mesh((4.0, 6.0, 10.0))))
    # area-weighted: faces 6x10 (thickness 4) weigh 120, 4x10 (6) 80, 4x6 (10) 48
    assert got.min_mm == pytest.approx(4.0)
    assert got.p05_mm == pytest.approx(4.0)
    assert got.p50_mm == pytest.approx(6.0)
    assert got.thin_area_mm2 == 0.0


def test_open_mesh_thickness_is_partial() -> None:
    v, f = box_mesh((2.0, 2.0, 2.0))
    quad0 = [0, 6]  # voxel_mesh lists the first halves of the six quads, then the second halves
    got = wall_thickness(tri(v, np.delete(f, quad0, axis=0)))
    assert np.isinf(got.per_triangle_mm).any()
    assert got.measured_area_mm2 < 24.0


def test_l_block_needs_two_setups() -> None:
    got = accessibility(tri(*l_block()))
    assert got.setups_3axis == ("+Z", "-Z")
    assert got.unreachable_area_mm2 == 0.0
    assert got.unreachable_centroid_mm is None


def test_t_slot_has_an_undercut_no_axis_reaches() -> None:
    got = accessibility(tri(*t_slot()))
    # channel ceiling (12 cells), floor outside the neck (12), x walls (2 x 6), y walls outside the neck (2 x 8); 25 mm2 each
    assert got.unreachable_area_mm2 == pytest.approx(52 * 25.0)
    assert got.unreachable_centroid_mm == pytest.approx((17.5, 12.5, 10.0))
    lo, hi = got.unreachable_bbox_mm
    assert lo == pytest.approx((5.0, 5.0, 5.0)) and hi == pytest.approx((30.0, 20.0, 15.0))


def test_hollow_box_cavity_is_unreachable() -> None:
    got = accessibility(tri(*hollow_box(30.0, 2.0)))
    assert got.unreachable_area_mm2 == pytest.approx(6 * 26.0**2)


def test_bridge_support_lands_on_the_part() -> None:
    # an arch: two pillars and a roof, the roof's underside 10 mm above the floor plate
    occ = np.zeros((3, 1, 3), dtype=bool)
    occ[0, :, :] = True
    occ[2, :, :] = True
    occ[:, :, 2] = True
    from tests.geometry.kernels.shapes import voxel_mesh

    t = tri(*voxel_mesh(occ, 10.0))
    got = additive_orientation(t, directions=np.array([[0.0, 0.0, 1.0]]))
    up = got.best
    assert up.overhang_area_mm2 == pytest.approx(100.0)
    assert up.support_volume_mm3 == pytest.approx(100.0 * 20.0)
    assert up.build_height_mm == pytest.approx(30.0)


def test_best_orientation_prefers_no_support_then_low_height() -> None:
    got = additive_orientation(tri(*l_block()))
    assert got.best.support_volume_mm3 == 0.0
    assert got.best.build_height_mm == pytest.approx(min(c.build_height_mm for c in got.candidates if c.support_volume_mm3 == 0))
    assert len(got.candidates) == 6
