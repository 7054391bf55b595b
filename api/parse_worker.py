"""The code that runs inside a parse worker process: load, measure, export the preview mesh.

Hostile files are parsed here, never in the server process: a hang is killed by
the parent after its time limit, a crash (segfault in the CAD kernel) only ends
this process, and an address-space limit keeps one file from eating the host.
"""

from __future__ import annotations

import os
import resource
import signal
import time
from typing import Any

import geometry  # (preloaded by the fork server)
import geometry.loaders.step  # noqa: F401
from geometry import measure
from geometry.errors import CorruptFileError, FileTooLargeError, MicrofabError, ParseMemoryError

HANG = b"MICROFAB-TEST-HANG"
CRASH = b"MICROFAB-TEST-CRASH"
MEMORY = b"MICROFAB-TEST-MEMORY"


def _cube_triangles() -> list[tuple[tuple[float, ...], ...]]:
    """The twelve outward-wound triangles of a closed 10 mm cube."""
    import itertools

    corners = list(itertools.product((0.0, 10.0), repeat=3))
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return [tuple(corners[i] for i in tri) for a, b, c, d in quads for tri in ((a, b, c), (a, c, d))]


def _cube_stl() -> bytes:
    """The cube as ASCII STL (read by trimesh), to warm the loaders and kernels at start."""
    lines = ["solid cube"]
    for tri in _cube_triangles():
        lines.append("facet normal 0 0 0\nouter loop")
        lines += [f"vertex {x} {y} {z}" for x, y, z in tri]
        lines.append("endloop\nendfacet")
    lines.append("endsolid cube")
    return "\n".join(lines).encode()


def _cube_binary_stl() -> bytes:
    """The cube as binary STL (read by numpy, its float32 corners welded): the usual upload."""
    import struct

    triangles = _cube_triangles()
    records = b"".join(struct.pack("<12fH", 0.0, 0.0, 0.0, *(v for corner in tri for v in corner), 0)
                       for tri in triangles)
    return b"\0" * 80 + struct.pack("<I", len(triangles)) + records


def warm() -> None:
    """Parse a small STL and STEP once so that no request pays for JIT and kernel start-up."""
    from importlib import resources

    step = resources.files("api").joinpath("static", "warm.step").read_bytes()
    for data, name in ((_cube_stl(), "warm.stl"), (_cube_binary_stl(), "warm.stl"), (step, "warm.step")):
        try:
            measure(data, filename=name, preview=True)
        except MicrofabError:
            pass


def preload() -> bool:
    """Warm the stack in the parse workers' fork server (``api.worker_preload``), when forking it stays safe:
    the workers forked from it start warm. True when it warmed."""
    from geometry.kernels import use_fork_safe_threads

    if not use_fork_safe_threads():
        return False
    warm()
    return True


def parse(filename: str, units: str | None, max_bytes: int, test_hooks: bool, thickness_mm: float | None = None,
          data: bytes | None = None, path: str | None = None) -> dict[str, Any]:
    """Measure ``data``, or the file at ``path`` (an upload spooled to disk: read here, not in the server)."""
    if data is None:
        data = _read(path or "", filename, max_bytes)
    if test_hooks:
        if data.startswith(HANG):
            time.sleep(10_000)
        if data.startswith(CRASH):
            os.kill(os.getpid(), signal.SIGSEGV)
        if data.startswith(MEMORY):
            _ = bytearray(64 * 1024**3)
    measured = measure(data, filename=filename, units=units, thickness_mm=thickness_mm, max_bytes=max_bytes,
                       preview=True)
    return {"features": measured.features.to_dict(), "glb": measured.preview_glb,
            "components": measured.components_to_list()}


def _read(path: str, filename: str, max_bytes: int) -> bytes:
    """The spooled file's bytes; errors name the upload, never the server path."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError:
        raise CorruptFileError(f"{filename}: the uploaded file is gone: upload it again") from None
    if len(data) > max_bytes:
        raise FileTooLargeError(f"{filename}: over the {max_bytes / 1e6:.0f} MB limit", size_limit_bytes=max_bytes)
    return data


def main(conn, memory_mb: int) -> None:  # noqa: ANN001  (a multiprocessing Connection)
    """Serve parse requests on ``conn`` until it closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # a worker forked from a warm fork server (``preload``) re-runs the warm-up in about 0.1 s; otherwise this
    # is the whole warm-up, after the fork (numba's OpenMP or workqueue threads must not exist in a fork server)
    warm()
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            result = parse(**job)
            conn.send(("ok", result))
        except MicrofabError as err:
            conn.send(("error", type(err).__name__, err.code, err.message, _plain(err.fields)))
        except MemoryError:
            _send_error(conn, ParseMemoryError(f"{job.get('filename')}: parsing needed more than the {memory_mb} "
                                               "MiB memory limit: simplify or split the file"))
        except Exception as exc:  # a parser bug on this input: a clear 422, never a 500
            _send_error(conn, CorruptFileError(f"{job.get('filename')}: the CAD kernel could not read this file "
                                               f"({type(exc).__name__}): re-export it from your CAD tool"))


def _send_error(conn, err: MicrofabError) -> None:  # noqa: ANN001  (a multiprocessing Connection)
    conn.send(("error", type(err).__name__, err.code, err.message, {}))


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if isinstance(v, str | int | float | bool) or v is None}
