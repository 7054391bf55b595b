"""A fixed set of quotes of real measured parts (cadquery), for checks that the quote documents do not change.

``fixed_quotes()`` prices a few parts (a plate with holes, a pocketed block, a bent
sheet, a turned shaft, a kit of distinct solids) with the demo workshops under
requests that take the optional paths (finish, tolerance, tier, threads, ship-to,
need-by, cost drivers, one process), at a fixed date. ``normalised(doc)`` blanks
what changes from one run to the next (the quote id). ``python -m
tests.quoting.quote_set OUT.json`` writes the documents, so that two commits can be
compared byte for byte (``cmp``) after a change that must not change any price.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from functools import cache
from typing import Any

from geometry import Measured, measure
from quoting.engine import quote_components
from quoting.offers import EstimateMemo
from quoting.quote import Quote
from quoting.request import QuoteRequest
from quoting.workshops import load_workshops
from tests import parts as cadparts

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday

#: request fields of the set, each priced for every part
REQUESTS: tuple[dict[str, Any], ...] = (
    {"material": "al6061", "quantities": "1,10,100"},
    {"material": "ss304", "quantities": "3,250", "finish": "bead_blasting", "tolerance": "iso2768-f",
     "tier": "expedite", "ship_to": "45.76,4.84", "need_by": "2026-03-20"},
    {"material": "s235", "quantities": "5", "tier": "economy", "threads": "M6:4", "sort_by": "lead_time"},
    {"material": "al7075", "quantities": "2,20", "cost_drivers": True, "tolerance": "iso2768-c"},
    {"material": "al6061", "quantities": "1,7", "process": "cnc_milling", "finish": "anodising"},
)


@cache
def parts() -> tuple[tuple[str, Measured], ...]:
    """The measured parts of the set (measured once per process)."""
    shapes = {
        "plate": cadparts.plate_with_holes(),
        "block": cadparts.pocketed_block(),
        "sheet": cadparts.bent_sheet(cadparts.U_PART),
        "shaft": cadparts.stepped_shaft(),
        "kit": cadparts.identical_and_odd_solids(),
    }
    return tuple((name, measure(cadparts.step_bytes(shape), filename=f"{name}.step")) for name, shape in shapes.items())


def fixed_quotes(memo: EstimateMemo | None = None) -> Iterator[tuple[str, Quote]]:
    """(name, quote) of every part of the set under every request, priced at ``NOW`` (with ``memo``: the
    process estimates kept across the quotes, as the API server keeps them)."""
    cards = load_workshops(None)
    known = {key for card in cards for key in card.finishes}
    for name, measured in parts():
        for i, fields in enumerate(REQUESTS):
            request = QuoteRequest.parse(**fields, known_finishes=known)
            yield f"{name}-{i}", quote_components(measured.features, measured.components, request, cards, NOW,
                                                  memo=memo)


def normalised(doc: Any, blank: frozenset[str]) -> Any:
    """A quote document without what differs between two runs of the same quote: its id, and the ``blank``
    strings (the files' sha256: a STEP file's header carries the time it was written)."""
    if isinstance(doc, dict):
        return {k: "-" if k == "id" and isinstance(v, str) else normalised(v, blank) for k, v in doc.items()}
    if isinstance(doc, list):
        return [normalised(v, blank) for v in doc]
    return "-" if isinstance(doc, str) and doc in blank else doc


def file_hashes() -> frozenset[str]:
    """The sha256 of every file of the set and of its solids."""
    return frozenset(f.source.sha256 for _, m in parts() for f in (m.features, *(c for c, _ in m.components)))


def main(out: str) -> None:
    docs = {name: normalised(q.to_dict(), file_hashes()) for name, q in fixed_quotes()}
    with open(out, "w", encoding="utf-8") as f:
        json.dump(docs, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
