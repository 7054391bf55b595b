"""wall_thickness, accessibility, additive_orientation and facing_areas: twins and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh
from hypothesis import given

from geometry.kernels import accessibility, additive_orientation, facing_areas, wall_thickness
from geometry.kernels._common import diagonal
from geometry.tolerances import tol
from tests.geometry.kernels import naive
from tests.geometry.kernels.shapes import box_mesh, hollow_box, hypothesis_settings, l_block, t_slot, tri, voxel_mesh
from tests.strategies import rigid_motions, voxel_shapes


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


# --- areas facing up and down (a slicer's top and bottom skins), the walls' straight runs ---------------------


def _facing_twin(t: np.ndarray, up: np.ndarray, skin_deg: float = 45.0) -> tuple[float, float, float]:
    """Naive: projected area of the triangles whose normal is within ``skin_deg`` of up, of -up; and the
    area-weighted mean over the others of their longest edge across up."""
    _, nrm, area = naive.normals(t)
    up = up / np.linalg.norm(up)
    dot = nrm @ up
    cos = np.cos(np.radians(skin_deg))
    wall = np.abs(dot) <= cos
    edges = t[:, [1, 2, 0]] - t  # (n, 3 edges, 3)
    across = np.sqrt(np.maximum(0.0, np.sum(edges**2, axis=2) - (edges @ up) ** 2)).max(axis=1)
    run = float(np.sum(area[wall] * across[wall]) / np.sum(area[wall])) if wall.any() else 0.0
    return float(np.sum(area * dot, where=dot > cos)), float(-np.sum(area * dot, where=dot < -cos)), run


def _up_down(t: np.ndarray, up) -> tuple[float, float]:
    got = facing_areas(t, up)
    return got.up_area_mm2, got.down_area_mm2


@pytest.mark.parametrize("name", list(_shapes()))
def test_facing_areas_match_twin(name) -> None:
    t = _shapes()[name]
    got = additive_orientation(t)
    for cand in got.candidates:
        up, down, run = _facing_twin(t, np.array(cand.orientation))
        assert cand.up_area_mm2 == pytest.approx(up, rel=1e-9, abs=1e-9)
        assert cand.down_area_mm2 == pytest.approx(down, rel=1e-9, abs=1e-9)
        assert cand.wall_run_mm == pytest.approx(run, rel=1e-9, abs=1e-9)
        # the one-direction function sums the same triangles in the same order
        one = facing_areas(t, cand.orientation)
        assert (one.up_area_mm2, one.down_area_mm2, one.wall_run_mm) == (
            cand.up_area_mm2, cand.down_area_mm2, cand.wall_run_mm)


def test_box_faces_up_and_down_over_its_footprint() -> None:
    t = tri(*box_mesh((4.0, 6.0, 10.0)))
    assert _up_down(t, (0.0, 0.0, 1.0)) == pytest.approx((24.0, 24.0))
    assert _up_down(t, (0.0, 0.0, -1.0)) == pytest.approx((24.0, 24.0))
    assert _up_down(t, (1.0, 0.0, 0.0)) == pytest.approx((60.0, 60.0))
    # tilted 30 deg: the top and bottom still count (within 45 deg), projected on the plate (x cos 30)
    up = np.array([0.0, np.sin(np.radians(30.0)), np.cos(np.radians(30.0))])
    assert _up_down(t, up) == pytest.approx((24.0 * np.cos(np.radians(30.0)),) * 2)


def test_box_walls_run_their_width() -> None:
    # +Z: the 6 x 10 sides run 6 mm, the 4 x 10 sides 4 mm (each triangle's diagonal spans the whole width)
    got = facing_areas(tri(*box_mesh((4.0, 6.0, 10.0))), (0.0, 0.0, 1.0))
    assert got.wall_run_mm == pytest.approx((120.0 * 6.0 + 80.0 * 4.0) / 200.0)


def test_round_hole_walls_run_a_chord() -> None:
    # a cylinder of 64 facets stood up: its side's facets run a chord of 2 R sin(pi / 64) each
    cyl = trimesh.creation.cylinder(radius=5.0, height=10.0, sections=64)
    got = facing_areas(np.ascontiguousarray(cyl.triangles), (0.0, 0.0, 1.0))
    assert got.wall_run_mm == pytest.approx(2 * 5.0 * np.sin(np.pi / 64), rel=1e-9)
    assert got.up_area_mm2 == pytest.approx(64 * 0.5 * 25.0 * np.sin(2 * np.pi / 64), rel=1e-9)


def test_step_counts_both_levels_up() -> None:
    # L block lying on its 30 x 20 base: a top at 30 mm over 10 x 20 and a step at 10 mm over 20 x 20
    t = tri(*l_block())
    assert _up_down(t, (0.0, 0.0, 1.0)) == pytest.approx((600.0, 600.0))
    # on its side (+Y up): the L profile faces up and down, 3 x 3 cells - 2 x 2 cells = 5 cells of 100 mm2
    assert _up_down(t, (0.0, 1.0, 0.0)) == pytest.approx((500.0, 500.0))


def test_sphere_faces_up_within_45_degrees() -> None:
    # the cap within 45 deg of the pole projects to a disc of radius R sin 45: pi R^2 / 2 each way
    r = 5.0
    t = np.ascontiguousarray(trimesh.creation.icosphere(5, radius=r).triangles)
    up, down = _up_down(t, (0.0, 0.0, 1.0))
    assert up == pytest.approx(np.pi * r**2 / 2, rel=0.01)
    assert down == pytest.approx(np.pi * r**2 / 2, rel=0.01)


def test_facing_areas_refuses_a_zero_direction() -> None:
    with pytest.raises(ValueError, match="zero vector"):
        facing_areas(tri(*box_mesh((1.0, 1.0, 1.0))), (0.0, 0.0, 0.0))


@given(occ=voxel_shapes(), motion=rigid_motions())
@hypothesis_settings()
def test_voxel_solid_faces_up_as_its_column_tops(occ, motion) -> None:
    """Every run of cells in a column has one top and one bottom face: up = down = pitch^2 x tops, whatever
    rigid motion carries the part and its build direction together."""
    rot, shift = motion
    v, f = voxel_mesh(occ, 3.0)
    tops = int(np.sum(occ & ~np.pad(occ, ((0, 0), (0, 0), (0, 1)))[:, :, 1:]))
    moved = facing_areas(tri(v @ rot.T + shift, f), rot @ np.array([0.0, 0.0, 1.0]))
    assert moved.up_area_mm2 == pytest.approx(9.0 * tops, rel=1e-9)
    assert moved.down_area_mm2 == pytest.approx(9.0 * tops, rel=1e-9)
    assert moved.wall_run_mm == pytest.approx(facing_areas(tri(v, f), (0.0, 0.0, 1.0)).wall_run_mm, rel=1e-9)
