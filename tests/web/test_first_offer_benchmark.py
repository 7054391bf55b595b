"""Benchmark: the buyer page's time to first offer for a ~100-face STEP on a warm server (target < 2 s).

Measured in the page (``performance.mark``) from the moment the file is sent (the upload is over) to
the offers drawn: the server's measurement of the part, the 3D view, the quote and the table.

Each run uploads a new file (a slightly different plate: no stored measurement to reuse), so the time
covers upload, measurement, quote and drawing the offers. The figures are printed and written to
``first_offer.json`` in the pytest tmp dir; benchmarks/README.md records them.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server

pytestmark = pytest.mark.slow
TARGET_S = 2.0
#: the test fails only past this: on a shared, loaded 2-core machine the target itself is read off the figures
LIMIT_S = 3 * TARGET_S
RUNS = 5


def plate_102_faces(length_mm: float) -> bytes:
    """A plate with 32 counterbored holes: 102 B-rep faces."""  # the "100-face STEP"
    import cadquery as cq

    from tests import parts as cadparts

    plate = cq.Workplane("XY").box(length_mm, 120, 15).faces(">Z").workplane().rarray(18, 18, 8, 4) \
        .cboreHole(6, 10, 4)
    assert len(plate.val().Faces()) == 102
    return cadparts.step_bytes(plate)


def _first_offer(page: Any, server: Server, path: Path) -> dict[str, float]:
    page.goto(f"{server.url}/")
    page.wait_for_selector("body[data-ready=true]")
    page.set_input_files("#file", str(path))
    page.wait_for_selector("#offers .offer")
    marks = page.evaluate("Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))")
    def since(mark: str, start: str = "mf-sent") -> float:
        return (marks[mark] - marks[start]) / 1000

    return {"send_s": since("mf-sent", "mf-pick"),  # the browser sends the file
            "part_s": since("mf-uploaded"),  # the server measures it and answers
            "first_offer_s": since("mf-offers"),  # the page asks for a quote and draws the offers
            "from_pick_s": since("mf-offers", "mf-pick")}


def test_time_to_first_offer(page: Any, server: Server, tmp_path: Path) -> None:
    files = []
    for i in range(RUNS + 1):
        path = tmp_path / f"plate-{i}.step"
        path.write_bytes(plate_102_faces(160.0 + i))
        files.append(path)
    _first_offer(page, server, files[0])  # warm-up: the server's first quote of the session
    runs = [_first_offer(page, server, f) for f in files[1:]]
    summary = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    (tmp_path / "first_offer.json").write_text(json.dumps({"runs": runs, "median": summary}, indent=2))
    print(f"\ntime to first offer, 102-face STEP, median of {RUNS}: "
          + ", ".join(f"{k} {v:.2f}" for k, v in summary.items()))
    assert summary["first_offer_s"] < LIMIT_S, summary
