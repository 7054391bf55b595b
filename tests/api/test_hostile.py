"""Hostile input: a file that hangs the parser, one that crashes it, one that eats memory, oversized uploads.

The parser hooks (files starting with MICROFAB-TEST-HANG / -CRASH / -MEMORY) exist only when the
test-only setting ``parser_test_hooks`` is on; the worker process then sleeps, segfaults or allocates.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import assert_problem, settings_for


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    tmp = tmp_path_factory.mktemp("hostile")
    settings = settings_for(f"sqlite:///{tmp}/h.db", tmp, allow_anonymous=True, parser_test_hooks=True,
                            parse_timeout_s=3, max_upload_bytes=200_000, parse_workers_prestart=True)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.parametrize(
    ("payload", "code"),
    [pytest.param(b"MICROFAB-TEST-HANG", "parse_timeout", marks=pytest.mark.slow),
     (b"MICROFAB-TEST-CRASH", "parser_crashed"),
     (b"MICROFAB-TEST-MEMORY", "parse_memory_limit")],
)
def test_bad_parse_is_422_and_the_server_keeps_serving(hostile: TestClient, plate_step: bytes, payload: bytes,
                                                       code: str) -> None:
    r = hostile.post("/v1/parts", files={"file": ("evil.step", payload + b"\n" * 10)})
    body = assert_problem(r, 422, code)
    assert "evil.step" in body["detail"]
    ok = hostile.post("/v1/quotes", files={"file": ("plate.step", plate_step)}, data={"material": "al6061"})
    assert ok.status_code in (200, 201), ok.text
    assert hostile.get("/readyz").json()["checks"]["parse_workers"] == "ok"


def test_upload_limit_while_streaming(hostile: TestClient) -> None:
    big = b"solid x\n" + b"facet normal 0 0 0\n" * 20_000
    assert_problem(hostile.post("/v1/parts", files={"file": ("big.stl", big)}), 413, "file_too_large")
    # a body without Content-Length is cut off while it streams
    def chunks() -> Iterator[bytes]:
        yield b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.stl\"\r\n\r\n"
        for _ in range(400):
            yield b"x" * 4096
        yield b"\r\n--b--\r\n"

    r = hostile.post("/v1/parts", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert_problem(r, 413, "file_too_large")


def test_metrics_count_parse_failures(hostile: TestClient) -> None:
    text = hostile.get("/metrics").text
    assert "# TYPE microfab_http_requests_total counter" in text
    assert 'microfab_http_requests_total{method="POST",route="/v1/parts"' in text
    assert "microfab_http_request_duration_seconds_bucket" in text


def test_format_comes_from_content_not_name(hostile: TestClient, plate_step: bytes) -> None:
    r = hostile.post("/v1/parts", files={"file": ("looks-like.stl", plate_step)})
    assert r.status_code in (200, 201) and r.json()["format"] == "step"
    assert_problem(hostile.post("/v1/parts", files={"file": ("fake.step", b"MZ\x90\x00" * 100)}), 415,
                   "unsupported_format")


def test_oversized_content_length_is_refused_before_reading(hostile: TestClient) -> None:
    body = b"x" * 1_500_000  # over max_upload_bytes + the multipart slack
    r = hostile.post("/v1/parts", content=body, headers={"content-type": "multipart/form-data; boundary=b"})
    assert_problem(r, 413, "file_too_large")
    assert hostile.get("/healthz").status_code == 200
