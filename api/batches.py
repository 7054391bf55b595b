"""Batch jobs of the API (``POST /v1/batches``): a zip of CAD files -> ``quoting.batch_dask`` -> result files.

The files are unpacked into the blob folder (``<blob_dir>/batches/<job id>/``),
quoted on Dask (an existing scheduler with ``MICROFAB_DASK_SCHEDULER``, else a
LocalCluster of ``MICROFAB_BATCH_WORKERS`` worker processes started for the
batch, so no CAD file is parsed in the server process), and the results are
written next to them as Parquet and CSV. Every server process reads the same
folder, so any of them serves the download.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fastapi.concurrency import run_in_threadpool

from api.calibrations import extract_zip
from api.job_results import RESULT_FORMATS
from api.shared_state import refresh_cost_models
from quoting.batch import BatchFile, RowStatus, discover, write_rows
from quoting.request import QuoteRequest

MAX_BATCH_FILES = 5000


@dataclass(frozen=True)
class BatchSettings:
    """Where batches run: ``MICROFAB_DASK_SCHEDULER`` (tcp://host:8786) or a local cluster of N workers."""

    scheduler: str | None = None
    workers: int = 1
    #: local workers as processes (the default: no CAD file is parsed in the server process); "0": threads, tests
    processes: bool = True

    @classmethod
    def from_env(cls) -> BatchSettings:
        return cls(os.environ.get("MICROFAB_DASK_SCHEDULER") or None,
                   max(1, int(os.environ.get("MICROFAB_BATCH_WORKERS", "1"))),
                   os.environ.get("MICROFAB_BATCH_PROCESSES", "1") != "0")


def batch_dir(blob_dir: Path, job_id: str) -> Path:
    return Path(blob_dir) / "batches" / job_id


def result_path(blob_dir: Path, job_id: str, fmt: str) -> Path:
    return batch_dir(blob_dir, job_id) / RESULT_FORMATS[fmt]


async def run(svc: Any, job_id: str, archive: bytes | Path, request: QuoteRequest) -> dict[str, Any]:
    """Unpack the zip (its bytes, or a spooled upload that is removed once unpacked), quote on Dask, write the
    results; the job's result says where they are and what failed."""
    from quoting.errors import BatchInputError

    folder = batch_dir(svc.settings.blob_dir, job_id)
    files_dir = folder / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    try:
        try:
            await run_in_threadpool(extract_zip, archive, files_dir, svc.settings.max_upload_bytes * 5)
        finally:
            if isinstance(archive, Path):
                archive.unlink(missing_ok=True)
        files = discover(files_dir)
        if not files:
            raise BatchInputError("files: the zip holds no CAD file (STEP, STL, 3MF, OBJ, PLY, DXF)", field="files")
        if len(files) > MAX_BATCH_FILES:
            raise BatchInputError(f"files: {len(files)} CAD files, at most {MAX_BATCH_FILES} per batch",
                                  field="files")
        refresh_cost_models(svc)
        cards, _ = svc.cards()
        rows = await run_in_threadpool(_quote, files, request, cards, svc.cost_models,
                                       str(Path(svc.settings.blob_dir) / "features"))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    prefix = f"{files_dir}{os.sep}"
    rows = [replace(r, file=r.file.removeprefix(prefix)) for r in rows]  # names as in the zip
    for fmt in RESULT_FORMATS:
        write_rows(rows, result_path(svc.settings.blob_dir, job_id, fmt))
    shutil.rmtree(files_dir, ignore_errors=True)
    failed = sorted({(r.file, r.code, r.message) for r in rows
                     if r.status == RowStatus.ERROR.value})
    return {
        "files": len(files),
        "rows": len(rows),
        "offers": sum(r.status == RowStatus.OFFER.value for r in rows),
        "failed": [{"file": name, "code": code, "detail": detail} for name, code, detail in failed],
        "results": {fmt: f"/v1/batches/{job_id}/results.{fmt}" for fmt in RESULT_FORMATS},
    }


def _quote(files: list[BatchFile], request: QuoteRequest, cards: Any, cost_models: Any, cache_dir: str) -> Any:
    from quoting.batch_dask import ClusterSpec, run_batch

    where = BatchSettings.from_env()
    return run_batch(files, request, cards, cluster=ClusterSpec(where.scheduler, where.workers, where.processes),
                     cache_dir=cache_dir, cost_models=cost_models)


__all__ = ["MAX_BATCH_FILES", "BatchSettings", "batch_dir", "result_path", "run"]
