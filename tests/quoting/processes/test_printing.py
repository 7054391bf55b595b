"""3D printing: hand-computed FDM minutes and material, shared SLS/MJF/SLA builds, DFM findings."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geometry.features import Additive, MeshInfo
from quoting.errors import NotManufacturableError
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes.printing import PrintingModel
from tests.quoting.processes.helpers import codes, features, op

FDM = PrintingModel(Process.PRINTING_FDM)
SLA = PrintingModel(Process.PRINTING_SLA)
SLS = PrintingModel(Process.PRINTING_SLS)
MJF = PrintingModel(Process.PRINTING_MJF)
PLA = get_material("pla")
PA12 = get_material("pa12")
RESIN = get_material("resin_standard")


def test_hand_computed_fdm_cube():
    est = FDM.estimate(features((20.0, 20.0, 20.0)), PLA, "fdm")
    # 100 layers of 0.2 mm; shell = 2400 mm2 x 0.9 mm = 2160 mm3 at 2.6 mm3/s; infill (8000 - 2160) x 0.2
    # = 1168 mm3 and support 10 % x 8000 x 0.25 = 200 mm3 at 6 mm3/s; 4.2 s per layer
    printing = op(est, "printing")
    assert printing.inputs["layers"] == 100
    assert printing.time_min == pytest.approx((2160 / 2.6 + (1168 + 200) / 6.0 + 100 * 4.2) / 60.0)  # 24.6 min
    assert est.stock.mass_kg == pytest.approx((2160 + 1168 + 200) * 1240e-9 * 1.05)
    assert op(est, "support_removal").time_min == pytest.approx(0.5 * 0.8)
    assert op(est, "post_processing").time_min == pytest.approx(1.5)
    assert est.batch_time_min == pytest.approx(3.0)
    assert any("support assumed" in a for a in est.assumptions)
    assert any("lying flat" in a for a in est.assumptions)


def test_measured_orientation_and_support_are_used():
    f = features((20.0, 20.0, 40.0), additive=Additive((0.0, 0.0, 1.0), 40.0, 100.0, 0.0))
    est = FDM.estimate(f, PLA, "fdm")
    assert op(est, "printing").inputs["layers"] == 200
    assert est.assumptions == []


def test_sls_part_pays_its_share_of_a_shared_build():
    f = features((50.0, 40.0, 30.0), volume_mm3=20_000.0, additive=Additive((0.0, 0.0, 1.0), 30.0, 0.0, 0.0))
    est = SLS.estimate(f, PA12, "sls")
    assert est.build is None  # no order owns a build: parts of many orders share it
    # packed box (50 + 2) x (40 + 2) x (30 + 2) over 340 x 340 x 600 at 25 % packing
    share = 52 * 42 * 32 / (340 * 340 * 600 * 0.25)
    build_min = 600.0 + math.ceil(600 / 0.12) * 10.0 / 60.0
    assert op(est, "build_share").time_min == pytest.approx(share * build_min)
    # material: 50 % fresh powder (0.44 g/cm3 bulk) for its packed box over the 25 % packing density, more than
    # the part's own 20 cm3 x 1.01 g/cm3 (was part volume + 60 %, 32.3 g)
    assert est.stock.mass_kg == pytest.approx(0.5 * 440e-9 * 52 * 42 * 32 / 0.25)  # 61.5 g
    assert op(est, "sintering").time_min == pytest.approx(20_000 / 180.0 / 60.0)
    assert op(est, "post_processing").time_min == pytest.approx(0.3 + 1.0 * f.area_mm2 / 10_000)


@pytest.mark.parametrize("model", [SLS, MJF, SLA])
def test_one_part_never_pays_a_whole_build(model):
    """A single small part takes a small share of a build, and its minutes per part do not depend on the order."""
    material = RESIN if model is SLA else PA12
    f = features((30.0, 20.0, 10.0), additive=Additive((0.0, 0.0, 1.0), 10.0, 0.0, 0.0))
    est = model.estimate(f, material, model.technology)
    share = op(est, "build_share")
    # SLS/MJF: its packed box in the build volume; SLA: its packed footprint on the platform
    assert share.inputs["share_of_build"] < 0.1
    assert share.time_min < 0.1 * share.inputs["build_min"]
    per_part = [(est.batch_time_min + est.run_time_min(q)) / q for q in (1, 2, 10, 100)]
    assert per_part == sorted(per_part, reverse=True)
    assert est.run_time_min(100) == pytest.approx(100 * est.run_time_min(1))


@settings(max_examples=40, deadline=None)
@given(q=st.integers(1, 3000))
def test_run_time_grows_with_quantity(q):
    f = features((30.0, 20.0, 10.0), additive=Additive((0.0, 0.0, 1.0), 10.0, 0.0, 0.0))
    est = MJF.estimate(f, PA12, "mjf")
    assert est.run_time_min(q + 1) >= est.run_time_min(q)


@pytest.mark.parametrize(
    ("model", "material", "part", "code", "severity"),
    [
        (FDM, PLA, features((20.0, 20.0, 20.0), volume_mm3=None,
                            mesh=MeshInfo(10, 8, False, 1, open_edges=4)), "additive_mesh_not_closed", "error"),
        (FDM, PLA, features((400.0, 20.0, 20.0)), "additive_part_too_large", "error"),
        (SLA, RESIN, features((20.0, 20.0, 20.0), min_wall_thickness_mm=0.3), "additive_thin_wall", "warning"),
        (SLS, PA12, features((20.0, 20.0, 20.0), solids=1,
                             mesh=MeshInfo(24, 16, True, 2, from_brep=True)), "additive_trapped_volume", "error"),
        (SLA, PA12, features((20.0, 20.0, 20.0)), "material_not_offered", "error"),
    ],
)
def test_each_finding_fires(model, material, part, code, severity):
    found = [f for f in model.check(part, material, model.technology) if f.code == code]
    assert found, code
    assert found[0].severity.value == severity


def test_clean_part_is_silent_and_fdm_ignores_cavities():
    clean = features((20.0, 20.0, 20.0), min_wall_thickness_mm=2.0)
    for model, material in ((FDM, PLA), (SLA, RESIN), (SLS, PA12), (MJF, PA12)):
        assert model.check(clean, material, model.technology) == []
    cavity = features((20.0, 20.0, 20.0), solids=1, mesh=MeshInfo(24, 16, True, 2, from_brep=True))
    assert "additive_trapped_volume" not in codes(FDM.check(cavity, PLA, "fdm"))


def test_machine_class_of_another_technology_is_refused():
    with pytest.raises(NotManufacturableError, match="machine class"):
        SLS.estimate(features((20.0, 20.0, 20.0)), PA12, "fdm")


def test_overridden_wall_threshold():
    part = features((20.0, 20.0, 20.0), min_wall_thickness_mm=0.6)
    assert "additive_thin_wall" in codes(FDM.check(part, PLA, "fdm"))
    assert FDM.check(part, PLA, "fdm", overrides={"additive_min_wall_fdm_mm": 0.5}) == []


def test_closed_mesh_with_nonmanifold_edges_is_printed_with_a_warning():
    """Two bodies touching along an edge: closed and consistently wound, so measured and printable."""
    from geometry.mesh_analysis import mesh_features
    from tests.geometry.kernels.test_health import _edge_touching_boxes

    v, f = _edge_touching_boxes()
    fields = mesh_features(v, f)
    assert fields["volume_mm3"] == pytest.approx(2.0)
    part = features((2.0, 2.0, 1.0), mesh=fields["mesh"], volume_mm3=fields["volume_mm3"])
    found = FDM.check(part, PLA, "fdm")
    assert "additive_nonmanifold_edges" in codes(found)
    assert "additive_mesh_not_closed" not in codes(found)


def test_open_mesh_refusal_counts_the_open_edges():
    part = features((20.0, 20.0, 20.0), volume_mm3=None, mesh=MeshInfo(10, 8, False, 1, open_edges=4))
    [error] = [x for x in FDM.check(part, PLA, "fdm") if x.code == "additive_mesh_not_closed"]
    assert "4 open edges" in error.message


def test_sls_powder_refresh_by_share_of_build_never_below_the_part():
    """A powder bed refreshes the powder around the parts too: an open box pays for the powder of the space it
    takes, a dense part for at least its own mass."""
    up = Additive((0.0, 0.0, 1.0), 30.0, 0.0, 0.0)
    open_box = SLS.estimate(features((100.0, 60.0, 30.0), volume_mm3=36_000.0, additive=up), PA12, "sls")
    assert open_box.stock.mass_kg == pytest.approx(0.5 * 440e-9 * 102 * 62 * 32 / 0.25)  # 178 g for a 36 g part
    assert "share of the build" in open_box.stock.description
    # a part denser than PA12 powder's refresh share (a heavy solid in its box): its own mass
    dense = PrintingModel(Process.PRINTING_SLS)
    dense.params = {**dense.params, "powder_refresh_fraction": 0.05}
    solid = dense.estimate(features((20.0, 20.0, 20.0), additive=Additive((0.0, 0.0, 1.0), 20.0, 0.0, 0.0)),
                           PA12, "sls")
    assert solid.stock.mass_kg == pytest.approx(8000 * 1010e-9)
    # MJF keeps its flat waste (no refresh rate in its table)
    mjf = MJF.estimate(features((20.0, 20.0, 20.0), additive=Additive((0.0, 0.0, 1.0), 20.0, 0.0, 0.0)), PA12, "mjf")
    assert mjf.stock.mass_kg == pytest.approx(8000 * 1010e-9 * 1.25)


def test_support_finding_names_the_overhanging_faces():
    """FDM and SLA build supports: the overhanging faces are named for the page to paint; powder beds need none."""
    from geometry.features import FaceArea

    add = Additive((0.0, 0.0, 1.0), 20.0, overhang_area_mm2=250.0, support_volume_mm3=1500.0)
    part = features((20.0, 20.0, 20.0), min_wall_thickness_mm=2.0, additive=add,
                    overhang_faces=[FaceArea(7, 200.0), FaceArea(3, 50.0)])
    for model, material in ((FDM, PLA), (SLA, RESIN)):
        [found] = [f for f in model.check(part, material, model.technology) if f.code == "additive_support_needed"]
        assert found.severity.value == "info" and found.location is not None
        assert found.location.face_ids == (7, 3)
        assert "2.5 cm2" in found.message and "1.5 cm3" in found.message
    for model in (SLS, MJF):
        assert "additive_support_needed" not in codes(model.check(part, PA12, model.technology))
    flat = features((20.0, 20.0, 20.0), min_wall_thickness_mm=2.0,
                    additive=Additive((0.0, 0.0, 1.0), 20.0, overhang_area_mm2=0.0, support_volume_mm3=0.0))
    assert FDM.check(flat, PLA, "fdm") == []
