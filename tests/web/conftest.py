"""Browser tests of the web pages: a real server and Debian's chromium driven by Playwright.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``apt-get install chromium``,
as .ci/run does). Without it, or without the ``playwright`` package, the tests skip with the reason.
Screenshots of each step go to the pytest tmp dir (``screens`` fixture; the path is printed).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.servers import running_server

CHROMIUM = os.environ.get("MICROFAB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no chromium at {CHROMIUM}: apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    return None


MISSING = _missing()


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    tmp: Path

    def key(self, role: str, workshop: str | None = None) -> str:
        """A new API key made straight in the server's database."""
        from sqlalchemy.orm import sessionmaker

        from api.auth import create_key
        from api.db import make_engine

        engine = make_engine(self.database_url)
        try:
            return create_key(sessionmaker(engine), role, workshop).key
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    if MISSING:
        pytest.skip(MISSING)
    tmp = tmp_path_factory.mktemp("web-server")
    env = {
        "MICROFAB_DATABASE_URL": f"sqlite:///{tmp}/web.db", "MICROFAB_BLOB_DIR": str(tmp / "blobs"),
        "MICROFAB_MODEL_DIR": str(tmp / "models"), "MICROFAB_ALLOW_ANONYMOUS": "true",
        "MICROFAB_PARSE_WORKERS": "1", "MICROFAB_PARSE_TIMEOUT_S": "120", "MICROFAB_ENVIRONMENT": "test",
    }
    with running_server(tmp, env) as url:
        yield Server(url, env["MICROFAB_DATABASE_URL"], tmp)


@pytest.fixture(scope="session")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    p = context.new_page()
    p.set_default_timeout(60_000)
    errors: list[str] = []
    p.on("pageerror", lambda err: errors.append(str(err)))
    try:
        yield p
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture(scope="session")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("screenshots")
    print(f"\nweb screenshots: {path}")
    return path


def shot(page: Any, screens: Path, name: str, docs_from: str | None = None) -> Path:
    """A full-page screenshot; with ``docs_from`` (a selector) and MICROFAB_DOCS_SCREENSHOTS set, also a
    1280 x 1400 view from that element down into ``docs/web-NAME.png`` for the README."""
    out = screens / f"{name}.png"
    page.screenshot(path=str(out), full_page=True)
    if docs_from and os.environ.get("MICROFAB_DOCS_SCREENSHOTS"):
        top = max(0, page.locator(docs_from).first.bounding_box()["y"] + page.evaluate("window.scrollY") - 16)
        page.screenshot(path=str(Path(__file__).resolve().parents[2] / "docs" / f"web-{name}.png"), full_page=True,
                        clip={"x": 0, "y": top, "width": 1280, "height": 1400})
    return out


@pytest.fixture(scope="session")
def cad(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A STEP, an STL and a calibration history (CSV + ZIP) written to disk for the file pickers."""
    from tests import parts as cadparts

    d = tmp_path_factory.mktemp("cad")
    files = {"step": d / "block.step", "stl": d / "plate.stl"}
    files["step"].write_bytes(cadparts.step_bytes(cadparts.pocketed_block()))
    files["stl"].write_bytes(cadparts.stl_bytes(cadparts.plate_with_holes()))
    csv_bytes, zip_bytes = cadparts.history_zip(unknown_material=True)
    files["csv"], files["zip"] = d / "history.csv", d / "cad.zip"
    files["csv"].write_bytes(csv_bytes)
    files["zip"].write_bytes(zip_bytes)
    return files


