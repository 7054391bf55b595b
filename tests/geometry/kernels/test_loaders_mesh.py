"""Mesh loading: formats, units_source, and clear errors for files without triangles."""

from __future__ import annotations

import io

import numpy as np
import pytest
import trimesh

from geometry import extract, load_bytes
from geometry.errors import CorruptFileError, EmptyFileError, GeometryError, MicrofabError
from geometry.extract import likely_unit, unit_findings
from geometry.features import FileFormat
from geometry.loaders.mesh import binary_stl_corners, merge_vertices, read_mesh
from geometry.units import LengthUnit
from tests.geometry.kernels.shapes import box_mesh


def _box(dims=(10.0, 20.0, 30.0)) -> trimesh.Trimesh:
    v, f = box_mesh(dims)
    return trimesh.Trimesh(v, f, process=False)


@pytest.mark.parametrize(("file_type", "name"), [("stl", "p.stl"), ("stl_ascii", "p.stl"), ("obj", "p.obj"), ("ply", "p.ply")])
def test_formats_load_to_the_same_closed_box(file_type, name) -> None:
    data = _box().export(file_type=file_type)
    data = data.encode() if isinstance(data, str) else data
    part = load_bytes(data, name)
    features = extract(part)
    assert features.volume_mm3 == pytest.approx(6000.0, rel=1e-6)
    assert features.mesh.watertight
    assert features.source.units_source == "default"


def test_3mf_declares_its_unit() -> None:
    data = trimesh.Scene(_box((1.0, 2.0, 3.0))).export(file_type="3mf")
    part = load_bytes(data, "p.3mf")
    assert part.source.units_source == "file"
    assert np.ptp(part.vertices_mm, axis=0).max() == pytest.approx(3.0 * LengthUnit.parse(part.source.units).to_mm)


def test_request_units_scale_and_are_recorded() -> None:
    part = load_bytes(_box((1.0, 2.0, 3.0)).export(file_type="stl"), "p.stl", units="in")
    assert part.source.units == "in" and part.source.units_source == "request"
    assert np.ptp(part.vertices_mm, axis=0) == pytest.approx((25.4, 50.8, 76.2))


def test_split_vertices_are_welded() -> None:
    t = _box().triangles.reshape(-1, 3)
    faces = np.arange(len(t)).reshape(-1, 3)
    v, f = merge_vertices(t + np.random.default_rng(0).uniform(-1e-9, 1e-9, t.shape), faces)
    assert len(v) == 8 and len(f) == 12


def test_point_cloud_is_a_clear_error() -> None:
    data = trimesh.PointCloud(np.random.default_rng(0).normal(size=(20, 3))).export(file_type="ply")
    with pytest.raises(GeometryError, match="point cloud"):
        load_bytes(data, "cloud.ply")


def test_wireframe_is_a_clear_error() -> None:
    data = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nl 1 2\nl 2 3\nl 3 1\n"
    with pytest.raises(GeometryError, match="wireframe"):
        load_bytes(data, "wire.obj")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"solid empty\nendsolid empty\n", id="ascii_stl"),
        pytest.param(b"\0" * 80 + b"\0\0\0\0", id="binary_stl"),
    ],
)
def test_files_without_triangles_are_empty(data) -> None:
    with pytest.raises(EmptyFileError, match="no triangles"):
        load_bytes(data, "empty.stl")


def test_garbage_is_a_microfab_error() -> None:
    with pytest.raises(MicrofabError):
        load_bytes(b"solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0\n" * 3, "bad.stl")


@pytest.mark.parametrize(
    ("extent_mm", "unit", "expected"),
    [(0.229, "mm", "m"), (0.047, "mm", "m"), (0.762, "mm", "in"), (7000.0, "in", "mm"), (9000.0, "mm", None)],
)
def test_likely_unit(extent_mm, unit, expected) -> None:
    got = likely_unit(extent_mm, unit)
    assert (got[0].value if got else None) == expected


def test_tiny_part_finding_names_the_unit() -> None:
    part = load_bytes(_box((0.1, 0.2, 0.229)).export(file_type="stl"), "tiny.stl")
    findings = unit_findings(extract(part))
    assert [f.code for f in findings] == ["units_implausible_small"]
    assert "units=m" in findings[0].message and "229 mm" in findings[0].message


def test_default_unit_is_shown_with_the_size() -> None:
    part = load_bytes(_box().export(file_type="stl"), "p.stl")
    (finding,) = unit_findings(extract(part))
    assert finding.code == "units_assumed" and "10.0 x 20.0 x 30.0 mm" in finding.message


def test_ascii_roundtrip_of_trimesh_export() -> None:
    buf = io.BytesIO()
    _box().export(buf, file_type="stl_ascii")
    assert extract(load_bytes(buf.getvalue(), "p.stl")).mesh.triangles == 12


def _read_with_trimesh(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The former reader of every STL: trimesh's parse, then the same weld."""
    mesh = trimesh.load(io.BytesIO(data), file_type="stl", process=False)
    return merge_vertices(np.asarray(mesh.vertices, dtype=np.float64), np.asarray(mesh.faces, dtype=np.int64))


@pytest.mark.parametrize("dims", [(10.0, 20.0, 30.0), (1e-3, 2e-3, 3e-3), (1234.5, 0.7, 88.0)])
def test_binary_stl_reads_as_trimesh_reads_it(dims) -> None:
    mesh = trimesh.creation.icosphere(subdivisions=3)
    mesh.apply_scale(dims)
    data = mesh.export(file_type="stl")
    corners = binary_stl_corners(data)
    assert corners is not None and corners.dtype == np.float32 and corners.shape == (3 * len(mesh.faces), 3)
    vertices, faces, unit = read_mesh(data, FileFormat.STL, "s.stl")
    twin_vertices, twin_faces = _read_with_trimesh(data)
    assert unit is None
    assert np.array_equal(vertices, twin_vertices) and vertices.dtype == np.float64
    assert np.array_equal(faces, twin_faces)


def test_stl_that_is_not_binary_is_left_to_trimesh() -> None:
    ascii_data = _box().export(file_type="stl_ascii").encode()
    binary = _box().export(file_type="stl")
    assert binary_stl_corners(ascii_data) is None
    assert binary_stl_corners(binary[:-1]) is None  # one byte short: not the length its count declares
    assert binary_stl_corners(binary + b"\0") is None
    assert binary_stl_corners(binary[:84]) is None  # no triangles: trimesh words the empty-file error
    assert binary_stl_corners(b"") is None
    vertices, faces, _ = read_mesh(ascii_data, FileFormat.STL, "a.stl")
    assert len(vertices) == 8 and len(faces) == 12


def test_binary_stl_with_nan_corner_is_corrupt() -> None:
    data = bytearray(_box().export(file_type="stl"))
    data[84 + 12 : 84 + 16] = np.array([np.nan], dtype="<f4").tobytes()  # first triangle, first corner's x
    with pytest.raises(CorruptFileError, match="non-finite"):
        read_mesh(bytes(data), FileFormat.STL, "nan.stl")


def test_binary_stl_without_triangles_is_empty() -> None:
    header = b"\0" * 80 + (0).to_bytes(4, "little")
    with pytest.raises(EmptyFileError):
        load_bytes(header, "empty.stl")
