"""Batch quoting on a ``dask.distributed`` cluster: one task per file, results gathered as they finish.

``run_batch`` connects to a scheduler (``tcp://host:8786``) or starts a
``LocalCluster`` of ``workers`` processes with one thread each (measuring is
CPU-bound and holds the GIL in OCP), ships the request, rate cards and cost
models to the workers once (``Client.scatter``), maps ``quote_batch_file`` over
the files and reports progress after each file. The feature cache is a folder
every worker reads and writes (``cache_dir``): on a remote cluster it must be a
shared path, as must the files themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from quoting.batch import BatchFile, BatchRow, RowStatus, quote_batch_file
from quoting.pricing import CostModel
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest

T = TypeVar("T")
R = TypeVar("R")

#: called after each finished file with (files done, files in all)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ClusterSpec:
    """Where a batch runs: an existing scheduler's address, or a local cluster of ``workers`` processes.

    ``processes=False`` runs the local workers as threads of this process (tests,
    and an API process that must not fork).
    """

    scheduler: str | None = None
    workers: int = 2
    processes: bool = True
    warm_up: bool = True


def run_batch(
    files: Sequence[BatchFile],
    request: QuoteRequest,
    cards: Sequence[RateCard],
    *,
    cluster: ClusterSpec | None = None,
    cache_dir: str | None = None,
    cost_models: Mapping[str, CostModel] | None = None,
    progress: Progress | None = None,
) -> list[BatchRow]:
    """Quote every file on the cluster; rows in the order of ``files`` (per-file errors are rows)."""
    spec = cluster or ClusterSpec()
    with connect(spec) as client:
        if spec.warm_up:
            client.run(warm_up_worker)
        return map_files(client, files, request, cards, cache_dir=cache_dir, cost_models=cost_models,
                         progress=progress)


def map_files(
    client: Any,
    files: Sequence[BatchFile],
    request: QuoteRequest,
    cards: Sequence[RateCard],
    *,
    cache_dir: str | None = None,
    cost_models: Mapping[str, CostModel] | None = None,
    progress: Progress | None = None,
) -> list[BatchRow]:
    """Map ``quote_batch_file`` over ``files`` on a connected ``distributed.Client``."""
    shared = {"request": request, "cards": tuple(cards), "cost_models": dict(cost_models or {})}
    return map_tasks(client, _quote_one, files, shared, lost=_lost, progress=progress, cache_dir=cache_dir,
                     now=dt.datetime.now(dt.UTC))


def map_tasks(
    client: Any,
    task: Callable[..., list[R]],
    items: Sequence[T],
    shared: Mapping[str, Any],
    *,
    lost: Callable[[T, Any], list[R]],
    progress: Progress | None = None,
    **fixed: Any,
) -> list[R]:
    """Map ``task(item, **shared, **fixed)`` over ``items``: one task per item, rows in the order of ``items``.

    ``shared`` (rate cards, cost models: the same for every item) goes to every worker once
    (``Client.scatter``); ``fixed`` are small values passed with each task. An item whose
    task never returned (its worker died, or it was cancelled) gets ``lost(item, future)``.
    """
    from distributed import as_completed

    if not items:
        return []
    # hash=False: keys of their own, so a second batch on the same client never waits on released data
    scattered = client.scatter(list(shared.values()), broadcast=True, hash=False) if shared else []
    futures = client.map(task, list(items), **dict(zip(shared, scattered, strict=True)), **fixed, pure=False)
    index = {future.key: i for i, future in enumerate(futures)}
    results: list[list[R]] = [[] for _ in items]
    done = 0
    for future in as_completed(futures):
        i = index[future.key]
        results[i] = future.result() if future.status == "finished" else lost(items[i], future)
        done += 1
        if progress is not None:
            progress(done, len(items))
    return [row for rows in results for row in rows]


def _lost(item: BatchFile, future: Any) -> list[BatchRow]:
    """The row of a file whose task never returned: its worker died on it (``KilledWorker``) or it was cancelled."""
    try:
        err = future.exception()
    except Exception as cancelled:  # a cancelled future raises instead of returning its exception
        err = cancelled
    return [BatchRow(file=item.path, status=RowStatus.ERROR.value, code="worker_lost",
                     message=f"the worker measuring this file stopped ({type(err).__name__}: {err})")]


def _quote_one(item: BatchFile, *, request: QuoteRequest, cards: tuple[RateCard, ...],
               cost_models: dict[str, CostModel], cache_dir: str | None, now: dt.datetime) -> list[BatchRow]:
    return quote_batch_file(item, request, cards, cache_dir=cache_dir, cost_models=cost_models, now=now)


def warm_up_worker() -> None:
    """Compile (or load from the Numba cache) the geometry kernels once per worker, before the files."""
    from geometry.kernels.warm import warm_up

    warm_up()


@contextmanager
def connect(spec: ClusterSpec) -> Iterator[Any]:
    """A ``distributed.Client`` on the spec's scheduler, or on a local cluster it starts and stops."""
    from distributed import Client, LocalCluster

    if spec.scheduler:
        with Client(spec.scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=max(1, spec.workers), threads_per_worker=1, processes=spec.processes,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client


@contextmanager
def held(spec: ClusterSpec) -> Iterator[ClusterSpec]:
    """``spec`` for several runs on one cluster: a scheduler's address as it is; else a local cluster started
    here, stopped on leaving, and handed out by its scheduler's address."""
    if spec.scheduler:
        yield spec
        return
    with connect(spec) as client:
        yield replace(spec, scheduler=client.scheduler.address)


__all__ = ["ClusterSpec", "Progress", "connect", "held", "map_files", "map_tasks", "run_batch", "warm_up_worker"]
