"""``microfab batch reprice``: the database's parts priced again with the workshop's current card, on Dask."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.settings import Settings, get_settings
from geometry.version import geometry_version
from tests.api.test_remeasure import _make_stale, _mid, _stored_version
from tests.api.test_reprice import ASK, CARD, WORKSHOP, _lyon_cents, _part


def test_cli_batch_reprice(client: TestClient, keys, app_settings: Settings, database_url: str, plate_step: bytes,
                           block_step: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import pyarrow.parquet as pq

    from api.cli import main

    buyer = keys["buyer"]
    plate = _part(client, buyer, "plate.step", plate_step)
    block = _part(client, buyer, "block.step", block_step)
    before = {pid: _lyon_cents(client, buyer, pid) for pid in (plate, block)}
    _make_stale(client, block)  # its file is stored: measured again in the Dask task (geometry.measure)
    assert client.app.state.service.blob_path(_mid(client, block), ".glb").exists()
    card = client.get(CARD, headers=keys["lyon"]).json()["ratecard"]
    changed = copy.deepcopy(card)
    changed["commercial"]["margin_fraction"] += 0.25
    assert client.put(CARD, json=changed, headers=keys["lyon"]).status_code == 200

    monkeypatch.setenv("MICROFAB_BLOB_DIR", str(app_settings.blob_dir))
    get_settings.cache_clear()
    out = tmp_path / "reprice.parquet"
    try:
        code = main(["batch", "reprice", "--workshop", WORKSHOP, "--out", str(out), "--database-url", database_url,
                     "--workers", "1", "--cache", str(tmp_path / "cache"), "--no-progress", "--since", "2000-01-01"])
    finally:
        get_settings.cache_clear()
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 part(s) of lyon-usinage" in printed and "repriced" in printed, printed
    assert "1 measured again and stored" in printed, printed
    # the block's new measurement is in the database (read afresh, past this process's part cache) and its
    # preview, whose face ids were the old measurement's, is gone until the next view makes it again
    svc = client.app.state.service
    svc.parts.forget(_mid(client, block))
    assert _stored_version(client, block) == geometry_version()
    assert not svc.blob_path(_mid(client, block), ".glb").exists()
    rows = pq.read_table(out).to_pylist()
    fresh = {pid: _lyon_cents(client, buyer, pid) for pid in (plate, block)}
    for pid in (plate, block):
        mine = {(r["process"], r["quantity"]): r for r in rows if r["part_id"] == pid}
        assert set(mine) == set(before[pid]) and len(mine) >= len(ASK["quantities"])
        for key, row in mine.items():
            assert row["status"] == "repriced" and row["measured"] == (pid == block)
            assert (row["old_total_cents"], row["new_total_cents"]) == (before[pid][key], fresh[pid][key])
