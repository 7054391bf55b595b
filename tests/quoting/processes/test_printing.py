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
    # 100 layers of 0.2 mm; not measured: skins over the 20 x 20 footprint up and down, walls running 20 mm.
    # perimeters: (2400 - 2 x 400) mm2 of wall x 2 loops x 0.45 mm = 1440 mm3; a mm of loop takes
    # (1 + 2.0 v^2 / (800 x 20)) / v at 25 and at 45 mm/s, averaged, over 0.45 x 0.2 mm2 of section.
    # skins: 400 x 0.2 = 80 mm3 top layer at 40 mm/s, (400 x 4 + 400 x 4) x 0.2 = 640 mm3 at 80 mm/s; infill
    # (8000 - 1440 - 80 - 640) x 0.2 = 1168 mm3 at 80 mm/s; support 10 % x 8000 x 0.25 = 200 mm3 at 50 mm/s;
    # fills at 0.42 of their speed x 0.09 mm2; 0.8 s per layer
    printing = op(est, "printing")
    assert printing.inputs["layers"] == 100
    per_mm = ((1 + 2.0 * 25**2 / (800 * 20)) / 25 + (1 + 2.0 * 45**2 / (800 * 20)) / 45) / 2
    fill = 0.42 * 0.45 * 0.2
    seconds = (1440 * per_mm / 0.09 + 80 / (fill * 40) + (640 + 1168) / (fill * 80) + 200 / (fill * 50) + 100 * 0.8)
    assert printing.time_min == pytest.approx(seconds / 60.0)  # 23.4 min
    assert est.stock.mass_kg == pytest.approx((1440 + 80 + 640 + 1168 + 200) * 1240e-9 * 1.05)
    assert op(est, "support_removal").time_min == pytest.approx(0.5 * 0.8)
    assert op(est, "post_processing").time_min == pytest.approx(1.5)
    assert est.batch_time_min == pytest.approx(3.0)
    assert any("support assumed" in a for a in est.assumptions)
    assert any("lying flat" in a for a in est.assumptions)
    assert any("skins assumed over the footprint" in a for a in est.assumptions)


def test_measured_orientation_and_support_are_used():
    f = features((20.0, 20.0, 40.0), additive=Additive((0.0, 0.0, 1.0), 40.0, 100.0, 0.0, up_area_mm2=400.0,
                                                       down_area_mm2=400.0, wall_run_mm=20.0))
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


# --- FDM skins: the areas facing up and down print as solid infill, faster than perimeters --------------------


def _fdm_printing(size: tuple[float, float, float], up: float, down: float, run: float = 50.0, **fields):
    add = Additive((0.0, 0.0, 1.0), size[2], 0.0, 0.0, up_area_mm2=up, down_area_mm2=down, wall_run_mm=run)
    return op(FDM.estimate(features(size, additive=add, **fields), PLA, "fdm"), "printing")


def test_thin_plate_time_is_mostly_skin_and_below_the_shell_at_perimeter_speed():
    """A 100 x 100 x 2 mm plate is nearly all top and bottom skin: solid infill at 80 mm/s (its top layer at 40),
    faster than the shell-at-perimeter-rate model (shell = area x 0.9 mm at 2.6 mm3/s, infill at 6 mm3/s,
    4.2 s a layer) that printed it before."""
    printing = _fdm_printing((100.0, 100.0, 2.0), 10_000.0, 10_000.0)
    i = printing.inputs
    skin_s = (10_000 * 0.2) / i["top_skin_rate_mm3_s"] + (i["skin_volume_mm3"] - 2000) / i["solid_skin_rate_mm3_s"]
    assert skin_s > 0.8 * printing.time_min * 60.0
    shell = min(20_000.0, 20_800.0 * 0.9)
    old_min = (shell / 2.6 + (20_000.0 - shell) * 0.2 / 6.0 + 10 * 4.2) / 60.0
    assert printing.time_min < old_min


def test_skins_never_fill_a_thin_part_twice():
    """A 1 mm plate has 9 layers of skin on paper (5 top, 4 bottom: 1.8 mm); it is printed solid once."""
    printing = _fdm_printing((100.0, 100.0, 1.0), 10_000.0, 10_000.0)
    i = printing.inputs
    assert i["perimeter_volume_mm3"] + i["skin_volume_mm3"] + i["infill_volume_mm3"] == pytest.approx(10_000.0)
    assert i["infill_volume_mm3"] == 0.0


@settings(max_examples=60, deadline=None)
@given(volume=st.floats(100.0, 50_000.0), area=st.floats(100.0, 30_000.0), up=st.floats(0.0, 10_000.0),
       down=st.floats(0.0, 10_000.0), more=st.floats(0.0, 5_000.0))
def test_skin_split_is_capped_and_monotonic_in_skin_area(volume, area, up, down, more):
    """Nothing extruded exceeds the part; more area facing up or down (the walls unchanged) never prints faster:
    its skin takes the place of sparse infill."""
    size = (50.0, 50.0, 20.0)
    before = _fdm_printing(size, up, down, volume_mm3=volume, area_mm2=area + up + down)
    i = before.inputs
    assert i["perimeter_volume_mm3"] + i["skin_volume_mm3"] + i["infill_volume_mm3"] <= volume + 0.2  # rounding
    higher = _fdm_printing(size, up + more, down, volume_mm3=volume, area_mm2=area + up + more + down)
    lower = _fdm_printing(size, up, down + more, volume_mm3=volume, area_mm2=area + up + down + more)
    assert higher.time_min >= before.time_min * (1 - 1e-12)
    assert lower.time_min >= before.time_min * (1 - 1e-12)


def test_short_wall_runs_print_slower():
    """Perimeters stop at the ends of their straight runs: the facets of small round holes (short runs) print
    slower than the long sides of a box."""
    long_runs = _fdm_printing((50.0, 50.0, 20.0), 2500.0, 2500.0, run=50.0)
    short_runs = _fdm_printing((50.0, 50.0, 20.0), 2500.0, 2500.0, run=2.0)
    assert short_runs.time_min > long_runs.time_min
    assert short_runs.inputs["perimeter_rate_mm3_s"] < long_runs.inputs["perimeter_rate_mm3_s"]
