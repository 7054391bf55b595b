"""POST /v1/workshops/{id}/repricings: stored parts priced again with a changed rate card, nothing measured again."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.db import TenantPartRow
from tests.api.conftest import assert_problem, wait_job
from tests.api.test_remeasure import _make_stale

WORKSHOP = "lyon-usinage"
CARD = f"/v1/workshops/{WORKSHOP}/rate-card"
REPRICE = f"/v1/workshops/{WORKSHOP}/repricings"
ASK = {"material": "al6061", "quantities": [1, 10]}


@pytest.fixture(autouse=True)
def _threads_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROFAB_BATCH_PROCESSES", "0")  # a one-thread local cluster: fast to start in tests
    monkeypatch.delenv("MICROFAB_DASK_SCHEDULER", raising=False)


def _part(client: TestClient, headers: dict[str, str], name: str, data: bytes, **form: str) -> str:
    r = client.post("/v1/parts", files={"file": (name, data)}, data=form, headers=headers)
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


def _lyon_cents(client: TestClient, headers: dict[str, str], part_id: str) -> dict[tuple[str, int], int]:
    """A fresh quote of the part: the workshop's total per (process, quantity) [cents]."""
    r = client.post(f"/v1/parts/{part_id}/quotes", json=ASK, headers=headers)
    assert r.status_code == 201, r.text
    return {(o["process"], line["quantity"]): line["total_cents"]
            for o in r.json()["offers"] if o["workshop_id"] == WORKSHOP for line in o["lines"]}


class _Counting:
    """Counts the parse worker's measurements (every measuring of the API goes through ``pool.parse``)."""

    def __init__(self, parse: Any) -> None:
        self.parse, self.calls = parse, 0

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return await self.parse(*args, **kwargs)


def _rows(client: TestClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    got = client.get(url, headers=headers)
    assert got.status_code == 200, got.text
    return list(pq.read_table(pa.BufferReader(got.content)).to_pylist())


def test_reprice_after_a_rate_card_change(client: TestClient, keys, plate_step: bytes, block_step: bytes,
                                          data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = client.app.state.service
    buyer = keys["buyer"]
    plate = _part(client, buyer, "plate.step", plate_step)
    block = _part(client, buyer, "block.step", block_step)
    cube = _part(client, buyer, "cube.stl", (data_dir / "unit_cube.STL").read_bytes(), units="cm")
    before = {pid: _lyon_cents(client, buyer, pid) for pid in (plate, block, cube)}
    assert all(before.values()), before
    # the cube: measured by an older geometry version, and its file gone
    _make_stale(client, cube)
    svc.blob_path(hashlib.sha256((data_dir / "unit_cube.STL").read_bytes()).hexdigest()).unlink()

    card = client.get(CARD, headers=keys["lyon"]).json()["ratecard"]
    changed = copy.deepcopy(card)
    changed["commercial"]["margin_fraction"] += 0.5
    assert client.put(CARD, json=changed, headers=keys["lyon"]).status_code == 200

    counting = _Counting(svc.pool.parse)
    monkeypatch.setattr(svc.pool, "parse", counting)
    r = client.post(REPRICE, json={}, headers=keys["lyon"])
    assert r.status_code == 202, r.text
    job = wait_job(client, r.headers["Location"], keys["lyon"])
    assert job["status"] == "succeeded" and job["kind"] == "reprice", job
    assert counting.calls == 0  # nothing measured again (the stale cube's file is gone: an error row)
    result = job["result"]
    assert result["parts"] == 3 and result["ratecard_version"] >= 2
    assert [(f["part_id"], f["code"]) for f in result["failed"]] == [(cube, "not_found")]

    rows = _rows(client, result["results"]["parquet"], keys["lyon"])
    fresh = {pid: _lyon_cents(client, buyer, pid) for pid in (plate, block)}
    for pid in (plate, block):
        mine = {(r["process"], r["quantity"]): r for r in rows if r["part_id"] == pid}
        assert set(mine) == set(before[pid]) == set(fresh[pid])
        for key, row in mine.items():
            assert row["status"] == "repriced" and not row["measured"]
            assert row["old_total_cents"] == before[pid][key]
            assert row["new_total_cents"] == fresh[pid][key]  # the same price as a fresh quote
            assert row["change_cents"] == fresh[pid][key] - before[pid][key] > 0
    assert [r["status"] for r in rows if r["part_id"] == cube] == ["error"]
    csv = client.get(result["results"]["csv"], headers=keys["lyon"])
    assert csv.status_code == 200 and csv.text.startswith('"part_id","file","status"')
    # another workshop's key is refused, and sees no results of this one
    assert_problem(client.post(REPRICE, json={}, headers=keys["lille"]), 403, "forbidden")
    assert_problem(client.get(result["results"]["csv"], headers=keys["lille"]), 403, "forbidden")
    assert_problem(client.post(REPRICE, json={}, headers=keys["buyer"]), 403, "forbidden")


def test_reprice_since_and_a_stale_part_measured_once(client: TestClient, keys, plate_step: bytes) -> None:
    """A stale part whose file is stored is measured again (once, by the parse workers); ``since`` selects."""
    svc = client.app.state.service
    plate = _part(client, keys["buyer2"], "plate.step", plate_step)
    _lyon_cents(client, keys["buyer2"], plate)
    _make_stale(client, plate)
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    job = wait_job(client, client.post(REPRICE, json={"since": future}, headers=keys["admin"]).headers["Location"],
                   keys["admin"])
    assert job["status"] == "succeeded" and job["result"]["parts"] == 0, job
    job = wait_job(client, client.post(REPRICE, headers=keys["admin"]).headers["Location"], keys["admin"])
    assert job["status"] == "succeeded", job
    rows = [r for r in _rows(client, job["result"]["results"]["parquet"], keys["admin"]) if r["part_id"] == plate]
    assert rows and all(r["measured"] and r["status"] == "repriced" for r in rows)
    with svc.sessions() as session:
        mid = session.get(TenantPartRow, plate).measurement_id
    assert svc.parts.measured(mid).is_current  # the stored row was updated too


def test_rate_card_put_queues_a_repricing(client: TestClient, keys, plate_step: bytes) -> None:
    """``reprice_on_change=true``: a changed card queues a re-pricing job (its URL in a header); the same card none."""
    _lyon_cents(client, keys["buyer"], _part(client, keys["buyer"], "plate.step", plate_step))
    card = client.get(CARD, headers=keys["lyon"]).json()["ratecard"]
    same = client.put(CARD, json=card, params={"reprice_on_change": "true"}, headers=keys["lyon"])
    assert same.status_code == 200 and "Microfab-Repricing-Job" not in same.headers
    card["commercial"]["margin_fraction"] += 0.1
    r = client.put(CARD, json=card, params={"reprice_on_change": "true"}, headers=keys["lyon"])
    assert r.status_code == 200, r.text
    job = wait_job(client, r.headers["Microfab-Repricing-Job"], keys["lyon"])
    assert job["status"] == "succeeded" and job["kind"] == "reprice", job
    assert job["result"]["ratecard_version"] == r.json()["version"] and job["result"]["by_status"]["repriced"] > 0
