"""POST /v1/workshops/{id}/rate-card/preview: a draft card priced on reference parts, nothing saved."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.db import QuoteRow, RateCardVersionRow, WorkshopRow
from tests.api.conftest import assert_problem

CARD = "/v1/workshops/lyon-usinage/rate-card"
PREVIEW = f"{CARD}/preview"


def _stored(client: TestClient) -> tuple[Any, ...]:
    """What a preview must leave as it is: the card's versions, the workshop row, the stored quotes."""
    with client.app.state.service.sessions() as session:
        row = session.get(WorkshopRow, "lyon-usinage")
        assert row is not None
        return (session.scalar(select(func.count()).select_from(RateCardVersionRow)), row.ratecard_version,
                row.ratecard_sha256, session.scalar(select(func.count()).select_from(QuoteRow)))


@pytest.fixture(scope="module")
def ref_part(client: TestClient, keys, plate_step: bytes) -> str:
    r = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["lyon"])
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


def test_draft_prices_without_saving(client: TestClient, keys, ref_part: str) -> None:
    current = client.get(CARD, headers=keys["lyon"]).json()
    draft = copy.deepcopy(current["ratecard"])
    draft["commercial"]["margin_fraction"] += 0.5
    before = _stored(client)
    r = client.post(PREVIEW, json={"ratecard": draft, "part_ids": [ref_part], "material": "al6061",
                                   "quantities": [1, 10]}, headers=keys["lyon"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["workshop_id"] == "lyon-usinage" and body["version"] == current["version"]
    assert body["material"] == "al6061"
    [part] = body["parts"]
    assert part["part_id"] == ref_part and part["filename"] == "plate.step"
    assert [line["quantity"] for line in part["lines"]] == [1, 10]
    for line in part["lines"]:
        old, new = line["current"], line["draft"]
        assert old and new and new["total_cents"] > old["total_cents"]
        assert line["delta_cents"] == new["total_cents"] - old["total_cents"]
        assert new["total_cents"] == new["unit_price_cents"] * line["quantity"]
    assert _stored(client) == before  # no new version, the card as it was, no quote stored

    # the current card's price is the one a quote gives
    quote = client.post(f"/v1/parts/{ref_part}/quotes", json={"material": "al6061", "quantities": [1, 10]},
                        headers=keys["lyon"]).json()
    lyon = [o for o in quote["offers"] if o["workshop_id"] == "lyon-usinage"]
    assert min(o["lines"][0]["total_cents"] for o in lyon) == part["lines"][0]["current"]["total_cents"]


def test_same_card_changes_nothing(client: TestClient, keys, ref_part: str) -> None:
    card = client.get(CARD, headers=keys["lyon"]).json()["ratecard"]
    r = client.post(PREVIEW, json={"ratecard": card, "part_ids": [ref_part, ref_part], "material": "al6061"},
                    headers=keys["lyon"])
    assert r.status_code == 200, r.text
    [part] = r.json()["parts"]  # a part named twice is priced once
    assert all(line["delta_cents"] == 0 for line in part["lines"])


def test_invalid_draft_gets_the_put_message(client: TestClient, keys, ref_part: str) -> None:
    card = client.get(CARD, headers=keys["lyon"]).json()["ratecard"]
    bad = copy.deepcopy(card)
    bad["commercial"]["margin_fraction"] = -1
    before = _stored(client)
    body = {"ratecard": bad, "part_ids": [ref_part], "material": "al6061"}
    problem = assert_problem(client.post(PREVIEW, json=body, headers=keys["lyon"]), 422, "invalid_rate_card")
    put = assert_problem(client.put(CARD, json=bad, headers=keys["lyon"]), 422, "invalid_rate_card")
    assert "margin_fraction" in problem["detail"] and problem["detail"] == put["detail"]
    other = copy.deepcopy(card) | {"id": "lille-microfab"}
    assert_problem(client.post(PREVIEW, json=body | {"ratecard": other}, headers=keys["lyon"]), 422,
                   "invalid_request")
    named = copy.deepcopy(card) | {"name": "<script>x</script>"}
    assert_problem(client.post(PREVIEW, json=body | {"ratecard": named}, headers=keys["lyon"]), 422,
                   "invalid_request")
    assert_problem(client.post(PREVIEW, json=body | {"ratecard": card, "material": "unobtainium"},
                               headers=keys["lyon"]), 422, "unknown_material")
    assert_problem(client.post(PREVIEW, json=body | {"ratecard": card, "part_ids": []}, headers=keys["lyon"]), 422,
                   "invalid_request")
    assert _stored(client) == before


def test_other_workshops_and_parts_refused(client: TestClient, keys, ref_part: str, plate_step: bytes) -> None:
    card = client.get(CARD, headers=keys["lyon"]).json()["ratecard"]
    body = {"ratecard": card, "part_ids": [ref_part], "material": "al6061"}
    assert_problem(client.post(PREVIEW, json=body, headers=keys["lille"]), 403, "forbidden")
    assert_problem(client.post(PREVIEW, json=body, headers=keys["buyer"]), 403, "forbidden")
    assert_problem(client.post(PREVIEW, json=body), 401, "unauthorized")
    assert_problem(client.post("/v1/workshops/nowhere/rate-card/preview", json=body, headers=keys["admin"]), 404,
                   "not_found")
    theirs = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["buyer"]).json()["id"]
    assert_problem(client.post(PREVIEW, json=body | {"part_ids": [theirs]}, headers=keys["lyon"]), 404, "not_found")
    assert client.post(PREVIEW, json=body, headers=keys["admin"]).status_code == 404  # the admin has no such part
