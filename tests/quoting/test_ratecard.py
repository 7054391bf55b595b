"""Rate cards: the demo set loads, broken cards fail with a message naming the field."""

from __future__ import annotations

import pytest

from quoting.errors import RateCardError
from quoting.process_kinds import Process
from quoting.ratecard import RateCard
from quoting.workshops import demo_workshops, load_workshops
from tests.quoting.helpers import DELETE, card, card_dict


def test_demo_workshops_are_many_varied_and_marked_demo() -> None:
    cards = demo_workshops()
    assert len(cards) >= 12
    assert all(c.demo for c in cards)
    assert len({c.location.region for c in cards}) >= 10
    processes = {p for c in cards for p in c.processes}
    assert {Process.CNC_MILLING, Process.CNC_TURNING, Process.SHEET_METAL, Process.PRINTING_FDM} <= processes
    classes = {m.machine_class for c in cards for r in c.processes.values() for m in r.machines}
    assert {"3axis", "5axis"} <= classes
    # the first nine ids are kept
    ids = {c.id for c in cards}
    assert {"annecy-decolletage", "bordeaux-alu-plast", "lille-microfab", "lyon-usinage", "nantes-tolerie",
            "paris-print-farm", "rennes-mecabreizh", "strasbourg-alsace-meca", "toulouse-5axes"} <= ids
    sheet_shops = [c for c in cards if Process.SHEET_METAL in c.processes]
    assert all(m.brake_length_mm and m.max_sheet_mm and m.max_thickness_mm
               for c in sheet_shops for m in c.processes[Process.SHEET_METAL].machines)


def test_demo_files_have_the_demo_banner(tmp_path) -> None:
    from importlib import resources

    for entry in resources.files("quoting").joinpath("data", "workshops").iterdir():
        if entry.name.endswith(".toml"):
            assert entry.read_text(encoding="utf-8").startswith("# DEMO DATA"), entry.name


def test_the_documented_example_card_is_valid() -> None:
    import re
    import tomllib

    from tests.conftest import ROOT

    readme = (ROOT / "quoting" / "data" / "workshops" / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    c = RateCard.from_dict(tomllib.loads(example), "README.md")
    assert c.id == "my-shop" and c.tiers["expedite"].day_factor == 0.5


def test_hash_is_stable_and_changes_with_content() -> None:
    assert card().version_hash == card().version_hash
    assert card().version_hash != card(**{"commercial.margin_fraction": 0.21}).version_hash


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"commercial.margin_fraction": DELETE}, "commercial.margin_fraction", "Field required"),
        ({"location": DELETE}, "location", "Field required"),
        ({"processes.cnc_milling.machines": [{"machine_class": "3axis", "rate_eur_h": -5, "setup_rate_eur_h": 60}]},
         "processes.cnc_milling.machines.0.rate_eur_h", "greater than 0"),
        ({"materials.unobtainium": {}}, "materials", "unknown material(s) unobtainium"),
        ({"processes.laser_welding": {"capacity_h_day": 8, "machines": [
            {"machine_class": "x", "rate_eur_h": 1, "setup_rate_eur_h": 1}]}}, "processes", "unknown process"),
        ({"tiers": {"warp": {"price_factor": 2, "day_factor": 0.1}}}, "tiers", "unknown tier(s) warp"),
        ({"tiers": {"expedite": {"price_factor": 0.8, "day_factor": 0.5}}}, "tiers", "never cheaper"),
        ({"commercial.quantity_pricing": "breaks"}, "commercial", "needs quantity_breaks"),
        ({"commercial.quantity_breaks": [{"min_quantity": 10, "run_factor": 0.8},
                                         {"min_quantity": 5, "run_factor": 0.9}]}, "commercial", "increasing"),
        ({"shipping.mode": "zone"}, "shipping", "needs zones"),
        ({"materials.s235": {"price_eur_sheet": 100.0}}, "materials.s235", "needs sheet_mm"),
        ({"calendar.workdays": []}, "calendar.workdays", "at least one workday"),
        ({"calendar.holidays_subdivision": "XX"}, "calendar", "subdivision"),
        ({"tolerances": ["iso2768-m", "it42"]}, "tolerances", "unknown tolerance class(es) it42"),
        ({"finishes.gold_leaf": {"days": 2}}, "finishes", "gold_leaf are not in microfab's finishes table"),
        ({"location.lat": 123.0}, "location.lat", "less than or equal to 90"),
        ({"surprise": 1}, "surprise", "Extra inputs are not permitted"),
        ({"dfm": {"welding": {"x": 1}}}, "dfm", "unknown process"),
        ({"dfm": {"cnc_milling": {"max_hole_ratio": 12}}}, "dfm", "unknown DFM threshold(s) max_hole_ratio"),
    ],
)
def test_broken_cards_name_the_field(changes, field, message) -> None:
    with pytest.raises(RateCardError, match=r"^test\.toml: field ") as info:
        RateCard.from_dict(card_dict(**changes), "test.toml")
    assert info.value.fields["field"] == field
    assert message in info.value.message
    assert isinstance(info.value, ValueError)


def test_negative_rate_message_shows_the_value() -> None:
    bad = card_dict(**{"processes.cnc_milling.machines": [
        {"machine_class": "3axis", "rate_eur_h": -5, "setup_rate_eur_h": 60}]})
    with pytest.raises(RateCardError, match=r"rate_eur_h: Input should be greater than 0 \(got -5\)"):
        RateCard.from_dict(bad, "test.toml")


def test_not_toml_and_missing_file(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("id = [", encoding="utf-8")
    with pytest.raises(RateCardError, match="bad.toml: not valid TOML"):
        RateCard.from_file(bad)
    with pytest.raises(RateCardError, match="no such file or folder"):
        load_workshops(tmp_path / "nope")


def test_duplicate_ids_in_a_folder(tmp_path) -> None:
    import json

    for name in ("a.json", "b.json"):
        (tmp_path / name).write_text(json.dumps(card_dict()), encoding="utf-8")
    with pytest.raises(RateCardError, match="two rate cards use the id 'test-shop'"):
        load_workshops(tmp_path)


def test_flat_process_form_is_one_machine() -> None:
    c = card(**{"processes.cnc_milling": {"machine_class": "3axis", "rate_eur_h": 70, "setup_rate_eur_h": 50,
                                          "envelope_mm": [500, 400, 300], "capacity_h_day": 8}})
    rates = c.processes[Process.CNC_MILLING]
    assert len(rates.machines) == 1 and rates.machine_class == "3axis" and rates.rate_eur_h == 70


def test_defaults_and_round_trip() -> None:
    c = card()
    assert set(c.tiers) == {"economy", "standard", "expedite"}
    assert c.backlog_h(Process.CNC_MILLING) == 16 and c.backlog_h(Process.SHEET_METAL) == 0
    again = RateCard.from_dict(c.to_dict(), "again")
    assert again.processes == c.processes and again.materials == c.materials and again.tiers == c.tiers


def test_sheet_price_becomes_a_price_per_kg() -> None:
    from quoting.materials import get_material
    from quoting.pricing import material_price_eur_kg

    c = card(**{"materials.s235": {"price_eur_sheet": 105.975, "sheet_mm": [3000, 1500, 3]}})
    # 3000 x 1500 x 3 mm of S235 weighs 105.975 kg
    assert material_price_eur_kg(c, get_material("s235")) == pytest.approx(1.0)
