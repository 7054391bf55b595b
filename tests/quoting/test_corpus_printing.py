"""Never refuse what can be made: every closed STL of the shared corpus that fits a printer gets a printing offer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geometry.errors import InputError
from geometry.measure import measure
from quoting.engine import quote
from quoting.request import QuoteRequest

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
#: a printable material of each printing process, and the largest build volume offered [mm]
PRINTING = (("pla", "printing_fdm"), ("resin_standard", "printing_sla"), ("pa12", "printing_sls"),
            ("pa12", "printing_mjf"))
LARGEST_BUILD_MM = (500.0, 500.0, 600.0)


def _stls(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() == ".stl")


@pytest.mark.slow
def test_every_closed_corpus_stl_gets_a_printing_offer(corpus_dir: Path) -> None:
    refused = []
    for path in _stls(corpus_dir):
        try:
            f = measure(str(path), units="mm").features
        except InputError:
            continue  # empty or unreadable files: refused as input errors elsewhere
        if not f.mesh.solid or not all(a <= b for a, b in zip(sorted(f.bbox_mm), sorted(LARGEST_BUILD_MM),
                                                                 strict=True)):
            continue
        offered = any(quote(f, QuoteRequest.parse(material=m, quantities=(1,), process=p), now=NOW).offers
                      for m, p in PRINTING)
        if not offered:
            refused.append(path.name)
    assert refused == []
