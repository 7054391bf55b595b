"""POST /v1/batches: a zip of CAD files quoted on Dask as a job; results as Parquet and CSV; errors as rows."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_problem, wait_job


@pytest.fixture(autouse=True)
def _threads_cluster(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROFAB_BATCH_PROCESSES", "0")  # a one-thread local cluster: fast to start in tests
    monkeypatch.delenv("MICROFAB_DASK_SCHEDULER", raising=False)


def _zip(data_dir: Path) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("parts/unit_cube.STL", (data_dir / "unit_cube.STL").read_bytes())
        z.writestr("parts/angle_block.STL", (data_dir / "angle_block.STL").read_bytes())
        z.writestr("broken.step", b"ISO-10303-21;\nnot really\n")
        z.writestr("readme.txt", b"ignored")
    return buf.getvalue()


def test_batch_job_results_and_errors(client: TestClient, keys, data_dir: Path) -> None:
    r = client.post("/v1/batches", headers=keys["buyer"], data={"material": "al6061", "quantities": "1,10"},
                    files={"files": ("bom.zip", _zip(data_dir), "application/zip")})
    assert r.status_code == 202, r.text
    job = wait_job(client, r.headers["Location"], keys["buyer"])
    assert job["status"] == "succeeded", job
    result = job["result"]
    assert result["files"] == 3 and result["offers"] > 0
    assert [f["file"] for f in result["failed"]] == ["broken.step"] and result["failed"][0]["code"]
    import pyarrow as pa
    import pyarrow.parquet as pq

    got = client.get(result["results"]["parquet"], headers=keys["buyer"])
    assert got.status_code == 200
    table = pq.read_table(pa.BufferReader(got.content))
    assert table.num_rows == result["rows"]
    assert set(table.column("file").to_pylist()) == {"parts/unit_cube.STL", "parts/angle_block.STL", "broken.step"}
    csv = client.get(result["results"]["csv"], headers=keys["buyer"])
    assert csv.status_code == 200 and csv.text.startswith('"file","status"')
    # another tenant does not see it
    assert_problem(client.get(result["results"]["csv"], headers=keys["buyer2"]), 404, "not_found")


def test_batch_needs_a_material_and_cad_files(client: TestClient, keys) -> None:
    r = client.post("/v1/batches", headers=keys["buyer"], data={"material": "unobtainium"},
                    files={"files": ("bom.zip", b"PK\x05\x06" + b"\0" * 18, "application/zip")})
    assert_problem(r, 422, "unknown_material")
    r = client.post("/v1/batches", headers=keys["buyer"], data={"material": "al6061"},
                    files={"files": ("bom.zip", b"PK\x05\x06" + b"\0" * 18, "application/zip")})
    job = wait_job(client, r.headers["Location"], keys["buyer"])
    assert job["status"] == "failed" and job["error"]["code"] == "invalid_batch"
