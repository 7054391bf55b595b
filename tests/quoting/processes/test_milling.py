"""CNC milling: hand-computed minutes and stock, DFM findings, overrides, properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geometry.features import Hole, Pocket
from quoting.errors import NotManufacturableError, UnknownOptionError
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import process_models
from quoting.processes.milling import MillingModel, finishing_tool_mm, milling_stock
from tests.quoting.processes.helpers import AL_3AXIS_ROUGHING_MM3_MIN, block, codes, features, op

AL = get_material("al6061")
MILL = MillingModel()


def test_registry_has_every_process():
    models = process_models()
    assert set(models) == set(Process)
    for process, model in models.items():
        assert model.process is process


def test_hand_computed_block():
    est = MILL.estimate(block(), AL, "3axis")
    # stock: 106 x 66 x 26 -> sides to the 5 mm saw step (110, 70), thickness to the 30 mm plate
    assert est.stock.dims_mm == (110.0, 70.0, 30.0)
    assert est.stock.mass_kg == pytest.approx(110 * 70 * 30 * 1e-9 * 2700)  # 0.6237 kg
    # roughing: (231000 - 108000) mm3 at the cutting-data rate (helpers.AL_3AXIS_ROUGHING_MM3_MIN, 25194 mm3/min)
    assert op(est, "roughing").time_min == pytest.approx(123_000 / AL_3AXIS_ROUGHING_MM3_MIN)
    # finishing, no face types measured: every face side-milled with the D10 reference mill: 8100 rpm (capped)
    # x 0.08 mm x 3 flutes = 1944 mm/min over 1.5 x 10 mm of flute = 29160 mm2/min, x path efficiency 0.2 / 2
    # passes; R3 corner -> largest mill with r <= 2.7 is D5; factor sqrt(5/10)
    assert op(est, "finishing").inputs["smallest_tool_mm"] == 5.0
    side_rate = 1.5 * 10 * (0.08 * 3 * 8100) * 0.2 / 2
    assert op(est, "finishing").time_min == pytest.approx(19_800 / (side_rate * math.sqrt(0.5)))
    # setups: 30 + 15 min, programming 45 min, first-article inspection 15 min, per batch
    assert op(est, "setup").time_min == pytest.approx(45.0)
    assert est.batch_time_min == pytest.approx(105.0)
    # 2 setups x 1.5 min handling; deburr 1 min per 100 cm2
    assert op(est, "handling").time_min == pytest.approx(3.0)
    assert op(est, "deburring").time_min == pytest.approx(1.98)
    # tools: roughing, finishing, chamfer = 3, + 2 re-loads for the second setup = 5 changes x 0.12
    assert op(est, "tool_changes").time_min == pytest.approx(5 * 0.12)
    assert est.findings == []
    assert est.assumptions == []


def test_drilling_pecking_and_tapping():
    holes = [
        Hole(6.0, 20.0, True, (0.0, 0.0, 1.0)),  # 3.3 x D: pecked
        Hole(6.0, 12.0, True, (0.0, 0.0, 1.0)),  # 2 x D: one pass
        Hole(5.0, 12.0, False, (0.0, 0.0, 1.0), likely_tap="M6"),
    ]
    est = MILL.estimate(block(holes=holes), AL, "3axis")
    # N_wrought_aluminium: vc 180 m/min on Ø6 -> 9549 rpm, capped at 8100; feed 0.10 mm/rev (Ø <= 6.4) x 1.5
    vf = 8100 * 0.10 * 1.5  # 1215 mm/min
    assert op(est, "drill_1").time_min == pytest.approx(0.05 + 20 / vf + 4 * 0.03)
    assert op(est, "drill_1").inputs["pecks"] == 4
    assert op(est, "drill_2").time_min == pytest.approx(0.05 + 12 / vf)
    assert "pecks" not in op(est, "drill_2").inputs
    # M6 tap, depth min(12, 1.5 x 6 = 9), rpm = 20000 / (pi 6), in and out at 1 mm/rev
    rpm = 20.0 * 1000.0 / (math.pi * 6.0)
    assert op(est, "tap_3").time_min == pytest.approx(0.05 + 2 * 9.0 / (rpm * 1.0))
    assert any("tapped" in a for a in est.assumptions)


def test_nonstandard_hole_is_interpolated_and_flagged():
    hole = Hole(5.13, 10.0, True, (0.0, 0.0, 1.0), face_ids=(7,))
    est = MILL.estimate(block(holes=[hole]), AL, "3axis")
    d = op(est, "drill_1")
    assert d.inputs["interpolated"] is True
    assert d.time_min == pytest.approx(0.05 + math.pi * 5.13**2 / 4 * 10 / (AL_3AXIS_ROUGHING_MM3_MIN * 0.3))
    f = [f for f in est.findings if f.code == "cnc_nonstandard_hole"]
    assert f and "Ø5" in f[0].message and f[0].location.face_ids == (7,)


def test_unmeasured_fields_become_assumptions_not_numbers():
    f = features((100.0, 60.0, 20.0), unmeasured={"setups_3axis": "not analysed", "holes": "mesh only"})
    est = MILL.estimate(f, AL, "3axis")
    assert op(est, "setup").inputs["setups"] == 2
    text = " ".join(est.assumptions)
    assert "setups assumed" in text and "not analysed" in text
    assert "holes not measured" in text and "mesh only" in text
    assert "end mill assumed" in text


@pytest.mark.parametrize(
    ("fields", "code", "severity"),
    [
        ({"min_internal_radius_mm": 0.2}, "cnc_internal_radius_too_small", "warning"),
        ({"min_internal_radius_mm": 1.0}, "cnc_small_internal_radius", "info"),
        ({"holes": [Hole(3.0, 30.0, False, (0.0, 0.0, 1.0))]}, "cnc_deep_hole", "warning"),
        ({"pockets": [Pocket(50.0, (10.0, 12.0), 5.0, (0.0, 0.0, 1.0), face_ids=(3, 4))]}, "cnc_deep_pocket", "warning"),
        ({"min_wall_thickness_mm": 0.5}, "cnc_thin_wall", "warning"),
        ({"holes": [Hole(6.37, 6.0, True, (0.0, 0.0, 1.0))]}, "cnc_nonstandard_hole", "info"),
        ({"unreachable_area_mm2": 120.0}, "cnc_unreachable_faces", "error"),
    ],
)
def test_each_finding_fires(fields, code, severity):
    found = [f for f in MILL.check(block(**fields), AL, "3axis") if f.code == code]
    assert found, code
    assert found[0].severity.value == severity
    assert found[0].process == "cnc_milling"
    assert found[0].message  # says what to change


def test_clean_part_is_silent():
    clean = block(min_wall_thickness_mm=3.0, holes=[Hole(6.0, 12.0, True, (0.0, 0.0, 1.0))])
    assert MILL.check(clean, AL, "3axis") == []


def test_thin_wall_limit_depends_on_plastic_or_metal():
    part = block(min_wall_thickness_mm=1.0)
    assert "cnc_thin_wall" not in codes(MILL.check(part, AL, "3axis"))
    assert "cnc_thin_wall" in codes(MILL.check(part, get_material("pom"), "3axis"))


def test_part_larger_than_machine():
    big = features((1200.0, 300.0, 100.0))
    assert "cnc_part_too_large" in codes(MILL.check(big, AL, "3axis"))
    with pytest.raises(NotManufacturableError, match="travel"):
        MILL.estimate(big, AL, "3axis")


def test_unreachable_faces_go_5axis():
    part = block(unreachable_area_mm2=500.0, setups_3axis=["+Z", "-Z", "+X", "-Y"])
    with pytest.raises(NotManufacturableError, match="5-axis"):
        MILL.estimate(part, AL, "3axis")
    est = MILL.estimate(part, AL, "5axis")
    assert op(est, "setup").inputs["setups"] == 2  # 3+2 reaches five sides per clamping
    assert op(est, "five_axis_finishing").time_min > 0
    assert "cnc_needs_5axis" in codes(est.findings)


def test_overrides_change_thresholds_and_reject_unknown_keys():
    part = block(holes=[Hole(3.0, 27.0, False, (0.0, 0.0, 1.0))])  # 9 x D
    assert "cnc_deep_hole" in codes(MILL.check(part, AL, "3axis"))
    assert "cnc_deep_hole" not in codes(MILL.check(part, AL, "3axis", overrides={"cnc_max_hole_depth_to_diameter": 10}))
    with pytest.raises(UnknownOptionError, match="cnc_max_hole_depth"):
        MILL.check(part, AL, "3axis", overrides={"cnc_max_hole_depth": 10})


def test_material_not_offered():
    with pytest.raises(NotManufacturableError, match="not offered"):
        MILL.estimate(block(), get_material("pla"), "3axis")


def test_stock_and_tool_helpers():
    params = MILL.params
    assert milling_stock((10.0, 10.0, 1.0), params) == (20.0, 20.0, 8.0)
    assert milling_stock((500.0, 400.0, 310.0), params)[2] == 320.0  # beyond the plate list: saw step
    assert finishing_tool_mm(0.1, params) == 1.0  # never below the smallest mill
    assert finishing_tool_mm(50.0, params) == 20.0


@settings(max_examples=40, deadline=None)
@given(
    v1=st.floats(1_000, 119_000),
    v2=st.floats(1_000, 119_000),
)
def test_more_removed_volume_never_fewer_minutes(v1, v2):
    small, large = sorted((v1, v2))  # a smaller part volume removes more from the same stock
    more_removed = MILL.estimate(block(volume_mm3=small), AL, "3axis")
    less_removed = MILL.estimate(block(volume_mm3=large), AL, "3axis")
    assert more_removed.part_time_min >= less_removed.part_time_min


def test_round_part_is_milled_from_bar():
    from geometry.features import Turning

    part = block(turning=Turning((0.0, 0.0, 1.0), 40.0, 20.0, ["hexagon flats"]),
                 volume_mm3=math.pi / 4 * 40**2 * 20)
    part = part.with_updates(bbox_mm=(40.0, 40.0, 20.0))
    est = MILL.estimate(part, AL, "3axis")
    # block would be 50 x 50 x 30 = 75000 mm3; bar Ø50 (40 + 6 -> 50) x 30 = 58905 mm3
    assert est.stock.dims_mm == (50.0, 30.0)
    assert "round bar" in est.stock.description
    assert est.stock.mass_kg == pytest.approx(math.pi / 4 * 50**2 * 30 * 2700e-9)


def test_drill_hint_never_names_the_hole_itself():
    """A 6.60 mm hole measured with a finer drill table must not be told to 'use the standard drill 6.6 mm'."""
    hole = Hole(6.6, 8.0, True, (0.0, 0.0, 1.0), nearest_drill_mm=6.6)
    [f] = [f for f in MILL.check(block(holes=[hole]), AL, "3axis") if f.code == "cnc_nonstandard_hole"]
    assert "Ø6.6 mm" not in f.message
    assert "Ø6.5 mm" in f.message
