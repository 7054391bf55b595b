"""The realism benchmark's cases, without pricing them: families covered, SLA points from the published rate."""

from __future__ import annotations

import pytest

from quoting.materials import get_material


def test_every_printing_family_has_published_points() -> None:
    from benchmarks.realism.cases import CASES

    families = {c.family for c in CASES}
    assert {"CNC", "FDM", "MJF", "SLA", "SLS", "sheet"} <= families
    quantities = {c.quantity for c in CASES if c.family == "SLA"}
    assert quantities == {1, 10, 100}
    # sheet at 1, 10 and 100 parts (the 100-part points: Elimold's list rates, cases_quantity.SHEET_Q100)
    assert {c.quantity for c in CASES if c.family == "sheet"} == {1, 10, 100}


def test_sla_points_follow_the_per_gram_rate_at_the_resin_density() -> None:
    from benchmarks.realism.cases_sla_turning import CASES, RESIN_G_CM3, SOLIDS_CM3

    # the case's density is the material record's, so the published weight is the one microfab prices
    assert RESIN_G_CM3 == pytest.approx(get_material("resin_standard").density_kg_mm3 * 1e6)
    cube = next(c for c in CASES if c.part == "cube20" and c.quantity == 10)
    assert cube.published == pytest.approx(8.0 * 1.18 * 0.30 * 0.92, abs=0.005)  # 2.61 EUR
    assert {c.part for c in CASES} == set(SOLIDS_CM3)


def test_sheet_points_at_100_are_elimold_list_rates() -> None:
    """Elimold prices by list rates that do not fall with quantity: its 100-part points are its 10-part ones."""
    from benchmarks.realism.cases import CASES, KEPT_OUT

    by_name = {c.name: c for c in CASES}
    for part in ("bracket", "channel"):
        q100 = by_name[f"sheet {part} steel q100"]
        assert q100.quantity == 100
        assert q100.published == pytest.approx(by_name[f"sheet {part} steel q10"].published)
    assert [c.name for c in KEPT_OUT] == ["sheet bracket steel q100 (production)"]



def test_turning_floor_is_protolabs_published_start_price_kept_out_of_the_cases() -> None:
    """Protolabs' "parts start at 65 USD" prices the service's cheapest turned part, not a described part: it is a
    floor printed apart (``TURNING_FLOOR``), never one of the targeted cases."""
    from benchmarks.realism.cases import CASES, USD_EUR
    from benchmarks.realism.cases_sla_turning import TURNING_FLOOR, TURNING_FLOOR_USD

    assert [c.name for c in TURNING_FLOOR] == ["turning pin al q1 (Protolabs floor)"]
    floor = TURNING_FLOOR[0]
    assert floor.published == pytest.approx(TURNING_FLOOR_USD * USD_EUR, abs=0.005)  # 59.80 EUR
    assert (floor.process, floor.quantity, floor.material) == ("cnc_turning", 1, "al6061")
    assert all(c.process != "cnc_turning" for c in CASES)


def test_plastic_milling_points_are_the_published_polymer_removal_rate() -> None:
    """Plastic milling is covered by Paperless Parts' removal rates (aluminium 3.0, polymer 3.5 in3/min): a polymer
    part takes 3.0 / 3.5 of its aluminium time, put against POM on the two milled parts of the benchmark."""
    from benchmarks.realism.cases import CASES, Kind
    from benchmarks.realism.cases_plastic import POLYMER_TIME_RATIO

    plastic = [c for c in CASES if c.family == "CNC" and get_material(c.material).iso_group == "O"]
    assert [c.name for c in plastic] == ["cnc housing pom/al time", "cnc bracket pom/al time"]
    assert POLYMER_TIME_RATIO == pytest.approx(3.0 / 3.5)
    assert all(c.kind is Kind.TIME_RATIO and c.published == pytest.approx(0.857) for c in plastic)
    # CNC milling in aluminium, steel, stainless and plastic (issue 13)
    groups = {get_material(c.material).iso_group for c in CASES if c.process == "cnc_milling"}
    assert {"N", "P", "M", "O"} <= groups
