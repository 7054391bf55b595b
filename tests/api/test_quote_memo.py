"""The server keeps priced lines across re-quotes of a part (``quoting.memo.EstimateMemo``): a rate card
changed through the API, or a cost model adopted, changes the very next quote's price; with two server
processes on PostgreSQL too."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.shared_state import stateless_overrides
from tests.api.conftest import POSTGRES, make_key, settings_for

CARD = "/v1/workshops/lyon-usinage/rate-card"


@dataclass(frozen=True)
class _Doubling:
    """A calibrated model that doubles the rule price (what ``models.load_cost_models`` would load: like
    ``models.WorkshopCostModel``, a frozen dataclass holding a dict, so unhashable)."""

    version: str = "test-doubling"
    meta: dict[str, Any] = field(default_factory=dict)

    def predict(self, features: Any, context: Any, rule_total_eur: float) -> tuple[float, float, float, float]:
        return 2 * rule_total_eur, 1.8 * rule_total_eur, 2.2 * rule_total_eur, 0.8


def _lyon(q: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in q["offers"] if o["workshop_id"] == "lyon-usinage")


def _requote(client: TestClient, part_id: str, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post(f"/v1/parts/{part_id}/quotes", json={"material": "al6061", "quantities": [1, 10]},
                    headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _warm(client: TestClient, part_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Quote twice: the second quote comes from the memo and equals the first."""
    first, second = _requote(client, part_id, headers), _requote(client, part_id, headers)
    assert _lyon(first)["lines"] == _lyon(second)["lines"]
    return second


def _dearer(client: TestClient, headers: dict[str, str]) -> None:
    card = copy.deepcopy(client.get(CARD, headers=headers).json()["ratecard"])
    card["commercial"]["margin_fraction"] += 1.0
    assert client.put(CARD, json=card, headers=headers).status_code == 200


def _adopt_model(monkeypatch: pytest.MonkeyPatch, model_dir: Path) -> None:
    """A model file appears in the shared folder (as calibration writes it); loading gives ``_Doubling``."""
    monkeypatch.setattr("models.load_cost_models", lambda folder: {"lyon-usinage": _Doubling()})
    model_dir.mkdir(parents=True, exist_ok=True)
    (model_dir / "lyon-usinage.skops").write_bytes(b"adopted")


@pytest.fixture()
def one_app(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    settings = settings_for(database_url, tmp_path, parse_workers=0)
    with TestClient(create_app(settings)) as client:
        yield client, settings.model_dir


def test_a_rate_card_change_reprices_the_next_quote(one_app: tuple[TestClient, Path], plate_step: bytes) -> None:
    client, _ = one_app
    owner, buyer = make_key(client, "owner", "lyon-usinage"), make_key(client, "buyer")
    part = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=buyer).json()
    before = _warm(client, part["id"], buyer)
    assert client.app.state.service.estimates._lines  # the memo is in use
    _dearer(client, owner)
    after = _requote(client, part["id"], buyer)
    assert after["ratecard_versions"]["lyon-usinage"] == before["ratecard_versions"]["lyon-usinage"] + 1
    assert [line["total_cents"] for line in _lyon(after)["lines"]] > \
           [line["total_cents"] for line in _lyon(before)["lines"]]


def test_an_adopted_model_reprices_the_next_quote(one_app: tuple[TestClient, Path], plate_step: bytes,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    client, model_dir = one_app
    buyer = make_key(client, "buyer")
    part = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=buyer).json()
    before = _warm(client, part["id"], buyer)
    _adopt_model(monkeypatch, model_dir)
    after = _requote(client, part["id"], buyer)
    assert _lyon(after)["calibrated"] and not _lyon(before)["calibrated"]
    assert _lyon(after)["lines"][0]["total_cents"] > _lyon(before)["lines"][0]["total_cents"]


@pytest.mark.skipif(not POSTGRES, reason="two API processes share state on PostgreSQL: set MICROFAB_TEST_POSTGRES_URL")
def test_changes_through_one_app_reprice_the_warm_memo_of_another(
        tmp_path: Path, plate_step: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.api.conftest import _pg_admin

    name = f"microfab_test_{secrets.token_hex(4)}"
    _pg_admin(f"CREATE DATABASE {name}")
    url = f"{POSTGRES.rpartition('/')[0]}/{name}"
    try:
        shared = settings_for(url, tmp_path, parse_workers=0, **stateless_overrides(2))
        with TestClient(create_app(shared)) as a, TestClient(create_app(shared)) as b:
            owner, buyer = make_key(a, "owner", "lyon-usinage"), make_key(a, "buyer")
            part = b.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=buyer).json()
            warm = _warm(b, part["id"], buyer)
            _dearer(a, owner)
            dearer = _requote(b, part["id"], buyer)
            assert _lyon(dearer)["lines"][0]["total_cents"] > _lyon(warm)["lines"][0]["total_cents"]
            _warm(b, part["id"], buyer)
            _adopt_model(monkeypatch, shared.model_dir)
            calibrated = _requote(b, part["id"], buyer)
            assert _lyon(calibrated)["calibrated"]
            assert _lyon(calibrated)["lines"][0]["total_cents"] > _lyon(dearer)["lines"][0]["total_cents"]
    finally:
        from sqlalchemy import create_engine

        create_engine(url).dispose()
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
