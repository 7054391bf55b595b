"""Machining times from cutting physics: the data, Kienzle, the power and tool limits, the group order,
face-type finishing and the unit-price curve from 1 to 100 parts."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geometry.features import FaceStats, Hole
from quoting.data_files import read_data
from quoting.engine import quote
from quoting.materials import get_material, materials
from quoting.processes.cutting import (
    Spindle,
    cutting_class,
    cutting_classes,
    drill_feed_mm_rev,
    group_order,
    milling_removal,
    turning_force_n,
    turning_removal,
)
from quoting.processes.milling import MillingModel
from quoting.request import QuoteRequest
from tests.quoting.helpers import NOW
from tests.quoting.processes.helpers import block, op

MILL = MillingModel()
METAL_GROUPS = ("N", "K", "P", "M", "S", "H")

spindles = st.builds(
    Spindle,
    power_kw=st.floats(0.5, 60.0),
    torque_nm=st.floats(2.0, 500.0),
    max_rpm=st.floats(1000.0, 30_000.0),
    efficiency=st.floats(0.5, 0.95),
)


def test_every_material_has_a_cutting_class_of_its_iso_group():
    table = read_data("cutting.toml")["materials"]
    assert set(table) == set(materials())
    for key, material in materials().items():
        assert cutting_class(material).iso_group == material.iso_group, key


def test_every_table_cites_a_source_and_every_group_has_a_class():
    data = read_data("cutting.toml")
    assert all(text.strip() for text in data["sources"].values())
    assert {"kienzle", "endmill", "drill_speed", "drill_feed", "turning", "machines", "learning"} <= set(
        data["sources"])
    groups = {c.iso_group for c in cutting_classes().values()}
    assert groups == {"P", "M", "K", "N", "S", "H", "O"}
    assert [g for g, _ in group_order()] == data["groups"]["order"]


def test_kienzle():
    steel = cutting_classes()["P_low_carbon"]
    assert steel.kc_n_mm2(1.0) == pytest.approx(1350.0)
    assert steel.kc_n_mm2(0.1) == pytest.approx(1350.0 * 0.1**-0.21)
    # Fc = kc x h x b = kc1.1 x h^(1-mc) x b
    assert turning_force_n(steel, 0.25, 2.0) == pytest.approx(steel.kc_n_mm2(0.25) * 0.25 * 2.0)


@settings(max_examples=60, deadline=None)
@given(spindle=spindles, tool=st.sampled_from([6.0, 8.0, 10.0, 12.0, 16.0]),
       key=st.sampled_from(sorted(cutting_classes())))
def test_rate_is_the_lower_of_the_tool_and_power_limits(spindle, tool, key):
    r = milling_removal(cutting_classes()[key], spindle, tool)
    assert r.rate_mm3_min <= r.tool_limited_mm3_min
    assert r.rate_mm3_min <= r.power_limited_mm3_min
    assert r.rate_mm3_min == min(r.tool_limited_mm3_min, r.power_limited_mm3_min)
    # the power limit is P x eta / kc(hm), with the power torque-limited at low speed
    kc = cutting_classes()[key].kc_n_mm2(r.feed_mm_min / (cutting_classes()[key].flutes * r.rpm)
                                         * math.sqrt(cutting_classes()[key].rough_ae_d))
    assert r.power_limited_mm3_min == pytest.approx(spindle.cutting_power_kw(r.rpm) * 6e7 / kc)


@settings(max_examples=60, deadline=None)
@given(spindle=spindles, weaker=st.floats(0.05, 1.0))
def test_less_power_never_cuts_faster(spindle, weaker):
    smaller = Spindle(spindle.power_kw * weaker, spindle.torque_nm * weaker, spindle.max_rpm, spindle.efficiency)
    for _, cut in group_order():
        assert milling_removal(cut, smaller, 12.0).rate_mm3_min <= milling_removal(cut, spindle, 12.0).rate_mm3_min
        assert (turning_removal(cut, smaller, 40.0).rate_mm3_min
                <= turning_removal(cut, spindle, 40.0).rate_mm3_min * (1 + 1e-12))


@settings(max_examples=80, deadline=None)
@given(spindle=spindles, tool=st.sampled_from([6.0, 10.0, 12.0, 16.0]), bar=st.floats(5.0, 300.0))
def test_a_harder_group_is_never_faster(spindle, tool, bar):
    milling = [milling_removal(cut, spindle, tool).rate_mm3_min for _, cut in group_order()]
    assert milling == sorted(milling, reverse=True)
    metals = [cut for g, cut in group_order() if g in METAL_GROUPS]
    turning = [turning_removal(cut, spindle, bar).rate_mm3_min for cut in metals]
    assert turning == sorted(turning, reverse=True)


def test_physics_agrees_with_the_machinability_ratings():
    """Roughing rates from cutting data, relative to aluminium 6061, stay within 1.6x of the machinability-rating
    reference rates of materials.toml (removal_rate_mm3_min, AISI ratings)."""
    spindle = Spindle.from_params(read_data("processes.toml")["cnc_milling"]["machine_classes"]["3axis"])
    al = get_material("al6061")
    base = milling_removal(cutting_class(al), spindle, 12.0).rate_mm3_min
    for key, m in materials().items():
        if m.removal_rate_mm3_min and al.removal_rate_mm3_min:
            physics = milling_removal(cutting_class(m), spindle, 12.0).rate_mm3_min / base
            rating = m.removal_rate_mm3_min / al.removal_rate_mm3_min
            assert 1 / 1.6 <= physics / rating <= 1.6, key


def test_drill_feed_grows_with_diameter():
    steel = cutting_classes()["P_low_carbon"]
    feeds = [drill_feed_mm_rev(steel, d) for d in (2.0, 5.0, 10.0, 20.0, 40.0)]
    assert feeds == sorted(feeds) and feeds[0] == pytest.approx(0.05)


def _block(**fields):
    """The milled block of helpers.block with R5 corners and two Ø6 through holes."""
    fields.setdefault("min_internal_radius_mm", 5.0)
    fields.setdefault("holes", [Hole(6.0, 20.0, True, (0.0, 0.0, 1.0)), Hole(6.0, 20.0, True, (0.0, 0.0, 1.0))])
    return block(**fields)


def test_finishing_by_face_type():
    """Planar faces are face-milled fastest, walls side-milled, freeform faces slowest (scallops)."""
    def finishing(kind):
        faces = FaceStats(10, {kind: 10}, {kind: 19_800.0})
        return op(MILL.estimate(_block(faces=faces, holes=[]), get_material("al6061"), "3axis"), "finishing")

    plane, wall, free = finishing("plane"), finishing("cylinder"), finishing("bspline")
    assert plane.time_min < wall.time_min < free.time_min
    # the 40 x 30 x 10 pocket (walls 2 x 70 x 10, floor 1200 mm2) is finished by the end mill, as walls
    assert plane.inputs["planar_mm2"] == 19_800.0 - 2_600.0 and plane.inputs["wall_mm2"] == 2_600.0
    assert free.inputs["freeform_mm2"] == 19_800.0
    # drilled hole walls are made by the drill, not finished again
    holes = [Hole(6.0, 20.0, True, (0.0, 0.0, 1.0))]
    faces = FaceStats(10, {"cylinder": 10}, {"cylinder": 19_800.0})
    drilled = op(MILL.estimate(_block(faces=faces, holes=holes), get_material("al6061"), "3axis"), "finishing")
    assert drilled.inputs["wall_mm2"] == pytest.approx(19_800.0 - math.pi * 6 * 20, abs=0.1)


def test_time_ratio_aluminium_steel_stainless():
    """Cutting minutes follow the machinability tables: about 1 : 2-5 : 5-11 (benchmarks/realism checks the sources)."""
    def cutting(material):
        est = MILL.estimate(_block(), get_material(material), "3axis")
        return sum(o.time_min for o in est.operations if o.name.startswith(("roughing", "finishing", "drill_")))

    al, steel, stainless, ti = (cutting(m) for m in ("al6061", "s235", "ss304", "ti6al4v"))
    assert 2.0 <= steel / al <= 5.0
    assert 5.0 <= stainless / al <= 11.0
    assert ti > stainless


def test_fixture_shares_loading_only_when_it_pays():
    est = MILL.estimate(_block(), get_material("al6061"), "3axis")
    assert est.fixturing is not None
    per_load = sum(o.time_min for o in est.operations if o.per_load)
    assert per_load > 0
    assert est.run_time_min(1) == pytest.approx(est.part_time_min)
    assert not est.fixturing.used(per_load, 2)
    assert est.fixturing.used(per_load, 100)
    assert est.run_time_min(100) < 100 * est.part_time_min


def _unit_prices(material, quantities):
    request = QuoteRequest.parse(material=material, quantities=tuple(quantities), process="cnc_milling")
    offers = quote(_block(), request, now=NOW).offers
    assert offers
    best = min(offers, key=lambda o: o.lines[-1].unit_price_cents)
    return [line.unit_price_cents for line in best.lines]


@pytest.mark.parametrize("material", ["al6061", "pom", "s235", "ss304"])
def test_unit_price_curve_1_to_100(material):
    """The unit price falls with quantity; for aluminium and plastic from 1 to 100 parts into the published
    range (0.06-0.13 of the single price); for steel and stainless, whose cutting minutes weigh more, less far."""
    prices = _unit_prices(material, (1, 2, 5, 10, 20, 50, 100))
    assert prices == sorted(prices, reverse=True)
    ratio = prices[-1] / prices[0]
    if material in ("al6061", "pom"):
        assert 0.06 <= ratio <= 0.13, ratio
    else:
        assert ratio < 0.35, ratio


@settings(max_examples=15, deadline=None)
@given(quantities=st.lists(st.integers(1, 500), min_size=2, max_size=4, unique=True))
def test_unit_price_never_rises_with_quantity(quantities):
    qs = sorted(quantities)
    for material in ("al6061", "ss304"):
        prices = _unit_prices(material, qs)
        assert prices == sorted(prices, reverse=True)
