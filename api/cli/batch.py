"""``microfab batch quote``: quote a folder or a manifest of CAD files on a Dask cluster; ``microfab batch
reprice``: price a workshop's stored parts again with its current rate card, on the same path."""

from __future__ import annotations

import argparse
import os
import sys
import time
from contextlib import nullcontext
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    from quoting.process_kinds import Tier

    b = sub.add_parser("batch", help="quote many files at once on a Dask cluster (Parquet or CSV results)")
    bsub = b.add_subparsers(dest="batch_command", metavar="BATCH_COMMAND", required=True)
    q = bsub.add_parser(
        "quote", help="measure each file once and quote it at every workshop",
        description="One task per file on dask.distributed: a local cluster by default, or an existing scheduler "
                    "(--scheduler tcp://host:8786; the files and --cache must then be on a path every worker "
                    "sees). One row per offer and quantity, per ineligible workshop, or per failed file.",
    )
    q.add_argument("source", help="folder of CAD files (searched recursively) or manifest CSV "
                                  "(columns: file[,units,thickness_mm]; paths relative to the manifest)")
    q.add_argument("--material", required=True, help="material key (see `microfab materials`)")
    q.add_argument("--qty", default="1", help="quantities, comma-separated (default 1)")
    q.add_argument("--process", help="process key (cnc_milling, ...); default: every process")
    q.add_argument("--finish", help="surface finish key")
    q.add_argument("--tolerance", help="tolerance class (c, m, f, tight, ...)")
    q.add_argument("--tier", default=Tier.STANDARD.value, choices=[t.value for t in Tier])
    q.add_argument("--ship-to", help="buyer location as LAT,LON")
    q.add_argument("--units", help="unit of files that carry none (mm, cm, m, in); default mm")
    q.add_argument("--thickness", type=float, help="sheet thickness [mm] of flat 2D DXF parts")
    q.add_argument("--workshops", help="folder or file of rate cards (default: the demo workshops)")
    q.add_argument("--model-dir", help="calibrated cost models (default $MICROFAB_MODEL_DIR or var/models)")
    q.add_argument("--out", required=True, help="results file: .parquet or .csv")
    q.add_argument("--scheduler", help="address of a running Dask scheduler (default: start a local cluster)")
    q.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes of the local cluster (default: one per core)")
    q.add_argument("--cache", default=None,
                   help="feature cache folder (default $MICROFAB_CACHE_DIR/features or var/cache/features)")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(func=batch_quote_cmd)
    _register_reprice(bsub)


def _register_reprice(bsub: argparse._SubParsersAction) -> None:
    r = bsub.add_parser(
        "reprice", help="price the stored parts quoted with a workshop again with its current rate card",
        description="After a rate-card change: every part of the database with a quote naming the workshop (or "
                    "quoted since --since) priced again from its stored measurement, with the request of its "
                    "latest quote naming the workshop, on dask.distributed as `batch quote`. A part measured by "
                    "an older geometry version is measured again from its stored file (feature cache first). "
                    "One row per part, process and quantity: old and new price [cents] and the change.",
    )
    r.add_argument("--workshop", required=True, help="workshop id")
    r.add_argument("--since", type=_when, help="only parts quoted at or after this date or time (ISO 8601, UTC)")
    r.add_argument("--out", required=True, help="results file: .parquet or .csv")
    r.add_argument("--database-url", help="SQLAlchemy URL (default: MICROFAB_DATABASE_URL or the SQLite file in "
                                          "./var)")
    r.add_argument("--model-dir", help="calibrated cost models (default $MICROFAB_MODEL_DIR or var/models)")
    r.add_argument("--scheduler", help="address of a running Dask scheduler (default: start a local cluster)")
    r.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                   help="worker processes of the local cluster (default: one per core)")
    r.add_argument("--cache", default=None,
                   help="feature cache folder for stale parts (default $MICROFAB_CACHE_DIR/features or "
                        "var/cache/features)")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(func=batch_reprice_cmd)


def _when(text: str) -> Any:
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give a date or time as 2026-11-01 or "
                                         "2026-11-01T08:00:00+00:00") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def batch_reprice_cmd(args: argparse.Namespace) -> int:
    from api import db
    from api.cli.parts import _cost_models
    from api.repricings import store_measurements, stored_items, summary
    from api.settings import get_settings
    from api.storage import BlobStore, PartStore
    from quoting.batch_dask import ClusterSpec, held
    from quoting.batch_reprice import measure_stale, run_reprice, write_reprice_rows
    from quoting.errors import NotFoundError
    from quoting.ratecard import RateCard

    settings = get_settings()
    engine = db.make_engine(args.database_url or settings.database_url)
    cache = args.cache or os.path.join(os.environ.get("MICROFAB_CACHE_DIR", "var/cache"), "features")
    started = time.perf_counter()
    try:
        sessions = db.init_db(engine, seed_demo=settings.seed_demo)
        with sessions() as session:
            row = session.get(db.WorkshopRow, args.workshop)
        if row is None:
            raise NotFoundError(f"no workshop {args.workshop!r} in the database", workshop=args.workshop)
        card = RateCard.from_dict(row.ratecard, args.workshop)
        parts, blobs = PartStore(sessions), BlobStore(settings.blob_dir)
        items = stored_items(sessions, parts, blobs, args.workshop, args.since)
        with held(ClusterSpec(args.scheduler, args.workers)) if items else nullcontext(None) as cluster:
            # stale parts measured again and stored first, as the API does, then every part priced
            items = measure_stale(items, cluster=cluster, cache_dir=cache)
            remeasured = store_measurements(parts, blobs, sessions, items)
            engine.dispose()  # the database is not needed while the parts are priced
            with _progress_bar(len(items), enabled=not args.no_progress) as progress:
                rows = run_reprice(items, [card], card.id, cluster=cluster, cache_dir=cache, progress=progress,
                                   cost_models=_cost_models(args.model_dir or str(settings.model_dir)))
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    out = write_reprice_rows(rows, args.out)
    done = summary(rows, len(items))
    counts = ", ".join(f"{n} {status}" for status, n in done["by_status"].items() if n)
    print(f"{len(items)} part(s) of {args.workshop} (rate card version {row.ratecard_version}) in {seconds:.1f} s: "
          f"{len(rows)} row(s) ({counts or 'none'}), {remeasured} measured again and stored, "
          f"change {done['change_cents'] / 100:+.2f} EUR; results in {out}")
    for failed in done["failed"][:20]:
        print(f"  {failed['part_id']} ({failed['file']}): {failed['code']}: {failed['detail']}", file=sys.stderr)
    return 0


def batch_quote_cmd(args: argparse.Namespace) -> int:
    from api.cli.parts import _cost_models
    from quoting.batch import RowStatus, discover, write_rows
    from quoting.batch_dask import ClusterSpec, run_batch
    from quoting.request import QuoteRequest
    from quoting.workshops import load_workshops

    cards = load_workshops(args.workshops)
    request = QuoteRequest.parse(
        material=args.material, quantities=args.qty, process=args.process, finish=args.finish,
        tolerance=args.tolerance, tier=args.tier, ship_to=args.ship_to, units=args.units,
        thickness_mm=args.thickness, known_finishes={key for card in cards for key in card.finishes},
    )
    files = discover(args.source)
    cache = args.cache or os.path.join(os.environ.get("MICROFAB_CACHE_DIR", "var/cache"), "features")
    started = time.perf_counter()
    with _progress_bar(len(files), enabled=not args.no_progress) as progress:
        rows = run_batch(files, request, cards, cluster=ClusterSpec(args.scheduler, args.workers),
                         cache_dir=cache, cost_models=_cost_models(args.model_dir), progress=progress)
    seconds = time.perf_counter() - started
    out = write_rows(rows, args.out)
    failed = sorted({row.file for row in rows if row.status == RowStatus.ERROR.value})
    offers = sum(row.status == RowStatus.OFFER.value for row in rows)
    measured = len({row.file for row in rows if row.measured})
    cached = len({row.file for row in rows if not row.measured and row.status != RowStatus.ERROR.value})
    print(f"{len(files)} file(s) in {seconds:.1f} s ({len(files) / seconds if seconds else 0:.2f} files/s): "
          f"{measured} measured, {cached} from the cache, {offers} offer row(s), "
          f"{len(failed)} failed; results in {out}")
    for name in failed[:20]:
        row = next(r for r in rows if r.file == name)
        print(f"  {name}: {row.code}: {row.message}", file=sys.stderr)
    return 0


class _progress_bar:  # noqa: N801 (a context manager used like a function)
    """A rich progress bar on stderr, handed out as the ``(done, total)`` callback of ``run_batch``."""

    def __init__(self, total: int, *, enabled: bool) -> None:
        self.total = total
        self.enabled = enabled and total > 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self):  # noqa: ANN204
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(TextColumn("quoting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                             console=Console(stderr=True))
        self._bar.start()
        self._task = self._bar.add_task("batch", total=self.total)
        return self.update

    def update(self, done: int, total: int) -> None:
        assert self._bar is not None and self._task is not None
        self._bar.update(self._task, completed=done, total=total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
