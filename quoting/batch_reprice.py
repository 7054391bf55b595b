"""Re-pricing stored parts after a rate-card change, on the batch path, without measuring them again.

A marketplace re-prices every open quote when a workshop changes its rate card.
Each part comes with its stored measurement (``PartFeatures`` and components),
the request of its latest quote and that quote's lines at the workshop; the new
card prices it through ``quote_components`` as a fresh quote would, and each
quantity becomes one row: old and new price in cents and the change.

- ``RepriceItem``: one stored part. A part whose stored features are current is
  priced from them; a stale one (older geometry version) is measured again from
  its stored file through ``geometry.measure`` and its ``MeasureCache`` (the API
  measures its stale parts before, through ``Service.current_measurement``).
- ``reprice_part(item, cards, ...)``: the rows of one part; never raises (an error is a row).
- ``run_reprice(items, cards, cluster=...)``: the items shared out on Dask
  (``quoting.batch_dask.map_tasks``, as ``run_batch`` shares out files).
- ``measure_stale(items, cluster=...)``: the stale items measured again on Dask first, so the
  caller can store the new measurements before pricing (the command line does).
- ``old_lines(quote_doc, workshop_id)`` / ``stored_request(quote_doc)``: what a stored quote priced and asked.
- ``write_reprice_rows(rows, out)``: Parquet or CSV.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from geometry import Measured, measure
from geometry.codec import from_jsonable
from geometry.errors import MicrofabError
from geometry.features import PartFeatures
from geometry.version import geometry_version
from quoting.batch import measure_cache
from quoting.batch_dask import ClusterSpec, Progress, connect, map_tasks, warm_up_worker
from quoting.engine import quote_components
from quoting.pricing import CostModel
from quoting.quote import Quote
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest


class RepriceStatus(Enum):
    """What a row says about one quantity of one part's offer at the workshop."""

    #: priced before and now: old, new and the change
    REPRICED = "repriced"
    #: offered now, not in the part's latest quote
    NEW_OFFER = "new_offer"
    #: in the latest quote, no longer offered (the reasons in ``message`` when the workshop cannot make it)
    WITHDRAWN = "withdrawn"
    #: neither before nor now: the workshop cannot make the part
    INELIGIBLE = "ineligible"
    ERROR = "error"


@dataclass(frozen=True)
class OldLine:
    """One quantity of one process as the part's latest quote priced it at the workshop [cents]."""

    process: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    machine: str = ""


@dataclass(frozen=True)
class RepriceItem:
    """One stored part to re-price: its measurement (or the file to measure again), request and old lines."""

    part_id: str
    filename: str
    request: QuoteRequest | None
    old: tuple[OldLine, ...] = ()
    #: the latest quote of the part naming the workshop
    quote_id: str = ""
    features: PartFeatures | None = None
    components: tuple[tuple[PartFeatures, int], ...] = ()
    #: the stored file, measured again when ``features`` are missing or stale (None: no file to measure)
    source: str | None = None
    units: str | None = None
    thickness_mm: float | None = None
    #: the part was measured again before it came here (the API's stale path)
    measured: bool = False
    #: an error met before pricing (a stale part whose file is gone): the part's one row
    code: str = ""
    message: str = ""


@dataclass(frozen=True)
class RepriceRow:
    """One row of the results: a part's process at one quantity, old and new [cents], or the part's error."""

    part_id: str
    file: str
    status: str
    workshop_id: str = ""
    process: str = ""
    machine: str = ""
    quantity: int = 0
    old_unit_price_cents: int | None = None
    new_unit_price_cents: int | None = None
    old_total_cents: int | None = None
    new_total_cents: int | None = None
    #: new - old total [cents]
    change_cents: int | None = None
    #: change / old total [%], two decimals
    change_pct: float | None = None
    quote_id: str = ""
    code: str = ""
    message: str = ""
    geometry_version: str = ""
    measured: bool = False
    seconds: float = 0.0


#: result columns, in order
REPRICE_COLUMNS = tuple(f.name for f in fields(RepriceRow))


def stored_request(quote_doc: Mapping[str, Any]) -> QuoteRequest:
    """The request a stored quote (``microfab.quote/1``) answered, without its cost drivers."""
    request: QuoteRequest = from_jsonable(QuoteRequest, dict(quote_doc["request"]))
    return replace(request, cost_drivers=False)


def old_lines(quote_doc: Mapping[str, Any], workshop_id: str) -> tuple[OldLine, ...]:
    """The lines a stored quote priced at ``workshop_id``, by process and quantity."""
    return tuple(
        OldLine(str(offer["process"]), int(line["quantity"]), int(line.get("unit_price_cents", 0)),
                int(line.get("total_cents", 0)), str(offer.get("machine", "")))
        for offer in quote_doc.get("offers", ()) if offer.get("workshop_id") == workshop_id
        for line in offer.get("lines", ())
    )


def reprice_part(
    item: RepriceItem,
    cards: Sequence[RateCard],
    workshop_id: str,
    *,
    cache_dir: str | None = None,
    cost_models: Mapping[str, CostModel] | None = None,
    now: dt.datetime | None = None,
) -> list[RepriceRow]:
    """The rows of one part at ``workshop_id`` priced with ``cards``; never raises (an error is the part's row)."""
    started = time.perf_counter()
    base = RepriceRow(part_id=item.part_id, file=item.filename, status=RepriceStatus.ERROR.value,
                      workshop_id=workshop_id, quote_id=item.quote_id, geometry_version=geometry_version(),
                      measured=item.measured)
    try:
        if item.code:
            rows = [replace(base, code=item.code, message=item.message)]
        elif item.request is None:
            rows = [replace(base, code="no_request", message="the part has no stored quote request to price again")]
        else:
            measured, fresh = _measurement(item, cache_dir)
            base = replace(base, measured=item.measured or fresh)
            quote = quote_components(measured.features, list(measured.components), item.request, cards, now,
                                     cost_models=cost_models)
            rows = compare(quote, item.old, base)
    except MicrofabError as err:
        rows = [replace(base, code=err.code, message=err.message)]
    except OSError as err:
        rows = [replace(base, code="file_unreadable", message=f"{item.filename}: {err.strerror or err}")]
    except Exception as err:  # one bad part never stops the re-pricing: its error is its row
        rows = [replace(base, code="internal_error", message=f"{type(err).__name__}: {err}")]
    seconds = round(time.perf_counter() - started, 4)
    return [replace(row, seconds=seconds) for row in rows]


def _measurement(item: RepriceItem, cache_dir: str | None) -> tuple[Measured, bool]:
    """The stored measurement when current; else the stored file measured (cache first); (it, measured now)."""
    from quoting.errors import NotFoundError

    if item.features is not None:
        stored = Measured(item.features, item.components)
        if stored.is_current:
            return stored, False
    if item.source is None or not Path(item.source).is_file():
        raise NotFoundError(f"part {item.part_id} was measured by an older version of microfab and its file is "
                            "no longer stored: upload the file again", part_id=item.part_id)
    data = Path(item.source).read_bytes()
    cache = measure_cache(cache_dir)
    fresh = cache.get(cache.key(data, item.units, item.thickness_mm)) is None
    return measure(data, filename=item.filename, units=item.units, thickness_mm=item.thickness_mm,
                   cache=cache), fresh


def compare(quote: Quote, old: Sequence[OldLine], base: RepriceRow) -> list[RepriceRow]:
    """The quote's lines at ``base.workshop_id`` against the old ones, matched by process and quantity."""
    before = {(line.process, line.quantity): line for line in old}
    rows: list[RepriceRow] = []
    for offer in quote.offers:
        if offer.workshop_id != base.workshop_id:
            continue
        process = str(offer.process.value if isinstance(offer.process, Enum) else offer.process)
        for line in offer.lines:
            was = before.pop((process, line.quantity), None)
            row = replace(base, status=RepriceStatus.NEW_OFFER.value, process=process, machine=offer.machine,
                          quantity=line.quantity, new_unit_price_cents=line.unit_price_cents,
                          new_total_cents=line.total_cents)
            rows.append(row if was is None else _changed(row, was))
    why = next((item for item in quote.ineligible if item.workshop_id == base.workshop_id), None)
    code, message = (",".join(why.codes), "; ".join(why.reasons)) if why is not None else ("", "")
    rows += [replace(base, status=RepriceStatus.WITHDRAWN.value, process=was.process, machine=was.machine,
                     quantity=was.quantity, old_unit_price_cents=was.unit_price_cents,
                     old_total_cents=was.total_cents, code=code, message=message)
             for was in before.values()]
    if not rows:
        rows = [replace(base, status=RepriceStatus.INELIGIBLE.value, code=code,
                        message=message or "the workshop does not offer this part")]
    return rows


def _changed(row: RepriceRow, was: OldLine) -> RepriceRow:
    new_total = row.new_total_cents or 0
    change = new_total - was.total_cents
    pct = round(100.0 * change / was.total_cents, 2) if was.total_cents else None
    return replace(row, status=RepriceStatus.REPRICED.value, old_unit_price_cents=was.unit_price_cents,
                   old_total_cents=was.total_cents, change_cents=change, change_pct=pct)


def run_reprice(
    items: Sequence[RepriceItem],
    cards: Sequence[RateCard],
    workshop_id: str,
    *,
    cluster: ClusterSpec | None = None,
    cache_dir: str | None = None,
    cost_models: Mapping[str, CostModel] | None = None,
    progress: Progress | None = None,
) -> list[RepriceRow]:
    """Re-price every item on the cluster (``map_tasks``); rows in the order of ``items``."""
    if not items:
        return []
    spec = cluster or ClusterSpec()
    shared = {"cards": tuple(cards), "cost_models": dict(cost_models or {})}
    with connect(spec) as client:
        if spec.warm_up and any(_needs_measuring(item) for item in items):
            client.run(warm_up_worker)
        return map_tasks(client, _reprice_one, items, shared, lost=_lost, progress=progress,
                         workshop_id=workshop_id, cache_dir=cache_dir, now=dt.datetime.now(dt.UTC))


def measure_stale(
    items: Sequence[RepriceItem],
    *,
    cluster: ClusterSpec | None = None,
    cache_dir: str | None = None,
    progress: Progress | None = None,
) -> list[RepriceItem]:
    """The items, each stale one measured again from its stored file on the cluster, in the order of ``items``.

    A measured item carries the current features, ``measured=True`` and no ``source``
    (nothing left to measure); one that cannot be measured carries its error, which
    becomes its row when it is priced. Items already current come back as they are.
    """
    stale = [item for item in items if not item.code and _needs_measuring(item)]
    if not stale:
        return list(items)
    spec = cluster or ClusterSpec()
    with connect(spec) as client:
        if spec.warm_up:
            client.run(warm_up_worker)
        done = map_tasks(client, _measure_one, stale, {}, lost=_lost_measuring, progress=progress,
                         cache_dir=cache_dir)
    fresh = {item.part_id: item for item in done}
    return [fresh.get(item.part_id, item) for item in items]


def _measure_one(item: RepriceItem, *, cache_dir: str | None) -> list[RepriceItem]:
    try:
        measured, _ = _measurement(item, cache_dir)
    except MicrofabError as err:
        return [replace(item, code=err.code, message=err.message)]
    except OSError as err:
        return [replace(item, code="file_unreadable", message=f"{item.filename}: {err.strerror or err}")]
    except Exception as err:  # one bad file never stops the re-pricing: its error is its row
        return [replace(item, code="internal_error", message=f"{type(err).__name__}: {err}")]
    return [replace(item, features=measured.features, components=measured.components, source=None, measured=True)]


def _lost_measuring(item: RepriceItem, future: Any) -> list[RepriceItem]:
    row = _lost(item, future)[0]
    return [replace(item, code=row.code, message=row.message.replace("pricing", "measuring"))]


def _needs_measuring(item: RepriceItem) -> bool:
    return item.source is not None and (item.features is None
                                        or not Measured(item.features, item.components).is_current)


def _reprice_one(item: RepriceItem, *, cards: tuple[RateCard, ...], cost_models: dict[str, CostModel],
                 workshop_id: str, cache_dir: str | None, now: dt.datetime) -> list[RepriceRow]:
    return reprice_part(item, cards, workshop_id, cache_dir=cache_dir, cost_models=cost_models, now=now)


def _lost(item: RepriceItem, future: Any) -> list[RepriceRow]:
    try:
        err = future.exception()
    except Exception as cancelled:  # a cancelled future raises instead of returning its exception
        err = cancelled
    return [RepriceRow(part_id=item.part_id, file=item.filename, status=RepriceStatus.ERROR.value,
                       quote_id=item.quote_id, code="worker_lost",
                       message=f"the worker pricing this part stopped ({type(err).__name__}: {err})")]


def reprice_table(rows: Sequence[RepriceRow]) -> Any:
    """The rows as a ``pyarrow.Table`` (one typed column per ``RepriceRow`` field)."""
    import pyarrow as pa

    types = {"quantity": pa.int64(), "old_unit_price_cents": pa.int64(), "new_unit_price_cents": pa.int64(),
             "old_total_cents": pa.int64(), "new_total_cents": pa.int64(), "change_cents": pa.int64(),
             "change_pct": pa.float64(), "measured": pa.bool_(), "seconds": pa.float64()}
    from quoting.batch import dataclass_table

    return dataclass_table(rows, pa.schema([(name, types.get(name, pa.string())) for name in REPRICE_COLUMNS]))


def write_reprice_rows(rows: Sequence[RepriceRow], out: str | Path) -> Path:
    """Write the rows as Parquet (``.parquet``/``.pq``) or CSV (``.csv``). Raises ``BatchInputError``."""
    from quoting.batch import write_table

    return write_table(reprice_table(rows), out)


__all__ = [
    "REPRICE_COLUMNS",
    "OldLine",
    "RepriceItem",
    "RepriceRow",
    "RepriceStatus",
    "compare",
    "measure_stale",
    "old_lines",
    "reprice_part",
    "reprice_table",
    "run_reprice",
    "stored_request",
    "write_reprice_rows",
]
