"""The OpenAPI contract: the document declares typed bodies, enums, problems, paging and caching, and every
answer of a run of the API fits it; examples are valid; the document cannot change without a changelog entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from fastapi.testclient import TestClient

from quoting.engine import microfab_version
from quoting.process_kinds import Process, SortKey, Tier
from tests.api.conftest import assert_problem
from tests.api.contract import Contract

CHANGELOG = Path(__file__).resolve().parents[2] / "CHANGELOG.md"


def spec_digest(spec: dict[str, Any]) -> str:
    """sha256 of the document without its version (the installed package's), as CHANGELOG.md records it."""
    doc = {**spec, "info": {k: v for k, v in spec["info"].items() if k != "version"}}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


@pytest.fixture(scope="module")
def contract(spec: dict[str, Any]) -> Contract:
    return Contract(spec)


@pytest.fixture(scope="module")
def checked(client: TestClient, contract: Contract):  # noqa: ANN201
    """The test client, every answer of which is checked against the document."""
    seen: list[str] = []

    def hook(response: Any) -> None:
        response.read()
        contract.check_response(response)
        seen.append(f"{response.request.method} {response.status_code}")

    client.event_hooks["response"].append(hook)
    try:
        yield client
    finally:
        client.event_hooks["response"].remove(hook)
    assert seen


def test_changelog_records_the_document(spec: dict[str, Any]) -> None:
    text = CHANGELOG.read_text()
    digest = spec_digest(spec)
    assert f"openapi-sha256: {digest}" in text, (
        f"the OpenAPI document changed: add a CHANGELOG.md entry and record `openapi-sha256: {digest}` in it")
    assert "## [0.2.0]" in text and f"## [{microfab_version()}]" in text


def test_document_version_servers_and_security(spec: dict[str, Any], client: TestClient) -> None:
    assert spec["info"]["version"] == microfab_version()
    assert spec["servers"] and spec["openapi"].startswith("3.1")
    r = client.get("/healthz")
    assert r.headers["api-version"] == microfab_version()
    ops = {op["operationId"]: op for item in spec["paths"].values() for op in item.values()}
    assert ops["create_quote"]["security"] == [{}, {"HTTPBearer": []}]  # anonymous quoting may be allowed
    assert ops["put_rate_card"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in ops["list_materials"]


def test_every_error_answer_is_a_problem(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    codes = set(schemas["ProblemCode"]["enum"])
    from api.problems import STATUS_BY_CODE

    assert set(STATUS_BY_CODE) <= codes and {"invalid_request", "unknown_material", "method_not_allowed"} <= codes
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status in ("400", "405", "422", "500", "503"):
                assert status in op["responses"], f"{method} {path} lacks {status}"
            assert "Allow" in op["responses"]["405"]["headers"]
            for status, answer in op["responses"].items():
                if int(status) >= 400:
                    assert answer["content"] == {"application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/Problem"}}}, f"{method} {path} {status}"


def test_every_error_code_in_the_source_is_declared(spec: dict[str, Any]) -> None:
    import re

    root = CHANGELOG.parent
    codes = set(spec["components"]["schemas"]["ProblemCode"]["enum"])
    for package in ("geometry", "quoting", "models", "api"):
        for source in (root / package).rglob("*.py"):
            for code in re.findall(r'^\s+code = "([a-z_]+)"', source.read_text(), re.MULTILINE):
                assert code in codes, f"{source}: {code} is not in ProblemCode"


def test_bodies_are_typed_with_enums(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert schemas["Process"]["enum"] == [p.value for p in Process]
    assert schemas["Tier"]["enum"] == [t.value for t in Tier]
    assert schemas["SortKey"]["enum"] == [s.value for s in SortKey]
    assert schemas["Severity"]["enum"] == ["error", "warning", "info"]
    from quoting.options import tolerance_keys

    assert schemas["ToleranceClass"]["enum"] == list(tolerance_keys())
    quote = schemas["QuoteView"]
    assert {"request", "part", "dfm", "versions", "process_choice", "components", "offers"} <= set(quote["required"])
    line = schemas["QuoteLine"]["properties"]
    assert line["unit_price_cents"] and line["unit_price_eur"]["deprecated"] is True
    assert "currency" in schemas["Offer"]["properties"] and "valid_until" in schemas["Offer"]["properties"]
    for name in ("Offer", "QuoteLine", "BreakdownItem", "Interval", "Finding", "IneligibleWorkshop"):
        assert schemas[name]["properties"], name
    body = schemas["Body_create_part"]["properties"]["file"]
    assert body == {"type": "string", "format": "binary", "title": "File",
                    "description": body["description"]}


def _examples(node: Any, trail: str = "") -> list[tuple[str, Any, Any]]:
    """(where, schema, example) of every ``examples`` in the document."""
    found: list[tuple[str, Any, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("examples"), list) and ("properties" in node or "type" in node or "$ref" in node):
            found += [(trail, {k: v for k, v in node.items() if k != "examples"}, e) for e in node["examples"]]
        for key, value in node.items():
            found += _examples(value, f"{trail}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _examples(value, f"{trail}/{i}")
    return found


def test_every_example_fits_its_schema(spec: dict[str, Any]) -> None:
    examples = _examples(spec)
    assert len(examples) >= 10
    for where, schema, example in examples:
        validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
        errors = [e.message for e in validator.iter_errors(example)]
        assert not errors, f"{where}: {errors[:5]}"


def test_a_run_of_the_api_fits_the_document(checked: TestClient, keys, plate_step: bytes) -> None:
    buyer = keys["buyer"]
    part = checked.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=buyer)
    assert part.status_code in (200, 201)
    pid = part.json()["id"]
    q = checked.post(f"/v1/parts/{pid}/quotes", headers=buyer,
                     json={"material": "al6061", "quantities": [1, 10], "ship_to": [45.76, 4.84]})
    assert q.status_code == 201
    quote = q.json()
    assert all(o["valid_until"] for o in quote["offers"])
    assert quote["valid_until"] == min(o["valid_until"] for o in quote["offers"])
    days = {w["id"]: w["validity_days"] for w in checked.get("/v1/workshops").json()}
    created = dt.datetime.fromisoformat(quote["created_at"])
    for o in quote["offers"]:  # each workshop's own validity
        assert dt.datetime.fromisoformat(o["valid_until"]) - created == dt.timedelta(days=days[o["workshop_id"]])
    form = checked.post("/v1/quotes", headers=buyer, data={"part_id": pid, "material": "al6061",
                                                           "quantities": "5", "process": "cnc_milling"})
    assert form.status_code == 201
    got = checked.get(f"/v1/quotes/{quote['id']}", headers=buyer)
    assert got.status_code == 200 and got.headers["etag"]
    assert checked.get(f"/v1/quotes/{quote['id']}", headers=buyer | {"If-None-Match": got.headers["etag"]}
                       ).status_code == 304
    assert checked.get(f"/v1/parts/{pid}", headers=buyer).status_code == 200
    for url in ("/v1/quotes", "/v1/parts", "/v1/jobs", "/v1/webhooks"):
        assert checked.get(url, headers=buyer).status_code == 200
    for url in ("/v1/materials", "/v1/processes", "/v1/workshops", "/v1/workshops/lyon-usinage", "/healthz"):
        assert checked.get(url).status_code == 200
    admin = keys["admin"]
    assert checked.get("/v1/workshops/lyon-usinage/rate-card", headers=admin).status_code == 200
    assert checked.get("/v1/workshops/lyon-usinage/rate-card/versions", headers=admin).status_code == 200
    assert_problem(checked.post(f"/v1/parts/{pid}/quotes", headers=buyer, json={"material": "al6016"}),
                   422, "unknown_material")
    assert_problem(checked.post(f"/v1/parts/{pid}/quotes", headers=buyer, json={"quantities": [0]}),
                   422, "invalid_request")
    assert_problem(checked.get("/v1/quotes/" + "0" * 32, headers=buyer), 404, "not_found")
    assert_problem(checked.get("/v1/quotes?limit=0", headers=buyer), 422, "invalid_request")
    assert_problem(checked.get("/v1/quotes?cursor=bad", headers=buyer), 422, "invalid_request")
    assert_problem(checked.get("/v1/quotes"), 401, "unauthorized")
    bad_json = checked.post(f"/v1/parts/{pid}/quotes", headers=buyer | {"content-type": "application/json"},
                            content=b"{not json")
    assert bad_json.status_code in (400, 422)
    wrong = checked.delete("/v1/materials")
    assert_problem(wrong, 405, "method_not_allowed")
    assert wrong.headers["allow"] == "GET"


def test_lists_are_paged_by_cursor(checked: TestClient, keys) -> None:
    everything = checked.get("/v1/workshops").json()
    assert len(everything) >= 3
    seen: list[str] = []
    url = "/v1/workshops?limit=2"
    while url:
        r = checked.get(url)
        page = r.json()
        assert len(page) <= 2
        seen += [w["id"] for w in page]
        link = r.headers.get("link")
        url = link.split(";")[0].strip("<>") if link else ""
        if url:
            assert r.headers["next-cursor"] in url
    assert seen == [w["id"] for w in everything]
    materials = checked.get("/v1/materials?limit=1")
    cursor = materials.headers["next-cursor"]
    second = checked.get(f"/v1/materials?limit=1&cursor={cursor}").json()
    assert second and second[0]["key"] > materials.json()[0]["key"]


def test_catalog_and_rate_cards_revalidate(checked: TestClient, keys) -> None:
    first = checked.get("/v1/materials")
    tag = first.headers["etag"]
    assert checked.get("/v1/materials", headers={"If-None-Match": tag}).status_code == 304
    admin = keys["admin"]
    card = checked.get("/v1/workshops/lyon-usinage/rate-card", headers=admin)
    again = checked.get("/v1/workshops/lyon-usinage/rate-card", headers=admin | {"If-None-Match": card.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == card.headers["etag"]


@pytest.mark.skipif(os.environ.get("MICROFAB_CONTRACT_CHECK", "1") == "0", reason="MICROFAB_CONTRACT_CHECK=0")
def test_every_answer_of_the_test_run_is_checked() -> None:
    from starlette.testclient import TestClient as Client

    assert Client.request.__name__ == "checked"  # tests/api/contract_plugin.py is loaded
