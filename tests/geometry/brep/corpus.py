"""Corpus runner for STEP files: load + extract every file in a worker process with a per-file time limit.

A file that hangs or crashes the CAD kernel costs one worker (killed and
replaced), never the run. Each file gives one record: status ("ok", "error",
"timeout", "crash"), the error code and message, load and feature times [s],
and the measured volume, solids and faces.

    python -m tests.geometry.brep.corpus [--timeout S] FILE...   # JSON lines on stdout
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

STEP_SUFFIXES = {".step", ".stp"}


def step_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in STEP_SUFFIXES)


def measure(path: str, extract: bool = False) -> dict[str, Any]:
    """Load one file and measure its B-rep features (and, with ``extract``, time all of ``geometry.extract``)."""
    import geometry
    from geometry.errors import MicrofabError

    rec: dict[str, Any] = {"file": path}
    t0 = time.perf_counter()
    try:
        part = geometry.load(path)
        t1 = time.perf_counter()
        from geometry.brep import brep_features

        values = brep_features(part.brep)
        t2 = time.perf_counter()
        if extract:
            geometry.extract(part)
            rec["extract_s"] = time.perf_counter() - t2
    except MicrofabError as err:
        rec.update(status="error", code=err.code, message=err.message, load_s=time.perf_counter() - t0)
        return rec
    except Exception as err:  # noqa: BLE001 - a bug: recorded as such
        rec.update(status="bug", code=type(err).__name__, message=str(err)[:300], load_s=time.perf_counter() - t0)
        return rec
    rec.update(
        status="ok",
        load_s=t1 - t0,
        features_s=t2 - t1,
        volume_mm3=values["volume_mm3"],
        solids=part.solids,
        faces=values["faces"].total,
        triangles=len(part.faces),
        units=part.source.units,
        holes=len(values.get("holes") or []),
        turning=values.get("turning") is not None,
        sheet=values.get("sheet_metal") is not None,
        unmeasured=sorted(values["unmeasured"]),
    )
    return rec


def _worker(extract: bool) -> None:
    """Read paths on stdin, answer one JSON line each."""
    # OCCT prints its own messages on fd 1: answers go on a private copy, fd 1 goes to /dev/null
    answers = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    from OCP.STEPControl import STEPControl_Reader  # noqa: F401
    if extract:  # compile the mesh kernels before the first file is timed
        _warm_extract()

    import geometry.brep  # noqa: F401 - warm imports before the first file is timed
    import geometry.loaders.step  # noqa: F401

    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        answers.write(json.dumps(measure(path, extract)) + "\n")
        answers.flush()


def _warm_extract() -> None:
    import cadquery as cq

    import geometry
    from tests.parts import step_bytes

    geometry.extract(geometry.load_bytes(step_bytes(cq.Workplane().box(10, 10, 10)), "warm.step"))


class _Worker:
    def __init__(self, extract: bool = False) -> None:
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.geometry.brep.corpus", "--worker", *(["--extract"] if extract else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
        )

    def ask(self, path: str, timeout_s: float) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        start = time.perf_counter()
        try:
            self.proc.stdin.write(path + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return {"file": path, "status": "crash", "code": "worker_died"}
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready:
            self.kill()
            return {"file": path, "status": "timeout", "load_s": time.perf_counter() - start}
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            return {"file": path, "status": "crash", "code": f"exit {code}"}
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            return {"file": path, "status": "crash", "code": "garbled answer", "message": line[:200]}

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self._close_pipes()

    def close(self) -> None:
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None and not pipe.closed:
                try:
                    pipe.close()
                except BrokenPipeError:
                    pass


def run(paths: Iterable[Path | str], timeout_s: float = 30.0, extract: bool = False) -> Iterator[dict[str, Any]]:
    """One record per file; a worker that times out or dies is replaced."""
    worker = _Worker(extract)
    try:
        for path in paths:
            rec = worker.ask(str(path), timeout_s)
            if rec["status"] in ("timeout", "crash"):
                worker.kill()
                worker = _Worker(extract)
            yield rec
    finally:
        worker.close()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--worker"]:
        _worker(extract="--extract" in argv)
        return 0
    timeout_s = 30.0
    if argv[:1] == ["--timeout"]:
        timeout_s, argv = float(argv[1]), argv[2:]
    for rec in run(argv, timeout_s):
        print(json.dumps(rec), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
