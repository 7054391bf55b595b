"""STEP loading: units, globals left alone, healing, errors, tessellation, multi-solid files."""

from __future__ import annotations

import cadquery as cq
import numpy as np
import pytest

import geometry
from geometry.errors import CorruptFileError, GeometryError
from geometry.loaders.step import read_step_shape, tessellate
from tests import parts
from tests.parts import plate_with_holes, plate_with_holes_volume, step_bytes


@pytest.fixture(scope="module")
def plate_mm() -> bytes:
    return step_bytes(plate_with_holes())


def test_inch_file_is_converted_and_its_unit_recorded() -> None:
    """A 4 x 2.5 x 0.25 in plate with a 1/4 in hole, in an inch STEP file."""
    drawn_in_inches = cq.Workplane("XY").box(4, 2.5, 0.25).faces(">Z").workplane().hole(0.25)
    f = geometry.extract(geometry.load_bytes(parts.inch_step_bytes(drawn_in_inches), "plate_in.step"))
    assert f.source.units == "in" and f.source.units_source == "file"
    assert f.bbox_mm == pytest.approx((101.6, 63.5, 6.35), abs=1e-6)
    assert f.volume_mm3 == pytest.approx((4 * 2.5 * 0.25 - np.pi * 0.125**2 * 0.25) * 25.4**3, rel=1e-9)
    (hole,) = f.holes
    assert hole.diameter_mm == pytest.approx(6.35) and hole.through


def test_millimetre_file_records_mm(plate_mm) -> None:
    assert geometry.load_bytes(plate_mm, "plate.step").source.units == "mm"


def test_process_global_unit_setting_does_not_change_our_numbers(plate_mm) -> None:
    """cadquery's importer sets xstep.cascade.unit globally; our reader must not depend on it."""
    from OCP.Interface import Interface_Static

    before = Interface_Static.CVal_s("xstep.cascade.unit")
    try:
        Interface_Static.SetCVal_s("xstep.cascade.unit", "M")
        found = read_step_shape(plate_mm, "plate.step")
    finally:
        Interface_Static.SetCVal_s("xstep.cascade.unit", before)
    part = geometry.Part(geometry.load_bytes(plate_mm, "p.step").source, *tessellate(found.shape), brep=found.shape)
    assert geometry.extract(part).volume_mm3 == pytest.approx(plate_with_holes_volume(), rel=1e-9)
    assert Interface_Static.CVal_s("xstep.cascade.unit") == before


def test_reversed_solid_is_turned_right_way_out() -> None:
    from OCP.TopoDS import TopoDS

    from geometry.loaders.step import _compound, _solids_of, solid_volume_mm3

    box = TopoDS.Solid_s(cq.Workplane().box(10, 20, 30).val().wrapped.Reversed())
    assert solid_volume_mm3(box) == pytest.approx(-6000.0)
    found = _solids_of(_compound([box]), "mm", "reversed.step")
    assert found.solids == 1
    assert solid_volume_mm3(found.shape) == pytest.approx(6000.0)


def test_surface_only_file_is_a_clear_error() -> None:
    face = cq.Workplane().box(10, 20, 30).faces(">Z").val()
    with pytest.raises(GeometryError, match="no closed solid found.*export the part as a solid"):
        geometry.load_bytes(step_bytes(face), "face.step")


def test_open_shell_is_a_clear_error() -> None:
    shell = cq.Shell.makeShell(cq.Workplane().box(10, 20, 30).faces("not >Z").vals())
    with pytest.raises(GeometryError, match="no closed solid found"):
        geometry.load_bytes(step_bytes(shell), "shell.step")


def test_truncated_file_is_corrupt(plate_mm) -> None:
    with pytest.raises(CorruptFileError, match="export it again"):
        geometry.load_bytes(plate_mm[: len(plate_mm) // 2], "cut.step")


def test_tessellation_is_closed_and_close_to_the_exact_volume(plate_mm) -> None:
    part = geometry.load_bytes(plate_mm, "plate.step")
    f = geometry.extract(part)
    assert f.mesh.watertight and f.mesh.from_brep
    tri = part.triangles_mm
    mesh_volume = float(np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6)
    assert mesh_volume == pytest.approx(f.volume_mm3, rel=2e-3)


def test_finer_deflection_gives_more_triangles_and_a_closer_volume() -> None:
    shaft = read_step_shape(step_bytes(parts.stepped_shaft()), "shaft.step").shape
    exact = 11668.922312983661
    out = []
    for deflection in (0.1, 0.01):
        v, faces = tessellate(shaft, deflection)
        tri = v[faces]
        out.append((len(faces), abs(np.einsum("ij,ij->i", tri[:, 0], np.cross(tri[:, 1], tri[:, 2])).sum() / 6 - exact)))
    assert out[1][0] > out[0][0]
    assert out[1][1] < out[0][1]


@pytest.fixture(scope="module")
def assembly():
    return geometry.load_bytes(step_bytes(parts.identical_and_odd_solids()), "assembly.step")


def test_identical_solids_are_counted_not_repeated(assembly) -> None:
    assert assembly.solids == 4
    split = geometry.split_solids(assembly)
    assert sorted(count for _, count in split) == [1, 3]
    bracket = next(p for p, count in split if count == 3)
    f = geometry.extract(bracket)
    assert f.volume_mm3 == pytest.approx(30 * 20 * 10 - np.pi * 2.5**2 * 10, rel=1e-9)
    assert [h.diameter_mm for h in f.holes] == [5.0]
    assert f.solids == 1


def test_distinct_solids_summary(assembly) -> None:
    f = geometry.extract(assembly)
    summary = sorted((s.count, round(s.volume_mm3, 3)) for s in f.distinct_solids)
    assert summary == [(1, 1000.0), (3, round(30 * 20 * 10 - np.pi * 2.5**2 * 10, 3))]
    assert f.volume_mm3 == pytest.approx(sum(c * v for c, v in summary), rel=1e-6)
    assert "split_solids" in f.unmeasured["turning"]


def test_single_solid_split_is_itself(plate_mm) -> None:
    part = geometry.load_bytes(plate_mm, "plate.step")
    assert geometry.split_solids(part) == [(part, 1)]
    f = geometry.extract(part)
    assert [(s.count, s.faces) for s in f.distinct_solids] == [(1, 10)]


def test_features_round_trip_through_json(measure) -> None:
    f = measure(parts.flange())
    assert geometry.PartFeatures.from_dict(f.to_dict()) == f
