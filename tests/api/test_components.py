"""A multi-solid file through the API is quoted as a kit, exactly as ``quote_file`` quotes it."""

from __future__ import annotations

from typing import Any

import cadquery as cq
import pytest
from fastapi.testclient import TestClient

from quoting.engine import quote_file
from quoting.request import QuoteRequest
from tests.parts import step_bytes


@pytest.fixture(scope="module")
def kit_step() -> bytes:
    box = cq.Workplane().box(40, 30, 10).val()
    pin = cq.Workplane().cylinder(20, 8).val().translate(cq.Vector(0, 100, 0))
    return step_bytes(cq.Compound.makeCompound([box, box.translate(cq.Vector(100, 0, 0)), pin]))


def _components(doc: dict[str, Any]) -> list[tuple[int, int, list[tuple[str, str, list[float]]]]]:
    return [(c["index"], c["count"],
             sorted((o["workshop_id"], o["process"], [line["total_eur"] for line in o["lines"]]) for o in c["offers"]))
            for c in doc["components"]]


def _kit(doc: dict[str, Any]) -> list[tuple[str, str, list[int], list[float]]]:
    return [(o["workshop_id"], o["process"], [line["quantity"] for line in o["lines"]],
             [line["total_eur"] for line in o["lines"]]) for o in doc["offers"]]


def test_multi_solid_upload_quotes_a_kit_like_quote_file(client: TestClient, keys, kit_step: bytes) -> None:
    r = client.post("/v1/parts", files={"file": ("kit.step", kit_step)}, headers=keys["buyer"])
    assert r.status_code in (200, 201), r.text
    part_id = r.json()["id"]
    assert r.json()["features"]["solids"] == 3
    r = client.post(f"/v1/parts/{part_id}/quotes", json={"material": "al6061", "quantities": [1, 5]},
                    headers=keys["buyer"])
    assert r.status_code == 201, r.text
    api = r.json()
    _, local = quote_file(kit_step, QuoteRequest.parse(material="al6061", quantities=(1, 5)), "kit.step")
    expected = local.to_dict()
    assert sorted(c["count"] for c in api["components"]) == [1, 2]
    assert _components(api) == _components(expected)
    assert _kit(api) == _kit(expected) and api["offers"]
    assert api["part"]["volume_mm3"] == expected["part"]["volume_mm3"]
    # a stored quote reads back the same
    again = client.get(f"/v1/quotes/{api['id']}", headers=keys["buyer"]).json()
    assert _kit(again) == _kit(api)


def test_single_solid_part_has_no_components(client: TestClient, keys, plate_step: bytes) -> None:
    r = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["buyer"])
    r = client.post(f"/v1/parts/{r.json()['id']}/quotes", json={"material": "al6061", "quantities": [1]},
                    headers=keys["buyer"])
    assert r.status_code == 201, r.text
    assert not r.json().get("components")


def test_multi_solid_part_stored_without_components_is_measured_again(client: TestClient, keys,
                                                                       kit_step: bytes) -> None:
    """A part stored before parts had components: uploading it again stores them."""
    from sqlalchemy import update

    from api.db import PartRow, TenantPartRow

    r = client.post("/v1/parts", files={"file": ("kit.step", kit_step)}, headers=keys["buyer"])
    part_id = r.json()["id"]
    svc = client.app.state.service
    with svc.sessions() as session:  # the measurement the owner's part shares (issue 16)
        mid = session.get(TenantPartRow, part_id).measurement_id
    with svc.sessions.begin() as session:
        session.execute(update(PartRow).where(PartRow.sha256 == mid).values(components=None))
    svc.parts.forget(mid)
    r = client.post("/v1/parts", files={"file": ("kit.step", kit_step)}, headers=keys["buyer"])
    assert r.status_code == 200, r.text
    assert len(svc.parts.get(mid).components) == 2
    q = client.post(f"/v1/parts/{part_id}/quotes", json={"material": "al6061", "quantities": [1]},
                    headers=keys["buyer"]).json()
    assert sorted(c["count"] for c in q["components"]) == [1, 2]
