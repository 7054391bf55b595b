"""Loading and measuring parts end to end: analytic cadquery parts, test files, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from geometry import FileFormat, extract, load, load_bytes
from geometry.errors import CorruptFileError, EmptyFileError, MicrofabError, UnitsError, UnsupportedFormatError
from geometry.features import PartFeatures
from tests import parts as cadparts


@pytest.fixture(scope="module")
def plate_step() -> bytes:
    return cadparts.step_bytes(cadparts.plate_with_holes())


@pytest.fixture(scope="module")
def pocket_step() -> bytes:
    return cadparts.step_bytes(cadparts.pocketed_block())


def test_plate_with_holes_step_exact_volume_area_bbox(plate_step: bytes) -> None:
    f = extract(load_bytes(plate_step, "plate.step"))
    assert f.source.format is FileFormat.STEP
    assert f.source.units == "mm" and f.source.units_source == "file"
    assert f.volume_mm3 == pytest.approx(cadparts.plate_with_holes_volume(), rel=1e-6)
    expected_area = 2 * (100 * 60 - 4 * math.pi * 9) + 2 * 8 * (100 + 60) + 4 * math.pi * 6 * 8
    assert f.area_mm2 == pytest.approx(expected_area, rel=1e-6)
    assert sorted(f.bbox_mm) == pytest.approx([8, 60, 100], abs=1e-3)
    assert f.mesh.watertight and f.mesh.bodies == 1 and f.mesh.from_brep


def test_pocketed_block_step_volume(pocket_step: bytes) -> None:
    f = extract(load_bytes(pocket_step, "pocket.step"))
    assert f.volume_mm3 == pytest.approx(cadparts.pocketed_block_volume(), rel=1e-6)
    assert f.faces is not None and f.faces.count_by_kind["cylinder"] == 4


def test_tessellated_mesh_volume_close_to_exact(plate_step: bytes) -> None:
    part = load_bytes(plate_step, "plate.step")
    assert part.faces.shape[1] == 3 and part.vertices_mm.shape[1] == 3
    t = part.triangles_mm
    a, b, c = t[:, 0], t[:, 1], t[:, 2]
    mesh_volume = float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6)
    assert mesh_volume == pytest.approx(cadparts.plate_with_holes_volume(), rel=2e-3)


def test_stl_of_same_part_matches(plate_step: bytes) -> None:
    stl = cadparts.stl_bytes(cadparts.plate_with_holes())
    f = extract(load_bytes(stl, "plate.stl"))
    assert f.source.format is FileFormat.STL
    assert f.source.units_source == "default"
    assert f.volume_mm3 == pytest.approx(cadparts.plate_with_holes_volume(), rel=5e-3)
    assert any(x.code == "units_assumed" for x in f.findings)


def test_stl_units_from_request_scale_the_part(data_dir) -> None:
    mm = extract(load(data_dir / "angle_block.STL"))
    inch = extract(load(data_dir / "angle_block.STL", units="in"))
    assert inch.source.units == "in" and inch.source.units_source == "request"
    assert inch.bbox_mm == pytest.approx(tuple(25.4 * x for x in mm.bbox_mm))
    assert inch.volume_mm3 == pytest.approx(mm.volume_mm3 * 25.4**3)


def test_step_in_inches_is_converted(data_dir) -> None:
    f = extract(load(data_dir / "featuretype.STEP"))
    assert f.source.units == "in"
    assert sorted(f.bbox_mm) == pytest.approx(sorted((127.0, 63.5, 34.925)), abs=1e-3)


def test_3mf_declares_its_unit(data_dir) -> None:
    f = extract(load(data_dir / "featuretype.3MF"))
    assert f.source.units == "in" and f.source.units_source == "file"
    assert max(f.bbox_mm) == pytest.approx(127.0, abs=1e-3)


def test_open_mesh_has_no_volume_and_says_why(data_dir) -> None:
    f = extract(load(data_dir / "soup.stl"))
    assert f.volume_mm3 is None
    assert "open edges" in f.unmeasured["volume_mm3"]
    assert not f.mesh.watertight


def test_features_json_round_trip(data_dir) -> None:
    f = extract(load(data_dir / "featuretype.STEP"))
    again = PartFeatures.from_dict(f.to_dict())
    assert again.to_dict() == f.to_dict()
    assert f.to_dict()["schema"] == "microfab.features/1"


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (b"", EmptyFileError, "empty"),
        (b"   \n", EmptyFileError, "empty"),
        (b"\x00\x01garbage" * 50, UnsupportedFormatError, "cannot recognise"),
        (b"ISO-10303-21;\nHEADER;\nthis is not step\n", MicrofabError, "STEP"),
        (b"solid x\nendsolid x\n", MicrofabError, "no triangles"),
        (b"PK\x03\x04" + b"\x00" * 100, UnsupportedFormatError, "zip"),
    ],
)
def test_bad_bytes_give_clear_errors(data: bytes, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        load_bytes(data, "upload.bin")


def test_unknown_unit_is_an_error(data_dir) -> None:
    with pytest.raises(UnitsError, match="unknown unit"):
        load(data_dir / "unit_cube.STL", units="furlong")


def test_missing_file_is_an_error(tmp_path) -> None:
    with pytest.raises(CorruptFileError, match="no such file"):
        load(tmp_path / "nope.step")


def test_errors_are_value_errors() -> None:
    assert issubclass(EmptyFileError, ValueError)
