"""Parts and quotes over TestClient: upload, dedup, mesh, quotes by id or file, idempotency, expiry, auth."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.db import QuoteRow
from tests.api.conftest import assert_problem


@pytest.fixture(scope="module")
def part(client: TestClient, keys, plate_step: bytes) -> dict:
    r = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["buyer"])
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_upload_part_gives_features_and_dedups(client: TestClient, keys, part, plate_step: bytes) -> None:
    import hashlib

    # issue 16 part-id contract: the id is private to the uploader, the file's sha256 is its own field
    assert part["sha256"] == hashlib.sha256(plate_step).hexdigest() != part["id"]
    assert part["format"] == "step" and part["features"]["schema"] == "microfab.features/1"
    assert part["features"]["volume_mm3"] > 0 and isinstance(part["findings"], list)
    again = client.post("/v1/parts", files={"file": ("renamed.stp", plate_step)}, headers=keys["buyer"])
    assert again.status_code == 200 and again.json()["id"] == part["id"]
    theirs = client.post("/v1/parts", files={"file": ("renamed.stp", plate_step)}, headers=keys["buyer2"])
    assert theirs.status_code == 201 and theirs.json()["id"] != part["id"]
    assert theirs.json()["features"]["volume_mm3"] == part["features"]["volume_mm3"]
    got = client.get(f"/v1/parts/{part['id']}", headers=keys["buyer"])
    assert got.status_code == 200 and got.json()["features"] == part["features"]


def test_mesh_is_glb(client: TestClient, keys, part) -> None:
    r = client.get(f"/v1/parts/{part['id']}/mesh", headers=keys["buyer"])
    assert r.status_code == 200 and r.headers["content-type"] == "model/gltf-binary"
    assert r.content[:4] == b"glTF"


def test_unknown_part_is_404(client: TestClient, keys) -> None:
    assert_problem(client.get("/v1/parts/" + "0" * 64, headers=keys["buyer"]), 404, "not_found")
    assert_problem(client.post("/v1/parts/nope/quotes", json={"material": "al6061"}, headers=keys["buyer"]),
                   404, "not_found")


def test_quote_stored_part_json(client: TestClient, keys, part) -> None:
    r = client.post(f"/v1/parts/{part['id']}/quotes", headers=keys["buyer"],
                    json={"material": "al6061", "quantities": [1, 10], "ship_to": [45.76, 4.84], "tier": "standard"})
    assert r.status_code == 201, r.text
    q = r.json()
    assert q["schema"] == "microfab.quote/1" and q["status"] == "valid"
    assert q["offers"] and all(len(o["lines"]) == 2 for o in q["offers"])
    assert set(q["ratecard_versions"]) == {o["workshop_id"] for o in q["offers"]}
    assert r.headers["location"] == f"/v1/quotes/{q['id']}"
    got = client.get(f"/v1/quotes/{q['id']}", headers=keys["buyer"])
    assert got.status_code == 200 and got.json() == q


def test_quote_new_request_fields_reach_the_engine(client: TestClient, keys, part) -> None:
    need_by = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    r = client.post("/v1/quotes", headers=keys["buyer"],
                    data={"part_id": part["id"], "material": "al6061", "quantities": "2,20",
                          "process": "cnc_milling", "tier": "economy", "sort_by": "lead_time", "need_by": need_by})
    assert r.status_code == 201, r.text
    req = r.json()["request"]
    assert req["tier"] == "economy" and req["process"] == "cnc_milling" and req["need_by"] == need_by
    assert_problem(client.post("/v1/quotes", headers=keys["buyer"],
                               data={"part_id": part["id"], "material": "al6061", "need_by": "soon"}),
                   422, "invalid_request")


def test_a_quote_request_is_parsed_once(client: TestClient, keys, part, plate_step: bytes, monkeypatch) -> None:
    from quoting.request import QuoteRequest

    calls: list[str] = []
    parse = QuoteRequest.parse.__func__

    def counting(cls, **fields):
        calls.append(fields["material"])
        return parse(cls, **fields)

    monkeypatch.setattr(QuoteRequest, "parse", classmethod(counting))
    sent = [
        client.post("/v1/quotes", headers=keys["buyer"], data={"part_id": part["id"], "material": "al6061"}),
        client.post("/v1/quotes", headers=keys["buyer"], files={"file": ("plate.step", plate_step)},
                    data={"material": "al6061", "quantities": "2"}),
        client.post(f"/v1/parts/{part['id']}/quotes", headers=keys["buyer"], json={"material": "al6061"}),
    ]
    assert [r.status_code for r in sent] == [201, 201, 201]
    assert calls == ["al6061"] * 3


def test_quote_by_file_upload(client: TestClient, keys, block_step: bytes) -> None:
    r = client.post("/v1/quotes", headers=keys["buyer"], files={"file": ("block.step", block_step)},
                    data={"material": "al6061", "quantities": "1,5"})
    assert r.status_code == 201, r.text
    assert r.json()["part"]["filename"] == "block.step"


def test_idempotency_key(client: TestClient, keys, part, plate_step: bytes) -> None:
    body = {"material": "al6061", "quantities": [3]}
    h = keys["buyer"] | {"Idempotency-Key": "order-42"}
    first = client.post(f"/v1/parts/{part['id']}/quotes", json=body, headers=h)
    again = client.post(f"/v1/parts/{part['id']}/quotes", json=body, headers=h)
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == first.json()["id"]
    # parts are private (issue 16): the other key holder quotes its own upload of the same file
    theirs = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["buyer2"]).json()
    other_key_holder = client.post(f"/v1/parts/{theirs['id']}/quotes", json=body,
                                   headers=keys["buyer2"] | {"Idempotency-Key": "order-42"})
    assert other_key_holder.status_code == 201 and other_key_holder.json()["id"] != first.json()["id"]
    assert_problem(client.post(f"/v1/parts/{part['id']}/quotes", json=body | {"quantities": [4]}, headers=h),
                   409, "idempotency_key_reused")


def test_quote_expires(client: TestClient, keys, part) -> None:
    r = client.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"}, headers=keys["buyer"])
    q = r.json()
    with client.app.state.service.sessions.begin() as s:
        s.execute(update(QuoteRow).where(QuoteRow.id == q["id"])
                  .values(valid_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)))
    got = client.get(f"/v1/quotes/{q['id']}", headers=keys["buyer"]).json()
    assert got["status"] == "expired" and got["offers"] == q["offers"]


def test_quotes_are_private_to_their_key(client: TestClient, keys, part) -> None:
    q = client.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"}, headers=keys["buyer"]).json()
    assert_problem(client.get(f"/v1/quotes/{q['id']}", headers=keys["buyer2"]), 404, "not_found")
    assert client.get(f"/v1/quotes/{q['id']}", headers=keys["admin"]).status_code == 200


def test_anonymous_quoting_is_off_by_default(client: TestClient, part, plate_step: bytes) -> None:
    assert_problem(client.post("/v1/parts", files={"file": ("p.step", plate_step)}), 401, "unauthorized")
    assert_problem(client.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"}), 401, "unauthorized")
    assert_problem(client.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"},
                               headers={"Authorization": "Bearer mfk_nope_nope"}), 401, "unauthorized")


@pytest.mark.parametrize(
    ("files", "data", "status", "code"),
    [
        ({"file": ("e.stl", b"")}, {"material": "al6061"}, 422, "empty_file"),
        ({"file": ("x.step", b"\x00garbage" * 20)}, {"material": "al6061"}, 415, "unsupported_format"),
        (None, {"material": "al6061"}, 422, "invalid_request"),
        ({"file": ("p.step", None)}, {"material": "nope"}, 422, "unknown_material"),
        ({"file": ("p.step", None)}, {"material": "al6061", "quantities": "x"}, 422, "invalid_request"),
        ({"file": ("p.step", None)}, {"material": "al6061", "quantities": "0"}, 422, "invalid_request"),
        ({"file": ("p.step", None)}, {"material": "al6061", "process": "welding"}, 422, "unknown_process"),
        ({"file": ("p.step", None)}, {"material": "al6061", "units": "furlong"}, 422, "invalid_units"),
        ({"file": ("p.step", None)}, {"material": "al6061", "ship_to": "north"}, 422, "invalid_request"),
        ({"file": ("bad.step", b"ISO-10303-21;\nHEADER;\nENDSEC;\nDATA;\n#1=FOO(;\nEND-ISO-10303-21;\n")},
         {"material": "al6061"}, 422, None),
    ],
)
def test_errors_are_problem_json(client: TestClient, keys, plate_step: bytes, files, data, status, code) -> None:
    if files and files["file"][1] is None:
        files = {"file": (files["file"][0], plate_step)}
    r = client.post("/v1/quotes", files=files, data=data, headers=keys["buyer"])
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    if code:
        assert r.json()["code"] == code


def test_json_quote_validation(client: TestClient, keys, part) -> None:
    assert_problem(client.post(f"/v1/parts/{part['id']}/quotes", json={"quantities": [1]}, headers=keys["buyer"]),
                   422, "invalid_request")
    assert_problem(client.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061", "quantities": []},
                               headers=keys["buyer"]), 422, "invalid_request")
    assert_problem(client.post(f"/v1/parts/{part['id']}/quotes", content=b"{not json",
                               headers=keys["buyer"] | {"content-type": "application/json"}), 422, "invalid_request")


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_problem(client.get("/v1/nothing"), 404, "not_found")
    assert_problem(client.delete("/v1/materials"), 405, "method_not_allowed")


def test_threads_and_thickness_fields(client: TestClient, keys, part) -> None:
    r = client.post(f"/v1/parts/{part['id']}/quotes", headers=keys["buyer"],
                    json={"material": "al6061", "threads": {"M6": 4}})
    assert r.status_code == 201, r.text
    assert r.json()["request"]["threads"] == {"M6": 4}
    form = client.post("/v1/quotes", headers=keys["buyer"],
                       data={"part_id": part["id"], "material": "al6061", "threads": "M6:2,M8:1"})
    assert form.status_code == 201 and form.json()["request"]["threads"] == {"M6": 2, "M8": 1}
    assert_problem(client.post("/v1/quotes", headers=keys["buyer"],
                               data={"part_id": part["id"], "material": "al6061", "threads": "M6"}),
                   422, "invalid_request")
    assert_problem(client.post("/v1/quotes", headers=keys["buyer"],
                               data={"part_id": part["id"], "material": "al6061", "thickness_mm": "thin"}),
                   422, "invalid_request")
