"""The buyer's page in chromium: upload a STEP and an STL, see offers, change quantities, open a breakdown,
highlight a DFM finding, open the stable quote URL, read the error of a bad file; labels and keyboard."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server, shot

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect
MAX_JS_BYTES = 1_000_000


def _upload(page: Any, server: Server, path: Path) -> None:
    page.goto(f"{server.url}/")
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#offers .offer")


def _cents(text: str) -> int:
    return round(float(re.sub(r"[^\d.]", "", text)) * 100)


@pytest.fixture(scope="module")
def sharp_step(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pocket with sharp inside corners: a finding with a point to highlight."""
    from tests import parts as cadparts

    path = tmp_path_factory.mktemp("cad") / "sharp.step"
    path.write_bytes(cadparts.step_bytes(cadparts.sharp_pocket_block()))
    return path


def test_step_offers_quantities_breakdown_and_finding(page: Any, server: Server, sharp_step: Path,
                                                      screens: Path) -> None:
    _upload(page, server, sharp_step)
    assert re.search(r"/q/[0-9a-f]+$", page.url), page.url
    assert "mm" in page.inner_text("#size") and "in)" in page.inner_text("#size")
    assert page.locator("#offers .offer").count() >= 1
    assert page.locator("#offers .offer").first.locator("tr.line").count() == 3  # 1, 10, 100
    assert "valid until" in page.inner_text("#quote-meta")
    shot(page, screens, "01-buyer-offers")

    page.fill("#quantities", "5, 50")
    page.click("#quote-btn")
    expect(page.locator("#offers .offer tr.line td").first).to_have_text("5")
    assert page.locator("#offers .offer").first.locator("tr.line").count() == 2
    shot(page, screens, "02-buyer-quantities")

    first = page.locator("#offers .offer").first
    first.locator("button.link").first.click()
    breakdown = first.locator("tr.breakdown").first
    assert breakdown.is_visible()
    total = _cents(first.locator("td.total").first.inner_text())
    assert abs(int(breakdown.locator("[data-sum]").get_attribute("data-sum")) - total) <= 1
    shot(page, screens, "03-buyer-breakdown")

    finding = page.locator("#findings li[data-code=sharp_internal_corner]").first
    finding.click()
    assert finding.get_attribute("aria-pressed") == "true"
    shot(page, screens, "04-buyer-finding", docs_from="#part-card")

    page.select_option("#sort", "lead_time")
    days = [int(t.split(" ")[0]) for t in page.locator("#offers .offer").evaluate_all(
        "os => os.map(o => o.querySelector('tr.line td:nth-child(4)').textContent)")]
    assert days == sorted(days)


#: pixels of the view drawn in the highlight colour (red over the blue-grey part and the amber markers)
RED_PIXELS = """() => {
  const c = document.querySelector('#viewer canvas');
  const t = document.createElement('canvas');
  t.width = c.width; t.height = c.height;
  const g = t.getContext('2d');
  g.drawImage(c, 0, 0);
  const d = g.getImageData(0, 0, t.width, t.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] > 100 && d[i] > 1.6 * d[i + 1] && d[i] > 1.6 * d[i + 2]) n++;
  return n;
}"""


def test_finding_painted_on_its_faces(page: Any, server: Server, sharp_step: Path, screens: Path) -> None:
    """Clicking the sharp-corner finding paints the pocket walls it names, in the view's state and its pixels."""
    _upload(page, server, sharp_step)
    page.wait_for_selector("#viewer[data-painted-faces]")  # the GLB is loaded, nothing painted yet
    assert page.get_attribute("#viewer", "data-painted-faces") == ""
    assert page.evaluate(RED_PIXELS) == 0
    finding = page.locator("#findings li[data-code=sharp_internal_corner]").first
    faces = finding.get_attribute("data-faces")
    assert faces and len(faces.split(",")) == 4  # the four pocket walls
    assert "4 faces" in finding.inner_text()
    finding.click()
    expect(page.locator("#viewer")).not_to_have_attribute("data-painted-faces", "")
    painted = page.get_attribute("#viewer", "data-painted-faces")
    assert sorted(map(int, painted.split(","))) == sorted(map(int, faces.split(",")))
    assert int(page.get_attribute("#viewer", "data-painted-triangles")) >= 8  # two triangles a wall at least
    red = page.evaluate(RED_PIXELS)
    assert red > 200, red
    shot(page, screens, "12-buyer-painted-faces", docs_from="#part-card")
    finding.click()  # clicking it again keeps it painted; another finding (about other faces) moves the paint
    others = page.locator(f"#findings li:not([data-code=sharp_internal_corner]):not([data-faces='{faces}'])")
    if others.count():
        others.first.click()
        assert page.get_attribute("#viewer", "data-painted-faces") != painted


def test_stl_unit_confirmation_and_stable_url(page: Any, server: Server, cad: dict[str, Path],
                                              screens: Path) -> None:
    _upload(page, server, cad["stl"])
    note = page.inner_text("#unit-confirm")
    assert "mm" in note and " in." in note
    url = page.url
    shot(page, screens, "06-buyer-stl")
    page.goto(url)
    page.wait_for_selector("#offers .offer")
    assert page.locator("#json-link").get_attribute("download").endswith(".json")
    page.emulate_media(media="print")  # the printable quote: no upload form, no buttons
    assert not page.locator("#upload-card").is_visible() and page.locator("#offers .offer").first.is_visible()
    shot(page, screens, "11-buyer-print")


def test_bad_file_gets_a_clear_message(page: Any, server: Server, tmp_path: Path, screens: Path) -> None:
    bad = tmp_path / "broken.step"
    bad.write_bytes(b"this is not a CAD file")
    page.goto(f"{server.url}/")
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#file", str(bad))
    page.wait_for_selector("#error:not([hidden])")
    text = page.inner_text("#error")
    assert text and "Traceback" not in text
    shot(page, screens, "07-buyer-error")


def test_labels_keyboard_and_javascript_weight(page: Any, server: Server) -> None:
    scripts: list[int] = []
    page.on("response", lambda r: scripts.append(len(r.body())) if r.url.endswith(".js") else None)
    page.goto(f"{server.url}/")
    page.wait_for_selector("body[data-ready=true]")
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea')]
        .filter(e => e.type !== 'hidden' && !e.getAttribute('aria-label')
                && !(e.id && document.querySelector(`label[for="${e.id}"]`))).map(e => e.id || e.name)""")
    assert unlabelled == []
    focused = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.add(page.evaluate("document.activeElement.id"))
    assert {"drop", "file"} <= focused
    page.set_input_files("#file", str(Path(__file__).resolve().parents[2] / "api/static/web/reference/plate.step"))
    page.wait_for_selector("#offers .offer")
    assert sum(scripts) < MAX_JS_BYTES, f"{sum(scripts)} bytes of JavaScript"


def test_dxf_asks_for_its_thickness(page: Any, server: Server, tmp_path: Path, screens: Path) -> None:
    import ezdxf

    doc = ezdxf.new()
    doc.header["$INSUNITS"] = 4  # mm
    doc.modelspace().add_lwpolyline([(0, 0), (120, 0), (120, 80), (0, 80)], close=True)
    doc.modelspace().add_circle((30, 40), 5)
    path = tmp_path / "flat.dxf"
    doc.saveas(path)
    page.goto(f"{server.url}/")
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#file", str(path))
    assert page.locator("#thickness").is_visible() and "thickness" in page.inner_text("#status")
    page.fill("#thickness", "3")
    page.click("#upload-btn")
    page.wait_for_selector("#offers .offer")
    assert "x 3.0 mm" in page.inner_text("#size")
    shot(page, screens, "10-buyer-dxf")
