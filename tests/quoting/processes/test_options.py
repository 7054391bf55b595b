"""Priced options: finishes, tolerance classes, threads."""

from __future__ import annotations

import math

import pytest

from geometry.errors import InputError
from quoting.errors import OptionNotApplicableError, UnknownOptionError
from quoting.materials import get_material
from quoting.options import finish_cost, finish_keys, thread_cost, tolerance_class, tolerance_time_factor
from tests.quoting.processes.helpers import features

AL = get_material("al6061")
STEEL = get_material("s235")
PART = features((100.0, 50.0, 10.0))  # area 2 x (5000 + 500 + 1000) = 13000 mm2 = 1.3 dm2


def test_every_required_finish_is_there():
    for key in ("anodising", "powder_coating", "bead_blasting", "zinc_plating", "polishing"):
        assert key in finish_keys()


def test_finish_cost_by_hand():
    # anodising: 1.3 dm2 x 0.9 = 1.17 EUR < 1.50 minimum per part; 40 EUR lot; min lot 80
    one = finish_cost("anodising", PART, AL, 1)
    assert one.eur == pytest.approx(80.0) and "minimum lot" in one.detail
    assert one.added_days == 4 and one.days == 4 and one.cost_eur == one.eur
    hundred = finish_cost("anodising", PART, AL, 100)
    assert hundred.eur == pytest.approx(40.0 + 100 * 1.5)
    assert hundred.time_min == pytest.approx(100 * 1.3 * 0.3)
    big = features((300.0, 200.0, 20.0))  # 2 x (60000 + 4000 + 6000) = 140000 mm2 = 14 dm2
    assert finish_cost("powder_coating", big, STEEL, 10).eur == pytest.approx(50.0 + 10 * 14 * 0.6)


def test_finish_aliases_and_errors():
    assert finish_cost("anodize_clear", PART, AL, 10).finish == "anodising"
    assert finish_cost("Bead blast", PART, STEEL, 10).finish == "bead_blasting"
    with pytest.raises(UnknownOptionError, match="unknown finish 'chrome'.*anodising") as err:
        finish_cost("chrome", PART, AL, 1)
    assert isinstance(err.value, InputError)
    with pytest.raises(OptionNotApplicableError, match="does not apply"):
        finish_cost("anodising", PART, STEEL, 1)
    with pytest.raises(OptionNotApplicableError, match="area"):
        finish_cost("anodising", features((10.0, 10.0, 10.0), area_mm2=None), AL, 1)


def test_tolerance_classes():
    assert tolerance_time_factor("iso2768_m") == 1.0
    assert tolerance_time_factor("ISO 2768-f") > 1.0 > tolerance_time_factor("c")
    factors = [tolerance_time_factor(k) for k in ("v", "c", "m", "f", "tight", "precision")]
    assert factors == sorted(factors)
    assert tolerance_class("precision").inspection_min_per_part > tolerance_class("m").inspection_min_per_part
    with pytest.raises(UnknownOptionError, match="tolerance class"):
        tolerance_time_factor("iso2768-x")


def test_thread_cost_by_hand():
    assert thread_cost(PART, STEEL, 10).eur == 0.0  # nothing requested: nothing counted twice
    cost = thread_cost(PART, STEEL, 10, {"M6": 4}, inserts=True, rate_eur_h=60.0)
    rpm = 12.0 * 1000 / (math.pi * 6)  # P group tapping speed
    per_thread = 0.05 + 2 * 9.0 / (rpm * 1.0)
    assert cost.time_min_per_part == pytest.approx(4 * per_thread)
    assert cost.eur == pytest.approx((5.0 + 10 * 4 * per_thread) + 10 * 4 * 0.9)
    with pytest.raises(UnknownOptionError, match="unknown thread 'M7'"):
        thread_cost(PART, STEEL, 1, {"M7": 1})
