"""Start-up's objects are left out of later garbage collections (``api.app._freeze_startup_objects``): a
full collection during a burst of re-quotes looks only at what was made since, and no longer pauses the
event loop for 0.2-0.5 s."""

from __future__ import annotations

import gc
from typing import Any

from fastapi.testclient import TestClient


def test_startup_objects_are_frozen(client: TestClient) -> None:
    assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() > 100_000  # modules, the geometry and pricing stacks, the app


def test_a_stopped_app_unfreezes(app_settings: Any) -> None:
    from api.app import create_app

    with TestClient(create_app(app_settings)) as c:
        assert c.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 100_000
    assert gc.get_freeze_count() == 0  # what it made can be collected again
