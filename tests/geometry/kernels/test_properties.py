"""Invariants: rigid motions leave the measures unchanged; scaling by k scales them by k, k2, k3."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from geometry.kernels import mass_properties, oriented_bounding_box, wall_thickness
from tests.geometry.kernels.shapes import hypothesis_settings, tri, voxel_mesh
from tests.strategies import rigid_motions, scales, voxel_shapes


def _measures(v: np.ndarray, f: np.ndarray) -> dict[str, float]:
    t = tri(v, f)
    mass = mass_properties(t)
    wall = wall_thickness(t)
    box = oriented_bounding_box(v)
    return {
        "volume": mass.volume_mm3,
        "area": mass.area_mm2,
        "min_wall": wall.min_mm,
        "p50_wall": wall.p50_mm,
        "obb_volume": box.volume_mm3,
    }


@given(occ=voxel_shapes(), motion=rigid_motions())
@hypothesis_settings()
def test_rigid_motions_change_nothing(occ, motion) -> None:
    rot, shift = motion
    v, f = voxel_mesh(occ, 3.0)
    before = _measures(v, f)
    after = _measures(v @ rot.T + shift, f)
    for name, value in before.items():
        assert after[name] == pytest.approx(value, rel=1e-6), name
    # the box extents too
    e0 = oriented_bounding_box(v).extents_mm
    e1 = oriented_bounding_box(v @ rot.T + shift).extents_mm
    assert e1 == pytest.approx(e0, rel=1e-6)


@given(occ=voxel_shapes(), k=scales)
@hypothesis_settings()
def test_scaling_scales_volume_by_k3_and_area_by_k2(occ, k) -> None:
    v, f = voxel_mesh(occ, 2.0)
    before = _measures(v, f)
    after = _measures(v * k, f)
    assert after["volume"] == pytest.approx(before["volume"] * k**3, rel=1e-9)
    assert after["area"] == pytest.approx(before["area"] * k**2, rel=1e-9)
    assert after["min_wall"] == pytest.approx(before["min_wall"] * k, rel=1e-9)
    assert after["obb_volume"] == pytest.approx(before["obb_volume"] * k**3, rel=1e-9)
