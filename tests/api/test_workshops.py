"""Catalog, workshops, rate cards (owner-only, validated, versioned) and calibrations."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

from api.routes.workshops import calibration_available
from tests import parts as cadparts
from tests.api.conftest import assert_problem


def test_catalog(client: TestClient) -> None:
    mats = client.get("/v1/materials").json()
    assert any(m["key"] == "al6061" for m in mats)
    procs = {p["key"]: p["estimated"] for p in client.get("/v1/processes").json()}
    assert procs["cnc_milling"] is True
    shops = client.get("/v1/workshops").json()
    lyon = next(w for w in shops if w["id"] == "lyon-usinage")
    assert lyon["ratecard_version"] >= 1 and "cnc_milling" in lyon["processes"]
    assert "rate_eur_h" not in str(lyon)  # the public view has no rates
    assert client.get("/v1/workshops/lyon-usinage").json()["id"] == "lyon-usinage"
    assert_problem(client.get("/v1/workshops/nowhere"), 404, "not_found")


def test_rate_card_access(client: TestClient, keys) -> None:
    path = "/v1/workshops/lyon-usinage/rate-card"
    assert client.get(path, headers=keys["lyon"]).status_code == 200
    assert client.get(path, headers=keys["admin"]).status_code == 200
    assert_problem(client.get(path), 401, "unauthorized")
    assert_problem(client.get(path, headers=keys["lille"]), 403, "forbidden")
    assert_problem(client.get(path, headers=keys["buyer"]), 403, "forbidden")
    card = client.get(path, headers=keys["lyon"]).json()["ratecard"]
    assert_problem(client.put(path, json=card, headers=keys["lille"]), 403, "forbidden")
    assert_problem(client.put(path, json=card, headers=keys["buyer"]), 403, "forbidden")


def test_rate_card_put_validates(client: TestClient, keys) -> None:
    path = "/v1/workshops/lyon-usinage/rate-card"
    card = client.get(path, headers=keys["lyon"]).json()["ratecard"]
    bad = copy.deepcopy(card)
    bad["commercial"]["margin_fraction"] = -1
    body = assert_problem(client.put(path, json=bad, headers=keys["lyon"]), 422, "invalid_rate_card")
    assert "margin_fraction" in body["detail"]
    other = copy.deepcopy(card) | {"id": "lille-microfab"}
    assert_problem(client.put(path, json=other, headers=keys["lyon"]), 422, "invalid_request")
    assert_problem(client.put(path, json=[1, 2], headers=keys["lyon"]), 422, "invalid_request")


def test_quote_keeps_the_rate_card_version_it_was_priced_with(client: TestClient, keys, plate_step: bytes) -> None:
    path = "/v1/workshops/lyon-usinage/rate-card"
    before = client.get(path, headers=keys["lyon"]).json()
    part = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["buyer"]).json()
    q1 = client.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"}, headers=keys["buyer"]).json()
    lyon1 = next(o for o in q1["offers"] if o["workshop_id"] == "lyon-usinage")
    assert q1["ratecard_versions"]["lyon-usinage"] == before["version"]

    card = copy.deepcopy(before["ratecard"])
    card["commercial"]["margin_fraction"] = card["commercial"]["margin_fraction"] + 1.0
    r = client.put(path, json=card, headers=keys["lyon"])
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["version"] == before["version"] + 1 and after["sha256"] != before["sha256"]
    same = client.put(path, json=card, headers=keys["lyon"]).json()  # an identical card is no new version
    assert same["version"] == after["version"]

    q2 = client.post(f"/v1/parts/{part['id']}/quotes", json={"material": "al6061"}, headers=keys["buyer"]).json()
    lyon2 = next(o for o in q2["offers"] if o["workshop_id"] == "lyon-usinage")
    assert q2["ratecard_versions"]["lyon-usinage"] == after["version"]
    assert lyon2["lines"][0]["total_eur"] > lyon1["lines"][0]["total_eur"]
    old = client.get(f"/v1/quotes/{q1['id']}", headers=keys["buyer"]).json()
    assert old["ratecard_versions"]["lyon-usinage"] == before["version"] and old["offers"] == q1["offers"]
    v1 = client.get(f"{path}/versions/{before['version']}", headers=keys["lyon"]).json()
    assert v1["sha256"] == before["sha256"]
    assert client.get("/v1/workshops/lyon-usinage").json()["ratecard_version"] == after["version"]


def test_admin_creates_workshop(client: TestClient, keys) -> None:
    card = client.get("/v1/workshops/lyon-usinage/rate-card", headers=keys["admin"]).json()["ratecard"]
    new = copy.deepcopy(card) | {"id": "grenoble-test", "name": "Grenoble Test", "demo": False}
    assert_problem(client.post("/v1/workshops", json={"ratecard": new}, headers=keys["lyon"]), 403, "forbidden")
    r = client.post("/v1/workshops", json={"ratecard": new}, headers=keys["admin"])
    assert r.status_code == 201 and r.json()["version"] == 1
    assert_problem(client.post("/v1/workshops", json={"ratecard": new}, headers=keys["admin"]), 409, "conflict")
    assert any(w["id"] == "grenoble-test" for w in client.get("/v1/workshops").json())


def test_calibration_access_and_availability(client: TestClient, keys) -> None:
    path = "/v1/workshops/lyon-usinage/calibrations"
    files = {"history": ("history.csv", b"file,process,material,quantity,price_eur\n")}
    assert_problem(client.post(path, files=files, headers=keys["lille"]), 403, "forbidden")
    assert_problem(client.post(path, files=files), 401, "unauthorized")
    r = client.post(path, files=files, headers=keys["lyon"])
    if not calibration_available():
        assert_problem(r, 501, "not_implemented")
    else:
        assert r.status_code in (202, 422), r.text


@pytest.mark.parametrize("role", ["buyer", "admin"])
def test_owner_only_roles(client: TestClient, keys, role: str) -> None:
    r = client.get("/v1/workshops/lille-microfab/rate-card", headers=keys[role])
    assert r.status_code == (200 if role == "admin" else 403)


@pytest.mark.slow
@pytest.mark.skipif(not calibration_available(), reason="quoting.calibration is not there yet")
def test_calibration_job_gives_a_report(client: TestClient, keys) -> None:
    from tests.api.conftest import wait_job

    csv_bytes, zip_bytes = cadparts.history_zip(broken_file=True, unknown_material=True)
    r = client.post("/v1/workshops/rennes-mecabreizh/calibrations", headers=keys["admin"],
                    files={"history": ("history.csv", csv_bytes), "files": ("cad.zip", zip_bytes)})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.headers["location"], keys["admin"])
    assert job["status"] == "succeeded", job
    report = job["result"]
    assert report["workshop_id"] == "rennes-mecabreizh" and report["used"] == 15
    assert {p["line"] for p in report["problems"]} == {17, 18}
    assert "cross_validation" in report and report["implied_card_text"]
    assert any("broken.step" in n for n in report["notes"])
    # the stored model is used by the next quotes of that workshop
    assert "rennes-mecabreizh" in client.app.state.service.cost_models


def test_calibration_rejects_unsafe_zip(client: TestClient, keys) -> None:
    import io
    import zipfile

    if not calibration_available():
        pytest.skip("quoting.calibration is not there yet")
    from tests.api.conftest import wait_job

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("../evil.step", b"x")
    r = client.post("/v1/workshops/lyon-usinage/calibrations", headers=keys["lyon"],
                    files={"history": ("h.csv", b"file,process,material,quantity,price_eur\n"),
                           "files": ("cad.zip", buf.getvalue())})
    assert r.status_code == 202
    job = wait_job(client, r.headers["location"], keys["lyon"])
    assert job["status"] == "failed" and job["error"]["code"] == "invalid_request"
    assert_problem(client.get(r.headers["location"], headers=keys["lille"]), 404, "not_found")
