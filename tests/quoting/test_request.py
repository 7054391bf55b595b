"""QuoteRequest.parse: the one way from CLI, form and JSON values to a request the engine trusts."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from geometry.errors import InputError, UnitsError
from quoting.errors import InvalidRequestError, UnknownMaterialError, UnknownOptionError, UnknownProcessError
from quoting.process_kinds import Process, SortKey, Tier
from quoting.quote import Quote
from quoting.request import MAX_QUANTITY, QuoteRequest
from tests.quoting.helpers import NOW, card, features, stub_models

CARD_FINISHES = frozenset(card().finishes)  # {"anodising"}: a finish the test card prices


def _parse(**kwargs):
    return QuoteRequest.parse(**({"material": "al6061"} | kwargs), known_finishes=CARD_FINISHES)


@pytest.mark.parametrize(
    ("request_kwargs", "error", "message"),
    [
        ({"quantities": ()}, InvalidRequestError, "at least one quantity"),
        ({"quantities": (0,)}, InvalidRequestError, "not a whole number"),
        ({"quantities": (True,)}, InvalidRequestError, "not a whole number"),
        ({"ship_to": (100.0, 0.0)}, InvalidRequestError, "latitude,longitude"),
        ({"tier": "ludicrous"}, InvalidRequestError, "use economy, standard, expedite"),
        ({"sort_by": "vibes"}, InvalidRequestError, "use price, lead_time, distance, co2"),
        ({"finish": "   "}, InvalidRequestError, "finish"),
        ({"finish": "gold_leaf"}, InvalidRequestError, "finish 'gold_leaf' is unknown: use one of anodising"),
        ({"tolerance": "it6"}, InvalidRequestError, "tolerance 'it6' is unknown: use iso2768_c"),
        ({"need_by": "tomorrow"}, InvalidRequestError, "YYYY-MM-DD"),
        ({"thickness_mm": -2.0}, InvalidRequestError, "sheet thickness"),
        ({"material": "unobtainium"}, UnknownMaterialError, "unknown material"),
        ({"process": "welding"}, UnknownProcessError, "unknown process"),
    ],
)
def test_bad_requests_say_what_is_wrong(request_kwargs, error, message) -> None:
    with pytest.raises(error, match=message):
        _parse(**request_kwargs)


@pytest.mark.parametrize(
    ("request_kwargs", "field", "message"),
    [
        ({"material": ""}, "material", "give a material"),
        ({"material": None}, "material", "give a material"),
        ({"quantities": "ten"}, "quantities", "whole numbers separated by commas"),
        ({"quantities": ""}, "quantities", "at least one quantity"),
        ({"quantities": 5}, "quantities", "a list of whole numbers"),
        ({"quantities": "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21"}, "quantities", "at most 20"),
        ({"quantities": [MAX_QUANTITY + 1]}, "quantities", "between 1 and 1000000"),
        ({"ship_to": "north"}, "ship_to", "LAT,LON"),
        ({"ship_to": [1.0]}, "ship_to", "latitude,longitude"),
        ({"ship_to": "nan,2"}, "ship_to", "latitude,longitude"),
        ({"need_by": 20261224}, "need_by", "YYYY-MM-DD"),
        ({"thickness_mm": "thin"}, "thickness_mm", "not a number of mm"),
        ({"thickness_mm": "inf"}, "thickness_mm", "finite number"),
        ({"thickness_mm": 101}, "thickness_mm", "between 0 and 100 mm"),
        ({"threads": "M6"}, "threads", "SIZE:COUNT"),
        ({"threads": {"M6": -1}}, "threads", "thread sizes and counts"),
        ({"threads": {"M6": True}}, "threads", "thread sizes and counts"),
        ({"tolerance": "x" * 65}, "tolerance", "not a key"),
        ({"finish": 5}, "finish", "not a key"),
    ],
)
def test_each_error_names_its_field(request_kwargs, field, message) -> None:
    with pytest.raises(InvalidRequestError, match=message) as err:
        _parse(**request_kwargs)
    assert err.value.fields["field"] == field


def test_unknown_thread_size_and_units() -> None:
    with pytest.raises(UnknownOptionError, match="unknown thread 'M7'"):
        _parse(threads={"M7": 1})
    with pytest.raises(UnitsError, match="unknown unit"):
        _parse(units="furlong")
    assert issubclass(UnknownOptionError, InputError)


def test_form_strings_give_typed_values() -> None:
    r = _parse(quantities="1, 10,100", process="CNC-milling", finish="", tolerance="f", tier="expedite",
               sort_by="lead_time", ship_to="48.85,2.35", need_by="2026-12-24", units=" MM ", thickness_mm="2.5",
               threads="M6:4,M8:2")
    assert r == QuoteRequest(material="al6061", quantities=(1, 10, 100), process=Process.CNC_MILLING,
                             ship_to=(48.85, 2.35), units="mm", thickness_mm=2.5, finish=None, tolerance="iso2768_f",
                             tier=Tier.EXPEDITE, sort_by=SortKey.LEAD_TIME, need_by=dt.date(2026, 12, 24),
                             threads={"M6": 4, "M8": 2})
    assert r.material_record.key == "al6061"


def test_json_values_give_the_same_request() -> None:
    form = _parse(quantities="1,10", ship_to="45.76,4.84", threads="M6:4", need_by="2026-12-24")
    body = _parse(quantities=[1, 10], ship_to=[45.76, 4.84], threads={"M6": 4}, need_by=dt.date(2026, 12, 24))
    assert form == body


def test_empty_strings_mean_absent() -> None:
    r = _parse(process="", finish="", tolerance="", tier="", sort_by="", ship_to="", need_by="", units="",
               thickness_mm="", threads="")
    assert r == QuoteRequest(material="al6061")
    assert r.tier is Tier.STANDARD and r.sort_by is SortKey.PRICE and r.process is None


def test_finish_aliases_resolve_and_card_finishes_are_kept() -> None:
    assert _parse(finish="anodize_clear").finish == "anodising"  # a finishes.toml alias
    assert _parse(finish="Powder Coat").finish == "powder_coating"
    # a finish only a workshop's rate card prices is kept as given, when the caller names the cards' finishes
    assert QuoteRequest.parse(material="al6061", finish="chromate", known_finishes={"chromate"}).finish == "chromate"
    with pytest.raises(InvalidRequestError, match="finish 'chromate' is unknown: use one of anodising, bead_blasting"):
        QuoteRequest.parse(material="al6061", finish="chromate")


def test_per_kit_scales_quantities_and_keeps_the_material() -> None:
    r = _parse(quantities=(1, 400_000))
    kit = r.per_kit(3)
    assert kit.quantities == (3, MAX_QUANTITY) and kit.material_record is r.material_record
    assert kit.tier == r.tier and kit.material == r.material


def test_a_parsed_request_round_trips_through_the_quote_json(monkeypatch) -> None:
    from quoting.engine import quote

    models = stub_models()
    monkeypatch.setattr("quoting.offers.process_models", lambda: models)
    r = _parse(quantities="1,5", process="cnc_milling", tier="economy", need_by="2026-04-01", threads="M6:1")
    q = quote(features(), r, [card()], NOW)
    doc = q.to_dict()
    assert doc["request"]["process"] == "cnc_milling" and doc["request"]["tier"] == "economy"
    assert doc["offers"][0]["process"] == "cnc_milling"
    again = Quote.from_dict(doc)
    assert again.request == r and again.request.process is Process.CNC_MILLING
    assert not math.isnan(again.offers[0].lines[0].total_eur)
