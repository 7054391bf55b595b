"""Quote request fields as forms and JSON bodies send them (strings) into a ``QuoteRequest``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from quoting.errors import InvalidRequestError
from quoting.quote import QuoteRequest


def parse_quote_request(material: str, quantities: list[int] | str, process: str | None = None,
                        finish: str | None = None, tolerance: str | None = None, tier: str | None = None,
                        ship_to: list[float] | str | None = None, need_by: dt.date | str | None = None,
                        units: str | None = None, sort_by: str | None = None,
                        thickness_mm: float | str | None = None,
                        threads: dict[str, int] | str | None = None) -> QuoteRequest:
    """A ``QuoteRequest`` from form or JSON values, with errors naming the field."""
    if isinstance(quantities, str):
        try:
            qty = tuple(int(x) for x in quantities.split(",") if x.strip())
        except ValueError:
            raise InvalidRequestError(f"quantities {quantities!r}: give whole numbers separated by commas",
                                      field="quantities") from None
    else:
        qty = tuple(quantities)
    if not qty:
        raise InvalidRequestError("give at least one quantity", field="quantities")
    if len(qty) > 20:
        raise InvalidRequestError("give at most 20 quantities", field="quantities")
    where: tuple[float, float] | None = None
    if isinstance(ship_to, str) and ship_to.strip():
        try:
            lat, lon = (float(x) for x in ship_to.split(","))
        except ValueError:
            raise InvalidRequestError(f"ship_to {ship_to!r}: give LAT,LON", field="ship_to") from None
        where = (lat, lon)
    elif isinstance(ship_to, list | tuple):
        if len(ship_to) != 2:
            raise InvalidRequestError("ship_to: give [lat, lon]", field="ship_to")
        where = (float(ship_to[0]), float(ship_to[1]))
    if where is not None and not all(map(_finite, where)):
        raise InvalidRequestError("ship_to: latitude and longitude must be finite numbers", field="ship_to")
    date: dt.date | None = None
    if isinstance(need_by, str) and need_by.strip():
        try:
            date = dt.date.fromisoformat(need_by.strip())
        except ValueError:
            raise InvalidRequestError(f"need_by {need_by!r}: give a date YYYY-MM-DD", field="need_by") from None
    elif isinstance(need_by, dt.date):
        date = need_by
    kwargs: dict[str, Any] = {"material": material, "quantities": qty, "process": process or None,
                              "ship_to": where, "units": units or None, "finish": finish or None,
                              "tolerance": tolerance or None, "need_by": date}
    if isinstance(thickness_mm, str):
        try:
            thickness_mm = float(thickness_mm) if thickness_mm.strip() else None
        except ValueError:
            raise InvalidRequestError(f"thickness_mm {thickness_mm!r} is not a number of mm",
                                      field="thickness_mm") from None
    if thickness_mm is not None:
        if not _finite(float(thickness_mm)):
            raise InvalidRequestError("thickness_mm must be a finite number of mm", field="thickness_mm")
        kwargs["thickness_mm"] = float(thickness_mm)
    if isinstance(threads, str):
        threads = _parse_threads(threads)
    if threads:
        kwargs["threads"] = dict(threads)
    if tier:
        kwargs["tier"] = tier
    if sort_by:
        kwargs["sort_by"] = sort_by
    from quoting.engine import validate_request

    request = QuoteRequest(**kwargs)
    validate_request(request)
    return request


def _parse_threads(text: str) -> dict[str, int] | None:
    """``M6:4,M8:2`` -> {"M6": 4, "M8": 2}."""
    if not text.strip():
        return None
    out: dict[str, int] = {}
    for item in text.split(","):
        size, _, count = item.partition(":")
        try:
            out[size.strip()] = int(count)
        except ValueError:
            raise InvalidRequestError(f"threads {text!r}: give SIZE:COUNT pairs, e.g. M6:4,M8:2",
                                      field="threads") from None
    return out


def _finite(x: float) -> bool:
    return x == x and abs(x) != float("inf")
