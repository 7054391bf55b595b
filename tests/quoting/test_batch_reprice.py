"""Re-pricing stored measurements (``quoting.batch_reprice``): rows per process and quantity, errors as rows."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from geometry import measure
from quoting.batch_reprice import (
    REPRICE_COLUMNS,
    OldLine,
    RepriceItem,
    RepriceStatus,
    measure_stale,
    old_lines,
    reprice_part,
    stored_request,
    write_reprice_rows,
)
from quoting.engine import quote_components
from quoting.request import QuoteRequest
from quoting.workshops import load_workshops

WORKSHOP = "lyon-usinage"


@pytest.fixture(scope="module")
def setup(data_dir: Path):
    cards = load_workshops()
    request = QuoteRequest.parse(material="al6061", quantities="1,10", cost_drivers="true")
    measured = measure(data_dir / "plate_holes.STL")
    doc = json.loads(quote_components(measured.features, list(measured.components), request, cards).to_json())
    return cards, measured, doc


def _item(setup, **changes) -> RepriceItem:
    _, measured, doc = setup
    item = RepriceItem("p1", "plate_holes.STL", stored_request(doc), old_lines(doc, WORKSHOP), "q1",
                       measured.features, measured.components)
    return dataclasses.replace(item, **changes)


def test_stored_request_and_lines(setup) -> None:
    _, _, doc = setup
    request = stored_request(doc)
    assert request.material == "al6061" and request.quantities == (1, 10) and not request.cost_drivers
    lines = old_lines(doc, WORKSHOP)
    assert lines and {line.quantity for line in lines} == {1, 10}
    assert all(line.total_cents == line.unit_price_cents * line.quantity for line in lines)


def test_same_card_changes_nothing(setup) -> None:
    cards, _, _ = setup
    rows = reprice_part(_item(setup), cards, WORKSHOP)
    assert rows and all(r.status == RepriceStatus.REPRICED.value and r.change_cents == 0 for r in rows)
    assert all(r.old_total_cents == r.new_total_cents and not r.measured for r in rows)


def test_new_and_withdrawn_lines(setup) -> None:
    cards, _, _ = setup
    item = _item(setup)
    gone = OldLine("laser_cutting", 5, 100, 500)
    rows = reprice_part(dataclasses.replace(item, old=(*item.old[1:], gone)), cards, WORKSHOP)
    status = {(r.process, r.quantity): r.status for r in rows}
    assert status[(item.old[0].process, item.old[0].quantity)] == RepriceStatus.NEW_OFFER.value
    assert status[("laser_cutting", 5)] == RepriceStatus.WITHDRAWN.value


def test_errors_are_rows(setup, tmp_path: Path) -> None:
    cards, measured, _ = setup
    stale = dataclasses.replace(measured.features, geometry_version="old")
    rows = reprice_part(_item(setup, features=stale, components=()), cards, WORKSHOP)
    assert [(r.status, r.code) for r in rows] == [(RepriceStatus.ERROR.value, "not_found")]
    rows = reprice_part(_item(setup, code="file_missing", message="gone"), cards, WORKSHOP)
    assert [(r.status, r.code, r.message) for r in rows] == [(RepriceStatus.ERROR.value, "file_missing", "gone")]
    rows = reprice_part(_item(setup, request=None), cards, WORKSHOP)
    assert rows[0].code == "no_request"
    import pyarrow.parquet as pq

    write_reprice_rows(rows, tmp_path / "r.parquet")
    assert pq.read_table(tmp_path / "r.parquet").column_names == list(REPRICE_COLUMNS)


def test_stale_part_measured_from_its_file(setup, data_dir: Path, tmp_path: Path) -> None:
    cards, measured, _ = setup
    stale = dataclasses.replace(measured.features, geometry_version="old")
    item = _item(setup, features=stale, components=(), source=str(data_dir / "plate_holes.STL"))
    rows = reprice_part(item, cards, WORKSHOP, cache_dir=str(tmp_path))
    assert all(r.measured and r.change_cents == 0 for r in rows)
    again = reprice_part(item, cards, WORKSHOP, cache_dir=str(tmp_path))  # the feature cache has it now
    assert not any(r.measured for r in again)


def test_measure_stale_on_a_cluster(setup, data_dir: Path, tmp_path: Path) -> None:
    from quoting.batch_dask import ClusterSpec

    _, measured, _ = setup
    stale = dataclasses.replace(measured.features, geometry_version="old")
    current = _item(setup)
    fixable = _item(setup, part_id="p2", features=stale, components=(), source=str(data_dir / "plate_holes.STL"))
    gone = _item(setup, part_id="p3", features=stale, components=(), source=str(tmp_path / "missing.STL"))
    out = measure_stale([current, fixable, gone], cluster=ClusterSpec(workers=1, processes=False, warm_up=False),
                        cache_dir=str(tmp_path / "cache"))
    assert [item.part_id for item in out] == ["p1", "p2", "p3"]
    assert out[0] is current
    assert out[1].measured and out[1].source is None and out[1].features == measured.features
    assert (out[2].code, out[2].features) == ("not_found", stale)
    assert measure_stale([current]) == [current]  # nothing stale: no cluster started
