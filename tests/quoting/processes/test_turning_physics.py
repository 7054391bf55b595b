"""CNC turning from cutting physics: Kienzle limits, live-tool secondary operations, bar feeding at quantity."""

from __future__ import annotations

import math

import pytest

from geometry.features import Hole, Turning
from quoting.materials import get_material
from quoting.processes.cutting import Spindle, cutting_classes, turning_force_n, turning_removal
from quoting.processes.turning import TurningModel
from tests.quoting.processes.helpers import features, op

LATHE = TurningModel()


def shaft(d=30.0, length=50.0, secondary=(), holes=()):
    return features((length, d, d), turning=Turning((1.0, 0.0, 0.0), d, length, list(secondary)),
                    volume_mm3=math.pi / 4 * d**2 * length, area_mm2=math.pi * d * length + math.pi / 2 * d**2,
                    holes=list(holes))


def test_torque_cuts_the_depth_and_power_the_speed():
    steel = cutting_classes()["P_low_carbon"]
    weak = Spindle(power_kw=2.0, torque_nm=5.0, max_rpm=6000.0, efficiency=0.8)
    r = turning_removal(steel, weak, 100.0)
    # torque at r = 50 mm: 0.8 x 5 Nm -> 80 N of cutting force
    assert r.force_n == pytest.approx(80.0)
    assert r.ap_mm < steel.turn_ap_mm
    assert r.force_n == pytest.approx(turning_force_n(steel, steel.turn_f_mm, r.ap_mm))
    strong = Spindle(power_kw=3.0, torque_nm=1000.0, max_rpm=6000.0, efficiency=0.8)
    p = turning_removal(steel, strong, 100.0)
    assert p.limited_by == "power"
    assert p.force_n * p.vc_m_min / 60_000.0 == pytest.approx(0.8 * 3.0)


def test_stainless_turns_slower_than_steel_and_aluminium():
    def cutting(material):
        est = LATHE.estimate(shaft(), get_material(material), "2axis_lathe")
        return sum(o.time_min for o in est.operations if o.name in ("roughing", "finishing", "facing", "parting_off"))

    assert cutting("al6061") < cutting("s235") < cutting("ss304")


def test_off_axis_features_are_milling_minutes_on_the_live_tool():
    part = shaft(secondary=["2 flats parallel to the axis", "cross hole Ø5 mm"],
                 holes=[Hole(5.0, 30.0, True, (0.0, 1.0, 0.0)), Hole(8.0, 20.0, False, (1.0, 0.0, 0.0))])
    live = LATHE.estimate(part, get_material("s235"), "turn_mill")
    second = LATHE.estimate(part, get_material("s235"), "2axis_lathe")
    sec = op(live, "secondary_operations")
    assert sec.inputs["milled_faces"] == 1 and sec.inputs["off_axis_holes"] == 1 and sec.inputs["live_tooling"]
    assert sec.time_min > 0.5
    assert not any(o.name == "second_op_setup" for o in live.operations)
    assert op(second, "second_op_setup").per_batch
    assert op(live, "drill_2").inputs["on_axis"] is True and op(live, "drill_1").inputs["on_axis"] is False
    # the live tool (5.6 kW, 4000 rpm) mills no faster than the 3-axis mill's spindle
    assert op(live, "secondary_operations").time_min >= op(second, "secondary_operations").time_min


def test_bar_feeding_shares_loading_at_quantity():
    est = LATHE.estimate(shaft(), get_material("al6061"), "2axis_lathe")
    assert est.fixturing is not None
    per_part = [est.run_time_min(q) / q for q in (1, 5, 20, 100, 1000)]
    assert per_part == sorted(per_part, reverse=True)
    assert per_part[-1] < per_part[0]
