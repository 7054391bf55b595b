"""Cost drivers over the API (issue 18): asked for in the form or the JSON body, in the stored quote."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def block(client: TestClient, keys, block_step: bytes) -> dict:
    r = client.post("/v1/parts", files={"file": ("block.step", block_step)}, headers=keys["buyer"])
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_drivers_when_asked_in_the_json_body(client: TestClient, keys, block) -> None:
    body = {"material": "al7075", "quantities": [1, 10], "tolerance": "f"}
    plain = client.post(f"/v1/parts/{block['id']}/quotes", headers=keys["buyer"], json=body)
    assert plain.status_code == 201, plain.text
    assert plain.json()["cost_drivers"] == []
    asked = client.post(f"/v1/parts/{block['id']}/quotes", headers=keys["buyer"], json={**body, "cost_drivers": True})
    assert asked.status_code == 201, asked.text
    drivers = asked.json()["cost_drivers"]
    assert any(d["kind"] == "tolerance" and d["change"] == "tolerance iso2768_f -> iso2768_m" for d in drivers)
    for d in drivers:
        assert [s["quantity"] for s in d["savings"]] == [1, 10]
        assert all(s["delta_cents"] == s["total_cents"] - s["relaxed_total_cents"] for s in d["savings"])
    got = client.get(f"/v1/quotes/{asked.json()['id']}", headers=keys["buyer"])
    assert got.json()["cost_drivers"] == drivers


def test_drivers_when_asked_in_the_form(client: TestClient, keys, block) -> None:
    r = client.post("/v1/quotes", headers=keys["buyer"],
                    data={"part_id": block["id"], "material": "al7075", "tolerance": "f", "cost_drivers": "true"})
    assert r.status_code == 201, r.text
    assert {d["kind"] for d in r.json()["cost_drivers"]} >= {"tolerance", "material"}


def test_openapi_documents_the_flag_and_the_field(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert "cost_drivers" in schemas["QuoteCreate"]["properties"]
    assert "cost_drivers" in schemas["Body_create_quote"]["properties"]
    assert schemas["QuoteView"]["examples"][0]["cost_drivers"][0]["savings"][0]["delta_cents"] > 0
