"""CNC turning: hand-computed minutes and bar, DFM findings."""

from __future__ import annotations

import math

import pytest

from geometry.features import Hole, MeshInfo, Turning
from quoting.errors import NotManufacturableError
from quoting.materials import get_material
from quoting.processes.turning import TurningModel
from tests.quoting.processes.helpers import codes, features, op

AL = get_material("al6061")
LATHE = TurningModel()


def shaft(d=30.0, length=50.0, secondary=(), **fields):
    fields.setdefault("volume_mm3", math.pi / 4 * d**2 * length)
    fields.setdefault("area_mm2", math.pi * d * length + 2 * math.pi / 4 * d**2)
    fields.setdefault("holes", [])
    return features((length, d, d), turning=Turning((1.0, 0.0, 0.0), d, length, list(secondary)), **fields)


def test_hand_computed_shaft():
    est = LATHE.estimate(shaft(), AL, "2axis_lathe")
    # bar: 30 + 2 x 1 -> the standard 32 mm bar, 50 + 1 facing + 3 parting = 54 mm
    assert est.stock.dims_mm == (32.0, 54.0)
    bar = math.pi / 4 * 32**2 * 54
    assert est.stock.mass_kg == pytest.approx(bar * 2700e-9)
    removed = bar - math.pi / 4 * 30**2 * 50
    # N_wrought_aluminium rough turning: f 0.3 mm, ap 3 mm, vc 400 m/min; Kienzle Fc = 800 x 0.3^0.75 x 3 = 973 N,
    # under the torque (0.8 x 200 Nm at r 16 mm: 10 kN) and the power (0.8 x 14.9 kW: vc up to 735 m/min);
    # 4000 rpm on Ø32 allows 402 m/min: 400 x 1000 x 3 x 0.3 mm3/min x path efficiency 0.6
    assert op(est, "roughing").time_min == pytest.approx(removed / (400_000 * 3 * 0.3 * 0.6))
    assert op(est, "roughing").inputs["cutting_force_n"] == round(800 * 0.3**0.75 * 3)
    # finishing: vc min(500, pi x 30 x 4000 / 1000) x 0.12 mm/rev x path efficiency 0.7
    finish = math.pi * 30 * 4000 * 0.12 * 0.7
    area = math.pi * 30 * 50 + 2 * math.pi / 4 * 900
    assert op(est, "finishing").time_min == pytest.approx(area / finish)
    assert op(est, "facing").time_min == pytest.approx(math.pi / 4 * 32**2 / finish)
    assert op(est, "parting_off").time_min == pytest.approx(16 / (0.12 * 4000))  # radius / (feed x rpm, capped)
    assert op(est, "handling").time_min == pytest.approx(1.0)
    assert op(est, "tool_changes").time_min == pytest.approx(4 * 0.05)
    assert est.batch_time_min == pytest.approx(30.0 + 20.0 + 10.0)
    assert est.findings == []


def test_holes_and_secondary_operations():
    part = shaft(secondary=["cross hole Ø5 mm"], holes=[Hole(5.0, 30.0, True, (0.0, 1.0, 0.0))])
    est = LATHE.estimate(part, AL, "2axis_lathe")
    assert op(est, "drill_1").time_min > 0
    # the cross hole is drilled on a mill (no live tool): positioning 0.2 min, its drilling in drill_1
    assert op(est, "secondary_operations").time_min == pytest.approx(0.2)
    assert op(est, "drill_1").inputs["on_axis"] is False
    assert op(est, "second_op_setup").per_batch
    swiss = LATHE.estimate(shaft(d=20.0, secondary=["cross hole Ø5 mm"]), AL, "swiss_lathe")
    assert not any(o.name == "second_op_setup" for o in swiss.operations)


@pytest.mark.parametrize(
    ("part", "machine", "code", "severity"),
    [
        (shaft(d=20.0, length=200.0), "2axis_lathe", "turning_slender", "warning"),
        (shaft(secondary=["2 flats parallel to the axis"]), "2axis_lathe", "turning_non_axisymmetric_features",
         "warning"),
        (shaft(d=20.0, secondary=["cross hole Ø5 mm"]), "swiss_lathe", "turning_non_axisymmetric_features", "info"),
        (shaft(d=60.0), "swiss_lathe", "turning_part_too_large", "error"),
        (features((50.0, 30.0, 20.0)), "2axis_lathe", "turning_not_axisymmetric", "error"),
        (features((50.0, 30.0, 20.0), unmeasured={"turning": "mesh only"}, mesh=MeshInfo(12, 8, True, 1)),
         "2axis_lathe", "turning_not_measured", "error"),
        (features((50.0, 30.0, 20.0), unmeasured={"turning": "not a body of revolution"}), "2axis_lathe",
         "turning_not_axisymmetric", "error"),
    ],
)
def test_each_finding_fires(part, machine, code, severity):
    found = [f for f in LATHE.check(part, AL, machine) if f.code == code]
    assert found, code
    assert found[0].severity.value == severity


def test_clean_shaft_is_silent():
    assert LATHE.check(shaft(), AL, "2axis_lathe") == []


def test_slender_part_pays_a_tailstock():
    est = LATHE.estimate(shaft(d=20.0, length=200.0), AL, "2axis_lathe")
    assert op(est, "setup").time_min == pytest.approx(30.0 + 15.0)
    assert "turning_slender" in codes(est.findings)


def test_not_turnable_raises():
    with pytest.raises(NotManufacturableError, match="revolution"):
        LATHE.estimate(features((50.0, 30.0, 20.0)), AL, "2axis_lathe")


def test_larger_bar_more_minutes():
    small = LATHE.estimate(shaft(d=20.0), AL, "2axis_lathe")
    large = LATHE.estimate(shaft(d=40.0), AL, "2axis_lathe")
    assert large.part_time_min > small.part_time_min
