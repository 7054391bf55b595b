"""Calibration jobs: a workshop's history CSV and a zip of its CAD files -> ``quoting.calibration`` -> a report.

The CAD files are hostile input like any upload: they are parsed in the worker
pool (time and memory limits), and their features are handed to
``quoting.calibration.calibrate`` through its feature cache, so the calibration
itself never parses a file in the server process.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

from fastapi.concurrency import run_in_threadpool

from api.uploads import Spooled
from geometry.errors import MicrofabError
from quoting.errors import InvalidRequestError

log = logging.getLogger(__name__)
MAX_MEMBERS = 5000


def extract_zip(data: bytes | Path, dest: Path, max_total_bytes: int) -> list[Path]:
    """Extract a zip (bytes, or a spooled upload) safely: no absolute paths or '..', no name clashes, names
    of sane length, a member count and a total size limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except zipfile.BadZipFile:
        raise InvalidRequestError("files: not a zip archive: zip the CAD files the history names",
                                  field="files") from None
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise InvalidRequestError(f"files: the zip has {len(members)} files, at most {MAX_MEMBERS}", field="files")
    names = _member_names(members)
    total = 0
    out: list[Path] = []
    for m, parts in zip(members, names, strict=True):
        target = dest.joinpath(*parts)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InvalidRequestError(f"files: {m.filename[:100]!r} cannot be extracted ({err.strerror}): rename it",
                                      field="files") from None
        with archive.open(m) as src, target.open("wb") as dst:
            while chunk := src.read(1024 * 1024):
                total += len(chunk)
                if total > max_total_bytes:
                    raise InvalidRequestError(f"files: the zip expands to over {max_total_bytes / 1e6:.0f} MB",
                                              field="files")
                dst.write(chunk)
        out.append(target)
    return out


#: the longest name of one path component, and of a whole member path, in a calibration zip [characters]
MAX_NAME_CHARS = 200
MAX_PATH_CHARS = 1000


def _member_names(members: list[zipfile.ZipInfo]) -> list[tuple[str, ...]]:
    """Each member's path parts, checked: safe, not too long, no name twice, no file where a folder must go."""
    names: list[tuple[str, ...]] = []
    for m in members:
        shown = m.filename[:100]
        parts = PurePosixPath(m.filename.replace("\\", "/")).parts
        if not parts or parts[0] == "/" or ".." in parts or ":" in parts[0]:
            raise InvalidRequestError(f"files: unsafe path in the zip: {shown!r}", field="files")
        if len(m.filename) > MAX_PATH_CHARS or any(len(p) > MAX_NAME_CHARS for p in parts):
            raise InvalidRequestError(f"files: the zip member {shown!r}... has a name over {MAX_NAME_CHARS} "
                                      "characters: shorten it (and the history row that names it)", field="files")
        names.append(tuple(parts))
    files = set()
    for parts in names:
        key = tuple(p.casefold() for p in parts)
        if key in files:
            raise InvalidRequestError(f"files: {'/'.join(parts)[:100]!r} is in the zip twice (names differing only "
                                      "in case clash too): keep one", field="files")
        files.add(key)
    for parts in names:
        for i in range(1, len(parts)):
            if tuple(p.casefold() for p in parts[:i]) in files:
                raise InvalidRequestError(f"files: {'/'.join(parts[:i])[:100]!r} is both a file and a folder in the "
                                          "zip: rename one", field="files")
    return names


async def run(svc, workshop_id: str, csv_bytes: bytes, archive: Spooled | None,  # noqa: ANN001
              owner: str) -> dict[str, Any]:
    """Calibrate on the history; rows name files of ``archive`` (parsed in the workers) or ``owner``'s parts
    by file sha256. The spooled archive is deleted when this returns."""
    from quoting import calibration

    try:
        with tempfile.TemporaryDirectory(prefix="microfab-calibration-") as tmp:
            root = Path(tmp)
            files_dir, cache_dir = root / "files", root / "features"
            files_dir.mkdir()
            cache_dir.mkdir()
            history = root / "history.csv"
            history.write_bytes(csv_bytes)
            notes: list[str] = []
            if archive is not None:
                paths = await run_in_threadpool(extract_zip, archive.path, files_dir,
                                                svc.settings.max_upload_bytes * 5)
                archive.discard()
                notes = await _measure_members(svc, paths, files_dir, cache_dir)
            cards, _ = svc.cards()

            def lookup(sha: str):  # noqa: ANN202  (history rows that name one of the owner's parts by sha256)
                return svc.features_of_file(owner, sha)

            result = await run_in_threadpool(
                calibration.calibrate, workshop_id, history, files_dir, cards, svc.settings.model_dir, lookup,
                cache_dir, True)
    finally:
        if archive is not None:
            archive.discard()
    report = result.to_dict()
    report["history"] = "history.csv"
    report["notes"] = list(report.get("notes", [])) + notes
    svc.reload_cost_models()
    return report


async def _measure_members(svc, paths: list[Path], files_dir: Path, cache_dir: Path) -> list[str]:  # noqa: ANN001
    """Parse each extracted file in the worker pool into the feature cache; a file that fails is deleted
    (its rows report it missing) and noted."""
    notes: list[str] = []
    for path in paths:
        name = str(path.relative_to(files_dir))
        try:
            parsed = await svc.pool.parse(path, path.name, None)
        except MicrofabError as err:
            path.unlink()  # never parsed in this process: the row will be reported as unusable
            notes.append(f"{name}: {err.message}")
            continue
        sha = await run_in_threadpool(_sha256_file, path)
        (cache_dir / f"{sha}.json").write_text(json.dumps(parsed.features), encoding="utf-8")
    return notes


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
