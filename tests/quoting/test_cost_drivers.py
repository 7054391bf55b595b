"""Cost drivers (issue 18): what each feature adds to the price, computed by re-pricing the part relaxed.

A cadquery part with a 1 mm internal radius and a 36 mm deep, 12 mm wide pocket, quoted in 7075 at
ISO 2768-f, lists its drivers; the part rebuilt with the change (a 3 mm radius, an 18 mm pocket) and
measured again, or re-quoted with the relaxed request (tolerance, material), costs what was promised.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import quoting.cost_drivers as cd
import quoting.engine as engine
from geometry import measure
from geometry.features import Additive, Bend, Pocket
from quoting.driver_records import DriverKind
from quoting.engine import quote
from quoting.money import to_cents
from quoting.quote import Quote
from quoting.request import QuoteRequest
from tests.parts import cost_driver_block, plate_with_holes, step_bytes
from tests.quoting.helpers import NOW, features, sheet

QTY = (1, 10, 100)
#: the promised price and the price of the rebuilt part agree within this fraction
AGREEMENT = 0.02


def _request(**changes: object) -> QuoteRequest:
    fields: dict[str, object] = {"material": "al7075", "quantities": QTY, "tolerance": "f", "cost_drivers": True}
    fields.update(changes)
    return QuoteRequest.parse(**fields)  # type: ignore[arg-type]


def _measure(**shape: float):
    return measure(step_bytes(cost_driver_block(**shape)), filename="block.step").features


@pytest.fixture(scope="module")
def block_quote() -> Quote:
    return quote(_measure(), _request(), now=NOW)


def _driver(q: Quote, kind: DriverKind):
    found = [d for d in q.cost_drivers if d.kind is kind]
    assert found, f"no {kind} driver in {[d.kind for d in q.cost_drivers]}"
    return found[0]


def _lowest_cents(q: Quote) -> list[int]:
    return [min(to_cents(o.lines[i].total_eur) for o in q.offers) for i in range(len(QTY))]


def _assert_promise_kept(promised: Quote, kind: DriverKind, rebuilt: Quote) -> None:
    driver = _driver(promised, kind)
    for saving, actual in zip(driver.savings, _lowest_cents(rebuilt), strict=True):
        assert saving.delta_cents > 0
        assert abs(actual - saving.relaxed_total_cents) <= AGREEMENT * saving.relaxed_total_cents, (kind, saving)


def test_the_part_lists_its_three_drivers(block_quote: Quote) -> None:
    kinds = [d.kind for d in block_quote.cost_drivers]
    assert {DriverKind.INTERNAL_RADIUS, DriverKind.TOLERANCE, DriverKind.DEEP_POCKET} <= set(kinds)
    for d in block_quote.cost_drivers:
        assert [s.quantity for s in d.savings] == list(QTY)
        for s in d.savings:
            assert s.delta_cents == s.total_cents - s.relaxed_total_cents > 0
            assert s.delta_eur == s.delta_cents / 100
            assert s.by_process_cents["cnc_milling"] > 0
    radius = _driver(block_quote, DriverKind.INTERNAL_RADIUS)
    assert radius.change == "internal radius 1 mm -> 3 mm"
    assert radius.location is not None and radius.location.face_ids
    assert _driver(block_quote, DriverKind.TOLERANCE).change == "tolerance iso2768_f -> iso2768_m"
    firsts = [d.savings[0].delta_cents for d in block_quote.cost_drivers]
    assert firsts == sorted(firsts, reverse=True)


def test_drivers_in_the_quote_json(block_quote: Quote) -> None:
    doc = block_quote.to_dict()
    first = doc["cost_drivers"][0]
    assert {"kind", "what", "change", "location", "savings", "currency"} <= set(first)
    assert {"delta_cents", "delta_eur", "by_process_cents"} <= set(first["savings"][0])
    assert Quote.from_dict(doc).cost_drivers == block_quote.cost_drivers


def test_rebuilt_with_a_3mm_radius_costs_what_was_promised(block_quote: Quote) -> None:
    rebuilt = quote(_measure(corner_r=3.0), _request(cost_drivers=False), now=NOW)
    _assert_promise_kept(block_quote, DriverKind.INTERNAL_RADIUS, rebuilt)


def test_rebuilt_with_a_shallower_pocket_costs_what_was_promised(block_quote: Quote) -> None:
    driver = _driver(block_quote, DriverKind.DEEP_POCKET)
    assert driver.change.startswith("pocket depth 36 mm -> 18 mm")
    rebuilt = quote(_measure(pocket_depth=18.0), _request(cost_drivers=False), now=NOW)
    _assert_promise_kept(block_quote, DriverKind.DEEP_POCKET, rebuilt)


def test_requoted_at_iso2768_m_costs_what_was_promised(block_quote: Quote) -> None:
    rebuilt = quote(_measure(), _request(tolerance="m", cost_drivers=False), now=NOW)
    _assert_promise_kept(block_quote, DriverKind.TOLERANCE, rebuilt)


def test_requoted_in_6061_costs_what_was_promised(block_quote: Quote) -> None:
    assert _driver(block_quote, DriverKind.MATERIAL).change == "al6061 instead of al7075"
    rebuilt = quote(_measure(), _request(material="al6061", cost_drivers=False), now=NOW)
    _assert_promise_kept(block_quote, DriverKind.MATERIAL, rebuilt)


def test_no_drivers_unless_asked() -> None:
    assert quote(features(), QuoteRequest.parse(material="al6061", tolerance="f"), now=NOW).cost_drivers == []


def test_request_flag_parses() -> None:
    assert QuoteRequest.parse(material="al6061", cost_drivers="true").cost_drivers is True
    assert QuoteRequest.parse(material="al6061", cost_drivers="").cost_drivers is False
    with pytest.raises(Exception, match="cost_drivers"):
        QuoteRequest.parse(material="al6061", cost_drivers="maybe")


def test_drivers_under_one_percent_are_left_out() -> None:
    thin = features().with_updates(min_wall_thickness_mm=0.5)  # no model prices a thin wall: saves nothing
    request = QuoteRequest.parse(material="al6061", quantities=QTY, cost_drivers=True)
    assert [r.kind for r in cd.relaxations(thin, request)] == [DriverKind.THIN_WALL]
    assert quote(thin, request, now=NOW).cost_drivers == []


def test_a_higher_bar_leaves_small_drivers_out(monkeypatch: pytest.MonkeyPatch) -> None:
    part = features().with_updates(min_internal_radius_mm=1.0)
    request = QuoteRequest.parse(material="al7075", quantities=QTY, tolerance="f", cost_drivers=True)
    everything = quote(part, request, now=NOW).cost_drivers
    bar = sorted(max(s.delta_fraction for s in d.savings) for d in everything)[0] + 1e-6
    table = dataclasses.replace(cd.driver_table(), min_fraction=bar)
    monkeypatch.setattr(cd, "driver_table", lambda: table)
    assert len(quote(part, request, now=NOW).cost_drivers) == len(everything) - 1


def _many_drivers():
    """Hand-built features where every milling relaxation applies."""
    pocket = Pocket(depth_mm=30.0, opening_mm=(40.0, 10.0), depth_to_width=3.0, axis=(0.0, 0.0, 1.0),
                    corner_radius_mm=1.0, face_ids=(1, 2))
    return features().with_updates(min_internal_radius_mm=1.0, pockets=[pocket], min_wall_thickness_mm=0.5,
                                   setups_3axis=["+z", "-z", "+x", "-x"], unreachable_area_mm2=0.0)


def test_extra_engine_calls_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = engine.workshop_offers

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "workshop_offers", counting)
    request = QuoteRequest.parse(material="al7075", quantities=QTY, tolerance="f", threads="M6:2",
                                 cost_drivers=True)
    applicable = len(cd.relaxations(_many_drivers(), request))
    quote(_many_drivers(), request, now=NOW)
    assert len(calls) == 1 + applicable <= 1 + cd.driver_table().max_relaxations
    table = dataclasses.replace(cd.driver_table(), max_relaxations=2)
    monkeypatch.setattr(cd, "driver_table", lambda: table)
    calls.clear()
    quote(_many_drivers(), request, now=NOW)
    assert len(calls) == 1 + 2


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    radius=st.sampled_from([None, 0.6, 1.0, 2.0, 5.0]),
    depth_to_width=st.floats(0.5, 5.0),
    tolerance=st.sampled_from(["c", "m", "f", "tight", "precision"]),
    material=st.sampled_from(["al7075", "al6061", "ss316l", "ss304", "c45", "peek", "ti6al4v", "copper"]),
    setups=st.integers(1, 5),
)
def test_relaxing_a_driver_never_raises_the_price(radius, depth_to_width, tolerance, material, setups) -> None:
    pocket = Pocket(depth_mm=10.0 * depth_to_width, opening_mm=(30.0, 10.0), depth_to_width=depth_to_width,
                    axis=(0.0, 0.0, 1.0), corner_radius_mm=radius)
    part = features().with_updates(min_internal_radius_mm=radius, pockets=[pocket],
                                   setups_3axis=["+z", "-z", "+x", "-x", "+y"][:setups])
    request = QuoteRequest.parse(material=material, quantities=QTY, tolerance=tolerance)
    base = quote(part, request, now=NOW)
    if not base.offers:
        return
    for relaxed in cd.relaxations(part, request):
        after = quote(relaxed.features, relaxed.request, now=NOW)
        for before_line, saving in zip(_lowest_cents(base), cd.compare(base.offers, after.offers, QTY), strict=False):
            assert saving.relaxed_total_cents <= before_line, (relaxed.kind, relaxed.change)


def test_relaxed_requests_ask_for_no_drivers() -> None:
    request = QuoteRequest.parse(material="al7075", quantities=QTY, tolerance="f", cost_drivers=True)
    found = cd.relaxations(_many_drivers(), request)
    assert found and not any(r.request.cost_drivers for r in found)


def test_cli_prints_the_three_biggest(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main

    path = tmp_path / "block.step"
    path.write_bytes(step_bytes(cost_driver_block()))
    assert main(["quote", str(path), "--material", "al7075", "--qty", "1,10", "--tolerance", "f", "--drivers"]) == 0
    out = capsys.readouterr().out.split("cost drivers")[1]
    assert "internal radius 1 mm -> 3 mm" in out and "tolerance iso2768_f -> iso2768_m" in out
    assert len([line for line in out.splitlines() if " -> " in line or " instead of " in line]) == 3


def test_api_body_and_openapi_example() -> None:
    from api.schemas import QuoteCreate, QuoteView

    fields = QuoteCreate(material="al7075", tolerance="f", cost_drivers=True).model_dump(mode="json")
    assert QuoteRequest.parse(**fields).cost_drivers is True
    schema = QuoteView.model_json_schema(by_alias=True)
    assert "cost_drivers" in schema["properties"]
    example = schema["examples"][0]["cost_drivers"][0]
    assert example["savings"][0]["delta_cents"] == example["savings"][0]["total_cents"] - \
        example["savings"][0]["relaxed_total_cents"]


@pytest.fixture(scope="module")
def plate_quote() -> Quote:
    """A 30 mm plate with four Ø18.6 mm holes (off the standard drills: interpolated) and four M6 threads asked
    for, in 6061. (A Ø10.3 mm hole in an 8 mm plate is interpolated in seconds at today's removal rates: under
    the 1 % a driver must save; and 10.2 mm, its nearest drill, is the M12 tap drill, so it would be tapped.)"""
    part = measure(step_bytes(plate_with_holes(thickness=30.0, hole_d=18.6)), filename="plate.step").features
    return quote(part, _request(material="al6061", tolerance=None, threads="M6:4"), now=NOW)


def test_rebuilt_with_standard_holes_costs_what_was_promised(plate_quote: Quote) -> None:
    driver = _driver(plate_quote, DriverKind.NONSTANDARD_HOLES)
    assert driver.change == "hole Ø18.60 mm -> Ø19 mm (and 3 more)"
    assert driver.location is not None and driver.location.face_ids and driver.location.point_mm
    rebuilt_part = measure(step_bytes(plate_with_holes(thickness=30.0, hole_d=19.0)), filename="plate.step").features
    rebuilt = quote(rebuilt_part, _request(material="al6061", tolerance=None, threads="M6:4", cost_drivers=False),
                    now=NOW)
    for saving, actual in zip(driver.savings, _lowest_cents(rebuilt), strict=True):
        assert abs(actual - saving.relaxed_total_cents) <= AGREEMENT * saving.relaxed_total_cents


def test_requoted_without_threads_costs_what_was_promised(plate_quote: Quote) -> None:
    assert _driver(plate_quote, DriverKind.THREADS).change == "threads -> plain holes"
    part = measure(step_bytes(plate_with_holes(thickness=30.0, hole_d=18.6)), filename="plate.step").features
    rebuilt = quote(part, _request(material="al6061", tolerance=None, cost_drivers=False), now=NOW)
    _assert_promise_kept(plate_quote, DriverKind.THREADS, rebuilt)


def _hand_built(kind: DriverKind):
    """Features (built by hand) with one driver of ``kind``, and the material to quote them in."""
    if kind is DriverKind.SETUPS:
        return features().with_updates(setups_3axis=["+z", "-z", "+x", "-x"]), "al6061"
    if kind is DriverKind.FIVE_AXIS:
        return features().with_updates(unreachable_area_mm2=3000.0, unreachable_centroid_mm=(1.0, 2.0, 3.0)), "al6061"
    if kind is DriverKind.SUPPORT:
        part = features(bbox_mm=(60.0, 40.0, 30.0), volume_mm3=30_000.0, area_mm2=9000.0)
        return part.with_updates(additive=Additive((0.0, 0.0, 1.0), 30.0, 1500.0, 20_000.0)), "pla"
    bends = [Bend(90.0, 2.0, 200.0), Bend(90.0, 4.0, 200.0)]
    return features(sheet=dataclasses.replace(sheet(), bends=bends)), "s235"


@pytest.mark.parametrize(("kind", "change"), [
    (DriverKind.SETUPS, "setups 4 -> 2 (features reachable from +z, -z)"),
    (DriverKind.FIVE_AXIS, "undercuts removed: 5-axis -> 3-axis"),
    (DriverKind.SUPPORT, "overhangs made self-supporting (45 degree chamfers)"),
    (DriverKind.BEND_RADII, "bend radii -> one radius of 2 mm"),
])
def test_each_other_kind_saves_what_its_relaxed_part_costs(kind: DriverKind, change: str) -> None:
    part, material = _hand_built(kind)
    request = QuoteRequest.parse(material=material, quantities=QTY, cost_drivers=True)
    promised = quote(part, request, now=NOW)
    driver = _driver(promised, kind)
    assert driver.change == change
    relaxed = next(r for r in cd.relaxations(part, request) if r.kind is kind)
    after = quote(relaxed.features, relaxed.request, now=NOW)
    assert [s.relaxed_total_cents for s in driver.savings] == _lowest_cents(after)
    assert max(s.delta_fraction for s in driver.savings) >= cd.driver_table().min_fraction


def test_a_bad_table_is_refused() -> None:
    from quoting.errors import DataFileError

    good = {"max_relaxations": 8, "min_fraction": 0.01, "relaxation": [{"kind": "tolerance", "to": "iso2768_m"}]}
    assert cd.parse_table(good).rows[0][0] is DriverKind.TOLERANCE
    with pytest.raises(DataFileError, match="kind is one of"):
        cd.parse_table({**good, "relaxation": [{"kind": "wishful"}]})
    with pytest.raises(DataFileError, match="lacks to"):
        cd.parse_table({**good, "relaxation": [{"kind": "tolerance"}]})
    with pytest.raises(DataFileError, match="min_fraction"):
        cd.parse_table({**good, "min_fraction": 2.0})


def test_relaxed_parts_have_a_source_hash_of_their_own() -> None:
    part = _many_drivers()
    request = QuoteRequest.parse(material="al7075", quantities=QTY, tolerance="f")
    hashes = [r.features.source.sha256 for r in cd.relaxations(part, request)]
    assert part.source.sha256 not in hashes and len(set(hashes)) == len(hashes)


def test_kits_quote_without_drivers_for_now() -> None:
    from quoting.engine import quote_components

    part = features().with_updates(min_internal_radius_mm=1.0)
    other = features(bbox_mm=(50.0, 40.0, 10.0), volume_mm3=15_000.0, area_mm2=6000.0, sha="1" * 64)
    request = QuoteRequest.parse(material="al7075", quantities=QTY, tolerance="f", cost_drivers=True)
    kit = quote_components(part, [(part, 1), (other, 2)], request, now=NOW)
    assert kit.components and kit.offers and kit.cost_drivers == []
