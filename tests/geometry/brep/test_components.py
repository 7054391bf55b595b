"""A multi-solid file's B-rep is analysed once: each distinct solid's values are cut out of the whole's.

The reference is the way every solid was measured before: ``split_solids``, then
``extract`` of each solid (a full ``brep_features`` of the solid alone).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import cadquery as cq
import numpy as np
import pytest

import geometry
from geometry.brep import analyze
from geometry.brep.analyze import analyse
from geometry.brep.components import component_of, solid_view
from geometry.brep.topology import Topology
from tests import parts
from tests.conftest import corpus_path
from tests.parts import step_bytes

#: multi-solid corpus files: identical solids (as1: bolts, nuts), holes through stacked solids, pockets
CORPUS_FILES = [
    pytest.param(name, marks=pytest.mark.corpus)
    for name in ("trimesh-models/box_sides.STEP", "occt-caxif/trj2_as1-ac-214.stp", "occt-caxif/trj3_s1-ct-203.stp",
                 "occt-caxif/bm2_ec_exhaust-A.stp")
]


def stacked_plates() -> cq.Compound:
    """A 3 mm plate on a 10 mm plate, one 5 mm hole through both on the same axis."""
    thin = cq.Workplane("XY").box(30, 20, 3, centered=(True, True, False)).faces(">Z").workplane().hole(5.0).val()
    thick = cq.Workplane("XY").box(30, 20, 10, centered=(True, True, False)).faces(">Z").workplane().hole(5.0).val()
    return cq.Compound.makeCompound([thin.translate(cq.Vector(0, 0, 10)), thick])


@pytest.fixture(scope="module")
def assembly_step() -> bytes:
    return step_bytes(parts.identical_and_odd_solids())


@pytest.fixture(scope="module")
def stacked_step() -> bytes:
    return step_bytes(stacked_plates())


def _file(request: pytest.FixtureRequest, name: str) -> tuple[bytes, str]:
    if name in ("assembly", "stacked"):
        return request.getfixturevalue(f"{name}_step"), f"{name}.step"
    path = corpus_path() / name
    if not path.is_file():
        pytest.skip(f"corpus file {path} absent")
    return path.read_bytes(), path.name


def _measured_alone(data: bytes, name: str) -> list[tuple[dict[str, Any], int]]:
    """Each distinct solid measured alone, as before: split, then a full analysis of each solid."""
    part = geometry.load_bytes(data, name)
    geometry.extract(part)
    return [(geometry.extract(sub).to_dict(), count) for sub, count in geometry.split_solids(part)]


@pytest.mark.parametrize("name", ["assembly", "stacked", *CORPUS_FILES])
def test_components_are_the_solids_measured_alone(request: pytest.FixtureRequest, name: str) -> None:
    data, filename = _file(request, name)
    measured = geometry.measure_part(geometry.load_bytes(data, filename))
    assert len(measured.components) > 1 or measured.components[0][1] > 1
    assert [(f.to_dict(), count) for f, count in measured.components] == _measured_alone(data, filename)


@pytest.mark.parametrize("name", ["assembly", "stacked", *CORPUS_FILES])
def test_the_whole_carries_each_instance_of_each_solid(request: pytest.FixtureRequest, name: str) -> None:
    """The whole's holes, pockets and corners are those of its solids, each as often as it occurs."""
    data, filename = _file(request, name)
    measured = geometry.measure_part(geometry.load_bytes(data, filename))
    whole, comps = measured.features, measured.components
    assert whole.holes is not None and whole.pockets is not None
    assert len(whole.holes) == sum(n * len(f.holes or []) for f, n in comps)
    assert len(whole.pockets) == sum(n * len(f.pockets or []) for f, n in comps)
    assert whole.sharp_internal_corners == sum(n * (f.sharp_internal_corners or 0) for f, n in comps)
    radii = [f.min_internal_radius_mm for f, _ in comps if f.min_internal_radius_mm is not None]
    assert whole.min_internal_radius_mm == (min(radii) if radii else None)
    depths = sorted(h.depth_mm for f, n in comps for h in (f.holes or []) for _ in range(n))
    assert sorted(h.depth_mm for h in whole.holes) == depths


def test_a_hole_through_stacked_solids_is_one_hole_in_each(stacked_step: bytes) -> None:
    measured = geometry.measure_part(geometry.load_bytes(stacked_step, "stacked.step"))
    assert sorted(h.depth_mm for h in measured.features.holes or []) == pytest.approx([3.0, 10.0])
    assert all(h.through for h in measured.features.holes or [])
    assert measured.features.hole_axes is not None and measured.features.hole_axes[0].count == 2


def test_each_distinct_solid_is_analysed_once(assembly_step: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """The recognisers run once on the whole file; turning and sheet metal once per distinct solid."""
    part = geometry.load_bytes(assembly_step, "assembly.step")
    calls: Counter[str] = Counter()
    topology_of = Topology.of

    def counted(name: str, fn: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return fn(*args, **kwargs)

        return run

    monkeypatch.setattr(Topology, "of", classmethod(lambda cls, shape: counted("Topology.of", topology_of)(shape)))
    for name in ("find_holes", "find_pockets", "internal_corners", "find_turning", "find_sheet_metal"):
        monkeypatch.setattr(analyze, name, counted(name, getattr(analyze, name)))
    measured = geometry.measure_part(part)
    distinct = len(measured.components)
    assert distinct == 2 and sorted(n for _, n in measured.components) == [1, 3]
    assert calls == {"Topology.of": 1, "find_holes": 1, "find_pockets": 1, "internal_corners": 1,
                     "find_turning": distinct, "find_sheet_metal": distinct}


def test_a_solids_view_is_its_own_topology(assembly_step: bytes) -> None:
    part = geometry.load_bytes(assembly_step, "assembly.step")
    a = analyse(part.brep)
    for mass in a.solids:
        view = solid_view(a.topo, mass.face_ids, mass.solid)
        assert view is not None
        got, own = view[0], Topology.of(mass.solid)
        assert [_face(f) for f in got.faces] == [_face(f) for f in own.faces]
        assert np.array_equal(got.vertex_points, own.vertex_points)
        assert got.edge_faces == own.edge_faces and got.face_edges == own.face_edges
        assert got.edge_reversed == own.edge_reversed
        assert all(a.IsSame(b) for a, b in zip(got.face_shapes, own.face_shapes, strict=True))
        assert all(a.IsSame(b) for a, b in zip(got.edge_shapes, own.edge_shapes, strict=True))


def _face(f: Any) -> tuple[Any, ...]:
    arrays = tuple(None if v is None else tuple(v.tolist()) for v in (f.normal, f.origin, f.axis, f.centroid))
    return (f.index, f.kind, f.area_mm2, f.radius_mm, f.minor_radius_mm, f.semi_angle_rad, f.concave, f.uv,
            f.vertices, f.inner_wires, f.inner_vertices, *arrays)


def _shared_face_part(source_step: bytes) -> geometry.Part:
    """Two blocks side by side sharing their touching face (a general fuse's result, not healed), one drilled."""
    from OCP.BOPAlgo import BOPAlgo_Builder

    from geometry.loaders.step import tessellate

    drilled = cq.Workplane("XY").box(10, 10, 10, centered=False).faces(">Z").workplane().hole(3.0).val()
    plain = cq.Workplane("XY").box(10, 10, 10, centered=False).val().translate(cq.Vector(10, 0, 0))
    builder = BOPAlgo_Builder()
    builder.AddArgument(drilled.wrapped)
    builder.AddArgument(plain.wrapped)
    builder.Perform()
    shape = builder.Shape()
    source = geometry.load_bytes(source_step, "shared.step").source
    return geometry.Part(source, *tessellate(shape), brep=shape, solids=2)


def test_solids_sharing_a_face_are_each_measured_alone(stacked_step: bytes) -> None:
    part = _shared_face_part(stacked_step)
    assert analyse(part.brep).solid_of is None  # nothing to cut out: each solid is analysed alone
    measured = geometry.measure_part(part)
    reference = _shared_face_part(stacked_step)
    geometry.extract(reference)
    alone = [(geometry.extract(sub).to_dict(), n) for sub, n in geometry.split_solids(reference)]
    assert [(f.to_dict(), n) for f, n in measured.components] == alone
    assert [n for _, n in measured.components] == [1, 1]


def test_a_recogniser_failing_on_the_whole_leaves_each_solid_measured_alone(
    assembly_step: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    find_pockets, calls = analyze.find_pockets, []

    def fails_first(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("a strange shape")
        return find_pockets(*args)

    monkeypatch.setattr(analyze, "find_pockets", fails_first)
    measured = geometry.measure_part(geometry.load_bytes(assembly_step, "assembly.step"))
    assert measured.features.pockets is None and "pockets" in measured.features.unmeasured
    assert len(calls) == 1 + len(measured.components)  # the whole, then each solid alone
    monkeypatch.setattr(analyze, "find_pockets", find_pockets)
    assert [(f.to_dict(), n) for f, n in measured.components] == _measured_alone(assembly_step, "assembly.step")


def _repeated_part(source_step: bytes) -> geometry.Part:
    """One drilled block twice at the same place (the same faces), as some exporters write an assembly."""
    from geometry.loaders.step import tessellate

    drilled = cq.Workplane("XY").box(10, 10, 10).faces(">Z").workplane().hole(3.0).val()
    shape = cq.Compound.makeCompound([drilled, drilled]).wrapped
    source = geometry.load_bytes(source_step, "repeated.step").source
    return geometry.Part(source, *tessellate(shape), brep=shape, solids=2)


def test_a_solid_repeated_at_the_same_place_is_cut_out_once(stacked_step: bytes) -> None:
    a = analyse(_repeated_part(stacked_step).brep)
    assert a.groups is not None and [n for _, n, _ in a.groups] == [2]
    assert component_of(a, 0) is not None
    measured = geometry.measure_part(_repeated_part(stacked_step))
    reference = _repeated_part(stacked_step)
    geometry.extract(reference)
    alone = [(geometry.extract(sub).to_dict(), n) for sub, n in geometry.split_solids(reference)]
    assert [(f.to_dict(), n) for f, n in measured.components] == alone
    assert [len(f.holes or []) for f, _ in measured.components] == [1]
