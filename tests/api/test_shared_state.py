"""Several API processes on one database: a change made through one is used by the others on the next request."""

from __future__ import annotations

import copy
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.shared_state import ModelFolder, folder_signature, refresh_cost_models, stateless_overrides
from tests.api.conftest import POSTGRES, make_key, settings_for


def test_model_folder_sees_every_change(tmp_path: Path) -> None:
    folder = tmp_path / "models"
    watch = ModelFolder(folder)
    assert watch.changed() and not watch.changed()  # first look, then nothing new
    folder.mkdir()
    (folder / "notes.txt").write_text("not a model")
    assert not watch.changed()
    (folder / "lyon-usinage.skops").write_bytes(b"v1")
    assert watch.changed() and not watch.changed()
    tmp = folder / "lyon-usinage.skops.tmp"
    tmp.write_bytes(b"v2 of the model")
    tmp.replace(folder / "lyon-usinage.skops")  # how WorkshopCostModel.save writes
    assert watch.changed()
    assert [name for name, *_ in folder_signature(folder)] == ["lyon-usinage.skops"]


def test_refresh_reloads_only_after_a_change(tmp_path: Path) -> None:
    loads: list[int] = []
    svc = SimpleNamespace(settings=SimpleNamespace(model_dir=tmp_path), reload_cost_models=lambda: loads.append(1))
    refresh_cost_models(svc)
    refresh_cost_models(svc)
    assert len(loads) == 1  # the first quote of a process loads once more, then only changes do
    (tmp_path / "w.skops").write_bytes(b"m")
    refresh_cost_models(svc)
    refresh_cost_models(svc)
    assert len(loads) == 2


def test_several_processes_have_no_staleness_window() -> None:
    assert stateless_overrides(1) == {}
    assert stateless_overrides(4) == {"ratecard_check_s": 0.0}


def test_serve_refuses_several_processes_on_sqlite(capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli import main

    assert main(["serve", "--workers", "2", "--database-url", "sqlite:///var/x.db"]) == 2
    assert "needs PostgreSQL" in capsys.readouterr().err


@pytest.mark.skipif(not POSTGRES, reason="two API processes share state on PostgreSQL: set MICROFAB_TEST_POSTGRES_URL")
def test_rate_card_change_through_one_app_prices_the_next_quote_of_another(
        tmp_path: Path, plate_step: bytes) -> None:
    import secrets

    from tests.api.conftest import _pg_admin

    name = f"microfab_test_{secrets.token_hex(4)}"
    _pg_admin(f"CREATE DATABASE {name}")
    url = f"{POSTGRES.rpartition('/')[0]}/{name}"
    try:
        shared = settings_for(url, tmp_path, parse_workers=0, **stateless_overrides(2))
        with TestClient(create_app(shared)) as a, TestClient(create_app(shared)) as b:
            lyon, buyer = make_key(a, "owner", "lyon-usinage"), make_key(a, "buyer")
            path = "/v1/workshops/lyon-usinage/rate-card"
            part = b.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=buyer).json()
            q1 = b.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"}, headers=buyer).json()
            before = a.get(path, headers=lyon).json()
            card = copy.deepcopy(before["ratecard"])
            card["commercial"]["margin_fraction"] += 1.0
            assert a.put(path, json=card, headers=lyon).status_code == 200
            q2 = b.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"}, headers=buyer).json()
            assert q2["ratecard_versions"]["lyon-usinage"] == before["version"] + 1
            total = {q["id"]: next(o for o in q["offers"] if o["workshop_id"] == "lyon-usinage")["lines"][0]
                     ["total_eur"] for q in (q1, q2)}
            assert total[q2["id"]] > total[q1["id"]]
            assert a.get(f"/v1/quotes/{q2['id']}", headers=buyer).status_code == 200  # any process reads it
    finally:
        from sqlalchemy import create_engine

        create_engine(url).dispose()
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
