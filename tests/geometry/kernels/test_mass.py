"""mass_properties: numpy twin and closed forms (box, cylinder, sphere)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from geometry.errors import GeometryError, InputError
from geometry.kernels import mass_properties
from tests.geometry.kernels import naive
from tests.geometry.kernels.shapes import box_mesh, l_block, tri


def _check_twin(t: np.ndarray) -> None:
    got = mass_properties(t)
    vol, area, cen, inertia = naive.mass_properties(t)
    assert got.volume_mm3 == pytest.approx(vol, rel=1e-9)
    assert got.area_mm2 == pytest.approx(area, rel=1e-9)
    np.testing.assert_allclose(got.centroid_mm, cen, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(t).max()))
    scale = np.abs(inertia).max()
    np.testing.assert_allclose(np.array(got.inertia_mm5), inertia, atol=1e-8 * scale)


@pytest.mark.parametrize(
    "mesh",
    [
        pytest.param(lambda: tri(*box_mesh((3.0, 5.0, 7.0), (10.0, -4.0, 2.0))), id="box"),
        pytest.param(lambda: tri(*l_block()), id="l_block"),
        pytest.param(lambda: trimesh.creation.icosphere(2).triangles + 3.0, id="sphere"),
        pytest.param(lambda: trimesh.creation.cylinder(2.0, 9.0, sections=24).triangles, id="cylinder"),
    ],
)
def test_matches_numpy_twin(mesh) -> None:
    _check_twin(np.ascontiguousarray(mesh()))


def test_box_closed_form() -> None:
    a, b, c = 10.0, 20.0, 30.0
    got = mass_properties(tri(*box_mesh((a, b, c), (100.0, 200.0, 300.0))))
    m = a * b * c
    assert got.volume_mm3 == pytest.approx(m)
    assert got.area_mm2 == pytest.approx(2 * (a * b + b * c + a * c))
    assert got.centroid_mm == pytest.approx((100.0, 200.0, 300.0))
    expected = np.diag([m * (b * b + c * c) / 12, m * (a * a + c * c) / 12, m * (a * a + b * b) / 12])
    np.testing.assert_allclose(np.array(got.inertia_mm5), expected, atol=1e-6 * expected.max())


def test_cylinder_closed_form() -> None:
    r, h, n = 5.0, 40.0, 720
    got = mass_properties(trimesh.creation.cylinder(r, h, sections=n).triangles)
    # the mesh is a regular n-gon prism: its exact area and volume
    polygon = n / 2 * r * r * math.sin(2 * math.pi / n)
    assert got.volume_mm3 == pytest.approx(polygon * h, rel=1e-12)
    assert got.area_mm2 == pytest.approx(2 * polygon + n * 2 * r * math.sin(math.pi / n) * h, rel=1e-12)
    # and close to the round cylinder
    m = math.pi * r * r * h
    izz = np.array(got.inertia_mm5)[2, 2]
    ixx = np.array(got.inertia_mm5)[0, 0]
    assert izz == pytest.approx(m * r * r / 2, rel=1e-4)
    assert ixx == pytest.approx(m * (3 * r * r + h * h) / 12, rel=1e-4)


def test_sphere_closed_form() -> None:
    mesh = trimesh.creation.icosphere(subdivisions=5, radius=10.0)
    got = mass_properties(mesh.triangles)
    m = 4 / 3 * math.pi * 1000.0
    assert got.volume_mm3 == pytest.approx(m, rel=2e-3)
    assert got.area_mm2 == pytest.approx(4 * math.pi * 100.0, rel=2e-3)
    np.testing.assert_allclose(np.array(got.inertia_mm5), np.eye(3) * 0.4 * m * 100.0, rtol=4e-3, atol=1e-6)


def test_inside_out_is_negative_with_the_same_centroid() -> None:
    t = tri(*box_mesh((1.0, 2.0, 3.0), (5.0, 5.0, 5.0)))
    flipped = mass_properties(np.ascontiguousarray(t[:, ::-1]))
    assert flipped.volume_mm3 == pytest.approx(-6.0)
    assert flipped.centroid_mm == pytest.approx((5.0, 5.0, 5.0))


def test_float32_input_matches_float64() -> None:
    t = tri(*box_mesh((3.0, 5.0, 7.0)))
    assert mass_properties(t.astype(np.float32)).volume_mm3 == pytest.approx(105.0)


def test_far_from_origin_keeps_precision() -> None:
    t = tri(*box_mesh((1.0, 1.0, 1.0), (1e6, -1e6, 1e6)))
    got = mass_properties(t)
    assert got.volume_mm3 == pytest.approx(1.0, rel=1e-9)
    assert np.array(got.inertia_mm5)[0, 0] == pytest.approx(1 / 6, rel=1e-6)


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.zeros((0, 3, 3)), GeometryError, "no triangles"),
        (np.zeros((4, 3)), InputError, r"shape \(n, 3, 3\)"),
        (np.full((1, 3, 3), np.nan), GeometryError, "not finite"),
    ],
)
def test_rejects_bad_input(bad, error, match) -> None:
    with pytest.raises(error, match=match):
        mass_properties(bad)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_one_bad_coordinate_in_a_large_mesh_is_reported(dtype, value) -> None:
    # the kernel detects it in its own pass (its sum of every coordinate is not finite)
    t = np.array(trimesh.creation.icosphere(3).triangles, dtype=dtype)  # 1280 triangles: several blocks
    t[700, 2, 1] = value
    # errstate: without JIT (test_nojit) the kernel body runs on numpy scalars, which warn on inf - inf
    with np.errstate(invalid="ignore", over="ignore"), pytest.raises(GeometryError, match="1 triangle coordinates are not finite"):
        mass_properties(t)


def test_block_boundaries_do_not_change_the_result() -> None:
    t = np.ascontiguousarray(trimesh.creation.icosphere(3).triangles)
    whole = mass_properties(t)
    for n in (255, 256, 257, 513):
        part = naive.mass_properties(t[:n])
        assert mass_properties(t[:n]).area_mm2 == pytest.approx(part[1], rel=1e-12)
    assert whole.volume_mm3 == pytest.approx(naive.mass_properties(t)[0], rel=1e-12)
