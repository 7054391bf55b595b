"""Batch quoting: many files, each measured once and quoted at every workshop, one row per outcome.

This module is the work of one file and the shape of the results; it knows
nothing of Dask (``quoting.batch_dask`` shares the files out to a cluster).

- ``discover(path)``: the files of a folder (recursively, by CAD suffix) or of a
  manifest (CSV with a ``file`` column, optional ``units`` and ``thickness_mm``;
  paths relative to the manifest's folder).
- ``quote_batch_file(item, request, cards, cache_dir=)``: measure the file through
  ``geometry.measure`` with a ``MeasureCache`` (file sha256 + unit + thickness +
  geometry version, so a part measured by an older geometry version is measured
  again) and quote it through ``quote_components``; every error becomes a row,
  so one bad file never stops a batch.
- ``write_rows(rows, out)``: Parquet (``.parquet``) or CSV (``.csv``) through pyarrow.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from enum import Enum
from pathlib import Path
from typing import Any

from geometry import MeasureCache, measure
from geometry.errors import MicrofabError
from geometry.version import geometry_version
from quoting.engine import quote_components
from quoting.pricing import CostModel
from quoting.quote import Quote
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest

#: file suffixes a folder batch picks up (lower case)
CAD_SUFFIXES = frozenset({".step", ".stp", ".stl", ".3mf", ".obj", ".ply", ".dxf"})


class RowStatus(Enum):
    """What a result row says: an offer, a workshop that cannot make the part, or a file that failed."""

    OFFER = "offer"
    INELIGIBLE = "ineligible"
    NO_WORKSHOP = "no_workshop"
    ERROR = "error"


@dataclass(frozen=True)
class BatchFile:
    """One file of a batch, with the unit and sheet thickness it needs (None: the request's)."""

    path: str
    units: str | None = None
    thickness_mm: float | None = None


@dataclass(frozen=True)
class BatchRow:
    """One row of the results: a file at one workshop and quantity, or the file's error."""

    file: str
    status: str
    sha256: str = ""
    workshop_id: str = ""
    process: str = ""
    machine: str = ""
    quantity: int = 0
    unit_price_eur: float | None = None
    total_eur: float | None = None
    lead_time_days: int | None = None
    calibrated: bool = False
    best_for: str = ""
    code: str = ""
    message: str = ""
    geometry_version: str = ""
    measured: bool = False
    #: wall time of the file in its worker [s], and its CPU time (the worker process's, one task at a time) [s]
    seconds: float = 0.0
    cpu_s: float = 0.0


#: result columns, in order
COLUMNS = tuple(f.name for f in fields(BatchRow))

_caches: dict[str, MeasureCache] = {}
_caches_lock = threading.Lock()


def measure_cache(folder: str | None) -> MeasureCache:
    """The cache of this process for ``folder`` (one per folder and process, so its memory LRU is reused)."""
    key = folder or ""
    with _caches_lock:
        found = _caches.get(key)
        if found is None:
            found = _caches[key] = MeasureCache(folder, max_items=1024)
        return found


def discover(path: str | Path) -> list[BatchFile]:
    """The files of a folder (sorted, recursively) or of a manifest CSV. Raises ``BatchInputError``."""
    from quoting.errors import BatchInputError

    source = Path(path)
    if source.is_dir():
        return [BatchFile(str(p)) for p in sorted(source.rglob("*"))
                if p.is_file() and p.suffix.lower() in CAD_SUFFIXES]
    if not source.is_file():
        raise BatchInputError(f"{source}: no such folder or manifest", path=str(source))
    with source.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "file" not in reader.fieldnames:
            raise BatchInputError(f"{source}: a manifest is a CSV file with a 'file' column", path=str(source))
        items = []
        for row in reader:
            name = (row.get("file") or "").strip()
            if not name:
                continue
            thickness = (row.get("thickness_mm") or "").strip()
            items.append(BatchFile(str(source.parent / name), (row.get("units") or "").strip() or None,
                                   float(thickness) if thickness else None))
        return items


def quote_batch_file(
    item: BatchFile,
    request: QuoteRequest,
    cards: Sequence[RateCard],
    *,
    cache_dir: str | None = None,
    cost_models: Mapping[str, CostModel] | None = None,
    now: dt.datetime | None = None,
) -> list[BatchRow]:
    """Measure one file (once per geometry version) and quote it at every workshop; never raises."""
    started, cpu_started = time.perf_counter(), time.process_time()
    base = BatchRow(file=item.path, status=RowStatus.ERROR.value, geometry_version=geometry_version())
    try:
        data = Path(item.path).read_bytes()
        base = replace(base, sha256=hashlib.sha256(data).hexdigest())
        if item.units is not None or item.thickness_mm is not None:
            request = replace(request, units=item.units or request.units,
                              thickness_mm=item.thickness_mm if item.thickness_mm is not None else
                              request.thickness_mm)
        cache = measure_cache(cache_dir)
        key = cache.key(data, request.units, request.thickness_mm)
        fresh = cache.get(key) is None
        measured = measure(data, filename=Path(item.path).name, units=request.units,
                           thickness_mm=request.thickness_mm, cache=cache)
        base = replace(base, measured=fresh)
        quote = quote_components(measured.features, list(measured.components), request, cards, now,
                                 cost_models=cost_models)
        rows = quote_rows(quote, base)
    except MicrofabError as err:
        rows = [replace(base, code=err.code, message=err.message)]
    except OSError as err:
        rows = [replace(base, code="file_unreadable", message=f"{item.path}: {err.strerror or err}")]
    except Exception as err:  # one bad file never stops the batch: its error is its row
        rows = [replace(base, code="internal_error", message=f"{type(err).__name__}: {err}")]
    seconds = round(time.perf_counter() - started, 4)
    cpu_s = round(time.process_time() - cpu_started, 4)
    return [replace(row, seconds=seconds, cpu_s=cpu_s) for row in rows]


def quote_rows(quote: Quote, base: BatchRow) -> list[BatchRow]:
    """A quote as rows: each offer at each quantity, then each ineligible workshop with its reasons."""
    rows = [
        replace(base, status=RowStatus.OFFER.value, workshop_id=offer.workshop_id, process=str(_value(offer.process)),
                machine=offer.machine, quantity=line.quantity, unit_price_eur=line.unit_price_eur,
                total_eur=line.total_eur, lead_time_days=line.lead_time_days, calibrated=offer.calibrated,
                best_for=",".join(offer.best_for))
        for offer in quote.offers for line in offer.lines
    ]
    rows += [replace(base, status=RowStatus.INELIGIBLE.value, workshop_id=item.workshop_id,
                     code=",".join(item.codes), message="; ".join(item.reasons))
             for item in quote.ineligible]
    if not rows:
        rows = [replace(base, status=RowStatus.NO_WORKSHOP.value, message="no workshop can make this part")]
    return rows


def _value(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def rows_table(rows: Sequence[BatchRow]) -> Any:
    """The rows as a ``pyarrow.Table`` (one column per ``BatchRow`` field, typed)."""
    import pyarrow as pa

    schema = pa.schema([
        ("file", pa.string()), ("status", pa.string()), ("sha256", pa.string()), ("workshop_id", pa.string()),
        ("process", pa.string()), ("machine", pa.string()), ("quantity", pa.int64()),
        ("unit_price_eur", pa.float64()), ("total_eur", pa.float64()), ("lead_time_days", pa.int64()),
        ("calibrated", pa.bool_()), ("best_for", pa.string()), ("code", pa.string()), ("message", pa.string()),
        ("geometry_version", pa.string()), ("measured", pa.bool_()), ("seconds", pa.float64()), ("cpu_s", pa.float64()),
    ])
    return dataclass_table(rows, schema)


def dataclass_table(rows: Sequence[Any], schema: Any) -> Any:
    """Dataclass ``rows`` as a ``pyarrow.Table`` of ``schema`` (one column per field, in the schema's order)."""
    import pyarrow as pa

    columns: dict[str, list[Any]] = {name: [] for name in schema.names}
    for row in rows:
        for name, value in asdict(row).items():
            columns[name].append(value)
    return pa.table(columns, schema=schema)


def write_rows(rows: Sequence[BatchRow], out: str | Path) -> Path:
    """Write the rows as Parquet (``.parquet``/``.pq``) or CSV (``.csv``). Raises ``BatchInputError``."""
    return write_table(rows_table(rows), out)


def write_table(table: Any, out: str | Path) -> Path:
    """Write a ``pyarrow.Table`` as Parquet (``.parquet``/``.pq``) or CSV (``.csv``). Raises ``BatchInputError``."""
    from quoting.errors import BatchInputError

    target = Path(out)
    suffix = target.suffix.lower()
    if suffix not in {".parquet", ".pq", ".csv"}:
        raise BatchInputError(f"{target}: results are written as .parquet or .csv", path=str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        import pyarrow.csv as pacsv

        pacsv.write_csv(table, target)
    else:
        import pyarrow.parquet as pq

        pq.write_table(table, target)
    return target


__all__ = [
    "CAD_SUFFIXES",
    "COLUMNS",
    "BatchFile",
    "BatchRow",
    "RowStatus",
    "dataclass_table",
    "discover",
    "measure_cache",
    "quote_batch_file",
    "quote_rows",
    "rows_table",
    "write_rows",
    "write_table",
]
