"""Engine-level properties with the real process models and the demo workshops, on hand-built features."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quoting.engine import quote
from quoting.request import QuoteRequest
from quoting.workshops import demo_workshops
from tests.quoting.helpers import NOW, PARIS, features

boxes = st.tuples(st.floats(5, 400), st.floats(5, 300), st.floats(2, 150))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(boxes, st.floats(0.05, 0.95), st.sampled_from(["al6061", "s235", "ss304", "pom"]),
       st.sampled_from(["economy", "standard", "expedite"]))
def test_demo_offers_add_up_and_fall_per_unit(box, fill, material, tier) -> None:
    bbox = tuple(sorted(box, reverse=True))
    volume = bbox[0] * bbox[1] * bbox[2] * fill
    area = 2 * (bbox[0] * bbox[1] + bbox[1] * bbox[2] + bbox[0] * bbox[2]) / fill ** 0.3
    feat = features(bbox_mm=bbox, volume_mm3=volume, area_mm2=area)
    request = QuoteRequest.parse(material=material, quantities=(1, 3, 10, 50, 400), ship_to=PARIS, tier=tier)
    q = quote(feat, request, demo_workshops(), NOW)
    assert len(q.offers) + len(q.ineligible) == len(demo_workshops())
    assert q.offers, f"no demo workshop offers a {bbox} mm part in {material}: {[i.reasons for i in q.ineligible]}"
    for offer in q.offers:
        units = [line.unit_price_eur for line in offer.lines]
        assert all(b <= a + 0.01 for a, b in zip(units, units[1:], strict=False)), (offer.workshop_id, units)
        days = [line.lead_time_days for line in offer.lines]
        assert days == sorted(days)
        for line in offer.lines:
            assert line.total_eur >= 0
            assert sum(round(b.amount_eur * 100) for b in line.breakdown) == round(line.total_eur * 100)
            assert line.ship_date >= NOW.date() and line.delivery_date >= line.ship_date
    for item in q.ineligible:
        assert item.reasons and len(item.codes) == len(item.reasons)
