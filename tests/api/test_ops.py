"""Health, readiness, metrics, OpenAPI, migrations and the `microfab keys` command."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from api.cli import main


def test_health_ready_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"] == {"database": "ok", "parse_workers": "ok"}
    m = client.get("/metrics")
    assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "microfab_parse_workers " in m.text and "microfab_parse_crashes_total 0" in m.text


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/v1/parts", "/v1/parts/{part_id}", "/v1/parts/{part_id}/mesh", "/v1/quotes",
                 "/v1/quotes/{quote_id}", "/v1/materials", "/v1/processes", "/v1/workshops",
                 "/v1/workshops/{workshop_id}/rate-card", "/v1/workshops/{workshop_id}/calibrations",
                 "/v1/jobs/{job_id}", "/v1/webhooks", "/v1/batches", "/healthz", "/readyz", "/metrics"):
        assert path in paths, path
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_migrations_match_the_models(client: TestClient) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from api.db import Base, ours

    engine = client.app.state.service.sessions.kw["bind"]
    with engine.connect() as conn:  # procrastinate's own tables (PostgreSQL) are not ours to compare
        assert compare_metadata(MigrationContext.configure(conn, opts={"include_name": ours}), Base.metadata) == []


def test_keys_command(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path}/k.db"
    assert main(["keys", "create", "--role", "owner", "--workshop", "lyon-usinage", "--database-url", url]) == 0
    out = capsys.readouterr()
    key = out.out.strip()
    assert key.startswith("mfk_") and "not shown again" in out.err
    assert main(["keys", "create", "--role", "owner", "--database-url", url]) == 2
    assert main(["keys", "create", "--role", "buyer", "--workshop", "x", "--database-url", url]) == 2
    capsys.readouterr()
    assert main(["keys", "list", "--database-url", url]) == 0
    listing = capsys.readouterr().out
    assert "lyon-usinage" in listing and key not in listing
    key_id = key.split("_")[1]
    assert main(["keys", "revoke", key_id, "--database-url", url]) == 0

    from api.auth import authenticate
    from api.db import init_db, make_engine
    from api.errors import UnauthorizedError

    sessions = init_db(make_engine(url), seed_demo=False)
    try:
        authenticate(sessions, key)
    except UnauthorizedError:
        pass
    else:
        raise AssertionError("a revoked key still authenticates")


def test_api_never_imports_the_cad_kernels() -> None:
    """api/ maps HTTP to quoting; only geometry/ touches cadquery, OCP and trimesh."""
    import ast

    root = Path(__file__).resolve().parents[2] / "api"
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"cadquery", "OCP", "trimesh"}, f"{path}: imports {name}"
