"""Closed inner voids on meshes: no cutting process offers the part, SLA/SLS/MJF find trapped material,
FDM prints it; two disjoint bodies are no void (cadquery parts exported as STL)."""

from __future__ import annotations

import datetime as dt

import cadquery as cq
import pytest

from geometry import extract, load_bytes
from quoting.engine import quote
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import process_models
from quoting.request import QuoteRequest
from tests.parts import stl_bytes
from tests.quoting.processes.helpers import codes

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CUTTING = {"cnc_milling", "cnc_turning", "sheet_metal"}


def _stl(shape: cq.Workplane, name: str):
    return extract(load_bytes(stl_bytes(shape), name))


@pytest.fixture(scope="module")
def box_with_cavity():
    return _stl(cq.Workplane("XY").box(40, 40, 40).cut(cq.Workplane("XY").box(16, 16, 16)), "cavity.stl")


@pytest.fixture(scope="module")
def two_boxes():
    pair = cq.Workplane("XY").box(20, 20, 20).union(cq.Workplane("XY").box(20, 20, 20).translate((40, 0, 0)))
    return _stl(pair, "pair.stl")


def _offers(features, material: str, process: str | None = None):
    return quote(features, QuoteRequest.parse(material=material, quantities=(1,), process=process), now=NOW)


def test_mesh_with_a_cavity_is_not_machined(box_with_cavity) -> None:
    f = box_with_cavity
    assert f.mesh.voids == 1 and not f.mesh.from_brep
    for material in ("al6061", "s235"):
        offered = {str(o.process) for o in _offers(f, material).offers}
        assert not offered & CUTTING
    q = _offers(f, "al6061", "cnc_milling")
    assert not q.offers
    reasons = [r for i in q.ineligible for r in i.reasons]
    machined = [r for r in reasons if r.startswith("cnc_milling (")]
    assert machined and all("closed inner cavit" in r for r in machined)
    models = process_models()
    finding = next(x for x in models[Process.CNC_MILLING].check(f, get_material("al6061"), "3axis")
                   if x.code == "closed_inner_void")
    assert "1 closed inner cavity" in finding.message
    assert finding.location.point_mm == pytest.approx((0.0, 0.0, 0.0), abs=1e-6)  # the cavity's centre


@pytest.mark.parametrize(("process", "material", "machine"), [
    (Process.PRINTING_SLA, "resin_standard", "sla"),
    (Process.PRINTING_SLS, "pa12", "sls"),
    (Process.PRINTING_MJF, "pa12", "mjf"),
])
def test_mesh_cavity_traps_resin_and_powder(box_with_cavity, process, material, machine) -> None:
    found = process_models()[process].check(box_with_cavity, get_material(material), machine)
    trapped = [x for x in found if x.code == "additive_trapped_volume"]
    assert trapped and trapped[0].severity.value == "error"
    assert "4.1 cm3" in trapped[0].message and "escape holes of 3.5 mm" in trapped[0].message


def test_mesh_cavity_prints_in_fdm(box_with_cavity) -> None:
    assert "additive_trapped_volume" not in codes(
        process_models()[Process.PRINTING_FDM].check(box_with_cavity, get_material("pla"), "fdm"))
    assert "printing_fdm" in {str(o.process) for o in _offers(box_with_cavity, "pla").offers}


def test_two_disjoint_bodies_are_no_void(two_boxes) -> None:
    f = two_boxes
    assert f.mesh.bodies == 2 and f.mesh.voids == 0
    for process, material, machine in ((Process.PRINTING_SLS, "pa12", "sls"),
                                       (Process.CNC_MILLING, "al6061", "3axis")):
        found = codes(process_models()[process].check(f, get_material(material), machine))
        assert "additive_trapped_volume" not in found and "closed_inner_void" not in found
