"""A part measured by older geometry code is measured again from its stored file before it is priced."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api.db import PartRow, TenantPartRow
from api.storage import PartStore, part_id_for
from geometry import geometry_version
from tests.api.conftest import assert_problem


def _upload(client: TestClient, keys: dict[str, dict[str, str]], step: bytes) -> str:
    r = client.post("/v1/parts", files={"file": ("plate.step", step)}, headers=keys["buyer"])
    assert r.status_code in (200, 201), r.text
    return str(r.json()["id"])


def _mid(client: TestClient, part_id: str) -> str:
    """The id of the measurement an owner's part shares (issue 16: parts are private, measurements shared)."""
    with client.app.state.service.sessions() as session:
        return str(session.get(TenantPartRow, part_id).measurement_id)


def _make_stale(client: TestClient, owned_id: str) -> None:
    """As if an older geometry version had measured the part: in the database, and not in the cache."""
    svc = client.app.state.service
    part_id = _mid(client, owned_id)
    row = svc.parts.get(part_id)
    features = dict(row.features, geometry_version="old")
    components = [dict(c, features=dict(c["features"], geometry_version="old")) for c in row.components or ()]
    with svc.sessions.begin() as session:
        session.execute(update(PartRow).where(PartRow.sha256 == part_id)
                        .values(features=features, components=components))
    svc.parts.forget(part_id)
    assert not svc.parts.measured(part_id).is_current


def _stored_version(client: TestClient, part_id: str) -> str:
    return str(client.app.state.service.parts.get(_mid(client, part_id)).features["geometry_version"])


def _quote(client: TestClient, keys: dict[str, dict[str, str]], how: str, part_id: str, step: bytes) -> Any:
    if how == "part_quotes":
        return client.post(f"/v1/parts/{part_id}/quotes", json={"material": "al6061", "quantities": [1, 10]},
                           headers=keys["buyer"])
    if how == "quotes_part_id":
        return client.post("/v1/quotes", data={"part_id": part_id, "material": "al6061", "quantities": "1,10"},
                           headers=keys["buyer"])
    return client.post("/v1/quotes", files={"file": ("plate.step", step)},
                       data={"material": "al6061", "quantities": "1,10"}, headers=keys["buyer"])


@pytest.mark.parametrize("how", ["part_quotes", "quotes_part_id", "quotes_file"])
def test_stale_part_is_measured_again_before_its_quote(client: TestClient, keys, plate_step: bytes,
                                                       how: str) -> None:
    part_id = _upload(client, keys, plate_step)
    fresh = client.get(f"/v1/parts/{part_id}", headers=keys["buyer"]).json()["features"]
    assert fresh["geometry_version"] == geometry_version()
    _make_stale(client, part_id)
    r = _quote(client, keys, how, part_id, plate_step)
    assert r.status_code == 201, r.text
    assert r.json()["offers"] and r.json()["part"]["sha256"] == hashlib.sha256(plate_step).hexdigest()
    assert _stored_version(client, part_id) == geometry_version()
    assert client.app.state.service.parts.measured(_mid(client, part_id)).is_current
    stored = client.get(f"/v1/parts/{part_id}", headers=keys["buyer"]).json()["features"]
    assert stored == fresh


def test_stale_part_gets_a_new_preview_mesh(client: TestClient, keys, plate_step: bytes) -> None:
    """The preview is made again with the measurement, so its face ids are those the new findings name."""
    svc = client.app.state.service
    part_id = _upload(client, keys, plate_step)
    _make_stale(client, part_id)
    svc.write_blob(_mid(client, part_id), b"an older preview", ".glb")
    assert _quote(client, keys, "part_quotes", part_id, plate_step).status_code == 201
    mesh = client.get(f"/v1/parts/{part_id}/mesh", headers=keys["buyer"]).content
    assert mesh[:4] == b"glTF" and b'"face_ids":"brep"' in mesh


def test_stale_part_is_measured_again_on_upload(client: TestClient, keys, plate_step: bytes) -> None:
    part_id = _upload(client, keys, plate_step)
    _make_stale(client, part_id)
    r = client.post("/v1/parts", files={"file": ("plate.step", plate_step)}, headers=keys["buyer"])
    assert r.status_code == 200, r.text
    assert r.json()["features"]["geometry_version"] == geometry_version()
    assert _stored_version(client, part_id) == geometry_version()


def test_stale_part_without_its_file_asks_for_an_upload(client: TestClient, keys, plate_step: bytes) -> None:
    svc = client.app.state.service
    part_id = _upload(client, keys, plate_step)
    _make_stale(client, part_id)
    svc.blob_path(_mid(client, part_id)).unlink()
    body = assert_problem(_quote(client, keys, "part_quotes", part_id, plate_step), 404, "not_found")
    assert "upload the file again" in body["detail"]
    assert_problem(_quote(client, keys, "quotes_part_id", part_id, plate_step), 404, "not_found")
    assert _stored_version(client, part_id) == "old"
    # uploading it again stores the file and measures it again
    assert _quote(client, keys, "quotes_file", part_id, plate_step).status_code == 201
    assert svc.blob_path(_mid(client, part_id)).exists() and _stored_version(client, part_id) == geometry_version()
    assert _quote(client, keys, "part_quotes", part_id, plate_step).status_code == 201
    assert 'microfab_parts_remeasured_total{outcome="file_missing"}' in client.get("/metrics").text


def _row(sha: str, part_id: str, fmt: str = "step", units: str = "mm", thickness: float | None = None) -> PartRow:
    features: dict[str, Any] = {"source": {"sha256": sha}}
    if thickness is not None:
        features["sheet_metal"] = {"thickness_mm": thickness}
    return PartRow(sha256=part_id, filename="p", format=fmt, units=units, size_bytes=1, features=features)


def test_measure_args_give_back_the_part_id() -> None:
    sha = "a" * 64
    assert PartStore.measure_args(_row(sha, sha)).units is None
    args = PartStore.measure_args(_row(sha, part_id_for(sha, "in"), units="in"))
    assert (args.sha256, args.units, args.thickness_mm) == (sha, "in", None)
    args = PartStore.measure_args(_row(sha, part_id_for(sha, None, 2.0), fmt="dxf", thickness=2.0))
    assert (args.units, args.thickness_mm) == (None, 2.0)
    args = PartStore.measure_args(_row(sha, part_id_for(sha, "mm", 1.5), fmt="dxf", thickness=1.5))
    assert (args.units, args.thickness_mm) == ("mm", 1.5)
