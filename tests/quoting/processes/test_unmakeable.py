"""Never offer what cannot be made: cadquery parts with a closed inner cavity or blind holes on a plate."""

from __future__ import annotations

import datetime as dt

import cadquery as cq

from geometry import extract, load_bytes
from quoting.engine import quote
from quoting.request import QuoteRequest
from tests.parts import step_bytes

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _measured(shape: cq.Workplane, name: str):
    return extract(load_bytes(step_bytes(shape), name))


def _offered(features, material: str) -> set[str]:
    q = quote(features, QuoteRequest.parse(material=material, quantities=(1,)), now=NOW)
    return {str(getattr(o.process, "value", o.process)) for o in q.offers}


def _reasons(features, material: str, process: str) -> list[str]:
    q = quote(features, QuoteRequest.parse(material=material, quantities=(1,), process=process), now=NOW)
    assert not q.offers
    return [r for i in q.ineligible for r in i.reasons]


def test_sphere_with_closed_cavity_is_not_machined():
    sphere = cq.Workplane("XY").sphere(20.0).cut(cq.Workplane("XY").sphere(12.0))
    f = _measured(sphere, "hollow_sphere.step")
    assert f.mesh.bodies > f.solids
    for material in ("al6061", "s235"):
        assert not _offered(f, material) & {"cnc_milling", "cnc_turning", "sheet_metal"}
    assert any("closed inner cavit" in r for r in _reasons(f, "al6061", "cnc_milling"))
    assert "printing_fdm" in _offered(f, "pla")


def test_plate_with_blind_holes_is_not_laser_cut_without_machining():
    plate = cq.Workplane("XY").box(120.0, 80.0, 8.0)
    through = [(-45, -25), (0, -25), (45, -25), (-45, 25), (0, 25), (45, 25)]
    plate = plate.faces(">Z").workplane().pushPoints(through).hole(8.5)
    plate = plate.faces(">Z").workplane().pushPoints([(-20, 0), (20, 0)]).hole(6.0, 4.0)
    f = _measured(plate, "plate_blind.step")
    if "sheet_metal" in _offered(f, "s235"):
        q = quote(f, QuoteRequest.parse(material="s235", quantities=(1,), process="sheet_metal"), now=NOW)
        ops = {op.name for o in q.offers for op in o.operations}
        assert any(name.startswith("secondary_") for name in ops), ops
    else:
        assert any("blind" in r for r in _reasons(f, "s235", "sheet_metal"))
