"""End to end with real cadquery parts and the real process models: file -> features -> quote."""

from __future__ import annotations

import json

import cadquery as cq
import pytest

from api.cli import main
from quoting.engine import quote_file
from quoting.quote import Quote
from quoting.request import QuoteRequest
from tests.parts import plate_with_holes, step_bytes
from tests.quoting.helpers import NOW, PARIS


@pytest.fixture(scope="module")
def plate_step() -> bytes:
    return step_bytes(plate_with_holes())


def _cents(line) -> int:
    return sum(round(b.amount_eur * 100) for b in line.breakdown)


def test_plate_quotes_at_milling_shops_reproducibly(plate_step) -> None:
    request = QuoteRequest.parse(material="al6061", quantities=(1, 10, 100), ship_to=PARIS)
    features, q1 = quote_file(plate_step, request, "plate.step", now=NOW)
    _, q2 = quote_file(plate_step, request, "plate.step", now=NOW)
    assert q1.offers and all(o.demo for o in q1.offers)
    assert "cnc_milling" in {o.process for o in q1.offers}
    for offer in q1.offers:
        units = [line.unit_price_eur for line in offer.lines]
        assert units == sorted(units, reverse=True)
        for line in offer.lines:
            assert _cents(line) == round(line.total_eur * 100) and line.total_eur > 0
            assert line.co2_kg > 0 and set(line.co2_detail) == {"material", "machine", "transport"}
    totals = [[line.total_eur for line in o.lines] for o in q1.offers]
    assert totals == [[line.total_eur for line in o.lines] for o in q2.offers]
    assert q1.versions == q2.versions and q1.id != q2.id
    assert [o.lines[0].total_eur for o in q1.offers] == sorted(o.lines[0].total_eur for o in q1.offers)
    assert any("price" in o.best_for for o in q1.offers)
    assert q1.process_choice and q1.process_choice[0].cheapest_workshop == q1.offers[0].workshop_id
    doc = json.loads(json.dumps(q1.to_dict()))
    again = Quote.from_dict(doc)
    assert again.to_dict() == doc and again.offers[0].lines == q1.offers[0].lines
    assert features.source.sha256 == q1.part.sha256


def test_multi_solid_file_is_quoted_as_a_kit() -> None:
    box = cq.Workplane().box(40, 30, 10).val()
    pin = cq.Workplane().cylinder(20, 8).val().translate(cq.Vector(0, 100, 0))
    data = step_bytes(cq.Compound.makeCompound([box, box.translate(cq.Vector(100, 0, 0)), pin]))
    features, q = quote_file(data, QuoteRequest.parse(material="al6061", quantities=(1, 5)), "kit.step", now=NOW)
    assert features.solids == 3
    counts = sorted(c.count for c in q.components)
    assert counts == [1, 2]
    double = next(c for c in q.components if c.count == 2)
    assert [line.quantity for line in double.offers[0].lines] == [2, 10]
    assert q.offers
    for offer in q.offers:
        assert [line.quantity for line in offer.lines] == [1, 5]
        for i, line in enumerate(offer.lines):
            assert _cents(line) == round(line.total_eur * 100)
            parts = [min((o for o in c.offers if o.workshop_id == offer.workshop_id),
                         key=lambda o: o.lines[0].total_eur).lines[i].total_eur for c in q.components]
            assert line.total_eur == pytest.approx(sum(parts), abs=0.001)


def test_cli_quote_with_options(tmp_path, plate_step, capsys) -> None:
    path = tmp_path / "plate.step"
    path.write_bytes(plate_step)
    code = main(["quote", str(path), "--material", "al6061", "--qty", "1,20", "--finish", "anodising",
                 "--tier", "expedite", "--sort", "lead_time", "--ship-to", "45.76,4.84", "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "microfab.quote/1" and data["request"]["tier"] == "expedite"
    days = [o["lines"][0]["lead_time_days"] for o in data["offers"]]
    assert days == sorted(days)
    assert all(any(b["item"] == "finishing" and (b["amount_eur"] > 0 or "not priced yet" in b["detail"])
                   for b in o["lines"][0]["breakdown"])
               for o in data["offers"])
    assert {"finish_not_offered"} <= {c for i in data["ineligible"] for c in i["codes"]}
    assert main(["quote", str(path), "--material", "al6061", "--need-by", "soon"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["quote", str(path), "--material", "al6061", "--qty", "1,10"]) == 0
    out = capsys.readouterr().out
    assert "cheapest process per quantity" in out and "breakdown for 1 pc" in out
