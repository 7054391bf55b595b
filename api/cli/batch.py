"""``microfab batch quote``: quote a folder or a manifest of CAD files on a Dask cluster."""

from __future__ import annotations

import argparse
import os
import sys
import time
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
