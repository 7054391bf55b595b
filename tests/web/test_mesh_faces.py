"""On an STL, the thin-wall finding names its mesh regions and the view paints them (``geometry.face_findings``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server, shot
from tests.web.test_buyer import RED_PIXELS, _upload

pytestmark = pytest.mark.slow
expect = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed").expect


@pytest.fixture(scope="module")
def rib_stl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 40 x 30 x 5 plate with a 0.6 mm rib, exported as STL: no B-rep, the faces are mesh regions."""
    from tests import parts as cadparts
    from tests.geometry.test_face_findings import ribbed_plate

    path = tmp_path_factory.mktemp("cad") / "rib.stl"
    path.write_bytes(cadparts.stl_bytes(ribbed_plate()))
    return path


def test_thin_wall_painted_on_its_mesh_regions(page: Any, server: Server, rib_stl: Path, screens: Path) -> None:
    from geometry import measure

    expected = measure(rib_stl.read_bytes(), filename="rib.stl", units="mm").features.thin_wall_faces
    assert expected is not None and len(expected) == 2  # the rib's two sides
    _upload(page, server, rib_stl)
    page.wait_for_selector("#viewer[data-painted-faces]")
    finding = page.locator("#findings li[data-code$=_thin_wall]").first
    faces = finding.get_attribute("data-faces")
    assert faces and sorted(map(int, faces.split(","))) == sorted(f.face_id for f in expected)
    assert "2 faces" in finding.inner_text()
    finding.click()
    expect(page.locator("#viewer")).not_to_have_attribute("data-painted-faces", "")
    painted = page.get_attribute("#viewer", "data-painted-faces")
    assert sorted(map(int, painted.split(","))) == sorted(map(int, faces.split(",")))
    assert int(page.get_attribute("#viewer", "data-painted-triangles")) >= 4  # two triangles a side at least
    red = page.evaluate(RED_PIXELS)
    assert red > 200, red
    shot(page, screens, "13-buyer-thin-wall-mesh-regions")
