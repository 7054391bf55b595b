"""A real uvicorn server on a free loopback port: uploads over HTTP, and schemathesis against its OpenAPI schema.

Slow: the server starts its parse workers. schemathesis runs a bounded number of generated requests per
operation and checks that none gets a server error (5xx).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.servers import running_server

pytestmark = pytest.mark.slow
_DB: dict[str, str] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("server")
    env = {
        "MICROFAB_DATABASE_URL": f"sqlite:///{tmp}/server.db", "MICROFAB_BLOB_DIR": str(tmp / "blobs"),
        "MICROFAB_MODEL_DIR": str(tmp / "models"), "MICROFAB_ALLOW_ANONYMOUS": "true",
        "MICROFAB_PARSE_WORKERS": "1", "MICROFAB_PARSE_TIMEOUT_S": "60", "MICROFAB_ENVIRONMENT": "test",
        # schemathesis registers webhooks at generated host names: no DNS look-ups of them from a test
        "MICROFAB_WEBHOOK_ALLOW_PRIVATE": "true",
    }
    with running_server(tmp, env) as url:
        _DB[url] = env["MICROFAB_DATABASE_URL"]
        yield url


@pytest.fixture(scope="module")
def admin_headers(server: str) -> dict[str, str]:
    from api.auth import create_key
    from api.db import init_db, make_engine

    engine = make_engine(_DB[server])
    try:
        new = create_key(init_db(engine, seed_demo=False), "admin")
    finally:
        engine.dispose()
    return {"Authorization": f"Bearer {new.key}"}


def test_upload_over_http(server: str, plate_step: bytes) -> None:
    with httpx.Client(base_url=server, timeout=120) as http:
        r = http.post("/v1/quotes", files={"file": ("plate.step", plate_step)},
                      data={"material": "al6061", "quantities": "1,10,100"})
        assert r.status_code == 201, r.text
        q = r.json()
        assert q["offers"] and all(len(o["lines"]) == 3 for o in q["offers"])
        part = http.post("/v1/parts", files={"file": ("again.step", plate_step)})
        assert part.status_code == 200 and part.json()["id"] == q["part_id"]
        mesh = http.get(f"/v1/parts/{part.json()['id']}/mesh")
        assert mesh.status_code == 200 and mesh.content[:4] == b"glTF"
        again = http.post(f"/v1/parts/{part.json()['id']}/quotes", json={"material": "al6061", "quantities": [5]})
        assert again.status_code == 201
        assert http.get(f"/v1/quotes/{q['id']}").json()["id"] == q["id"]
        bad = http.post("/v1/parts", files={"file": ("x.step", b"\x00" * 1000)})
        assert bad.status_code == 415 and bad.headers["content-type"].startswith("application/problem+json")
        assert "microfab_quotes_total 2" in http.get("/metrics").text


#: the schema says the shape of a request; its content (a CAD file, a rate card, a material key, a cursor, a
#: webhook URL's host) is judged by the server, which answers a 413, 415 or 422 problem for a well-shaped but
#: unusable one: schemathesis' positive_data_acceptance check expects them beside 2xx and the access answers.
#: Requests are generated valid (positive mode), in the stateful phase too: unknown query parameters are ignored,
#: as HTTP servers do, which schemathesis' negative mode would count as accepting invalid data.
CONFIG = """
[generation]
mode = "positive"

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "413", "415", "422"]
"""


def _schema(server: str):  # noqa: ANN202
    from schemathesis.config import SchemathesisConfig

    return schemathesis.openapi.from_url(f"{server}/openapi.json", config=SchemathesisConfig.from_str(CONFIG))


def _all_checks() -> list:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    checks = CHECKS.get_all()
    assert len(checks) >= 10, [c.__name__ for c in checks]
    return checks


def test_no_server_errors(server: str, admin_headers: dict[str, str]) -> None:
    """schemathesis: generated requests for every operation of the OpenAPI schema, every check on (no 5xx,
    status codes, content types, headers, bodies in their schema, auth, methods...)."""
    schema = _schema(server)
    checks = _all_checks()
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:  # noqa: ANN001
            case.call_and_validate(base_url=server, headers=admin_headers, checks=checks, timeout=60)

        try:
            check()
        except (Exception, BaseExceptionGroup) as err:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(err)[:2000]}")
    assert operations >= 15
    assert not failures, "\n\n".join(failures)


def test_stateful_links(server: str, admin_headers: dict[str, str]) -> None:
    """schemathesis' stateful phase: sequences of calls that follow the links (Location headers) between them."""
    schema = _schema(server)
    checks = _all_checks()
    machine = schema.as_state_machine()
    calls: list[str] = []

    class Calls(machine):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case):  # noqa: ANN001, ANN202
            calls.append(f"{case.method} {case.path}")
            return {"base_url": server, "headers": admin_headers, "timeout": 60}

        def validate_response(self, response, case, additional_checks=(), **kwargs):  # noqa: ANN001, ANN003, ANN202
            case.validate_response(response, checks=checks)

    Calls.run(settings=settings(max_examples=15, stateful_step_count=6, deadline=None, derandomize=True,
                                database=None, suppress_health_check=list(HealthCheck)))
    followed = {c for c in calls if "{" in c.split()[1]}
    assert len(calls) >= 15 and followed, calls  # calls on ids that earlier answers gave
