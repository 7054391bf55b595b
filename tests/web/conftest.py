"""Browser tests of the web pages: a real server and Debian's chromium driven by Playwright.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``apt-get install chromium``,
as .ci/run does). Without it, or without the ``playwright`` package, the tests skip with the reason.
Screenshots of each step go to the pytest tmp dir (``screens`` fixture; the path is printed).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = _free_port()
    env = os.environ | {
        "MICROFAB_DATABASE_URL": f"sqlite:///{tmp}/web.db", "MICROFAB_BLOB_DIR": str(tmp / "blobs"),
        "MICROFAB_MODEL_DIR": str(tmp / "models"), "MICROFAB_ALLOW_ANONYMOUS": "true",
        "MICROFAB_PARSE_WORKERS": "1", "MICROFAB_PARSE_TIMEOUT_S": "120", "MICROFAB_ENVIRONMENT": "test",
    }
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "api", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, tmp)
        yield Server(url, env["MICROFAB_DATABASE_URL"], tmp)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, tmp: Path) -> None:
    deadline = time.monotonic() + 300
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {(tmp / 'server.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not get ready in 300 s")
        time.sleep(0.5)


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
    csv_bytes, zip_bytes = history_zip()
    files["csv"], files["zip"] = d / "history.csv", d / "cad.zip"
    files["csv"].write_bytes(csv_bytes)
    files["zip"].write_bytes(zip_bytes)
    return files


def history_zip() -> tuple[bytes, bytes]:
    """A small synthetic job history (15 usable rows) and the zip of its CAD files."""
    import io
    import zipfile

    from tests import parts as cadparts

    parts = {
        "plate.step": cadparts.step_bytes(cadparts.plate_with_holes()),
        "block.step": cadparts.step_bytes(cadparts.pocketed_block()),
        "small.step": cadparts.step_bytes(cadparts.plate_with_holes(length=50.0, width=30.0, thickness=5.0)),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in parts.items():
            z.writestr(f"cad/{name}", data)
    rows = ["file,process,material,quantity,price_eur"]
    base = {"plate.step": 120.0, "block.step": 260.0, "small.step": 70.0}
    for i, q in enumerate((1, 2, 5, 10, 20)):
        for name, price in base.items():
            rows.append(f"cad/{name},cnc_milling,al6061,{q},{price * q ** 0.8 * (1 + 0.03 * (i % 3)):.2f}")
    rows.append("cad/plate.step,cnc_milling,unobtainium,1,50")
    return "\n".join(rows).encode(), buf.getvalue()
