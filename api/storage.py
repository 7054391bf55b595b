"""Stored parts: the uploaded files (blobs on disk), their measurements (rows, with a cache in memory) and
the owners' private parts.

A measurement is keyed by its file's sha256 (or a hash of it with the effective unit
and sheet thickness, which change the measured part: ``part_id_for``); the file itself
is kept under its own sha256, so a stale measurement can be made again from it. What a
client sees is its own part (``TenantPartRow``): its id hashes the owner with the same
inputs (``tenant_part_id``), so two owners of one file get two private parts sharing
one measurement, and nothing tells one that the other uploaded it.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cachetools import LRUCache
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.db import PartRow, TenantPartRow
from api.lookup import check_id, get_or_404
from geometry import Measured
from geometry.features import PartFeatures
from quoting.errors import NotFoundError

#: measurements kept in memory (a quote of a recent part reads no row)
CACHED_PARTS = 512


#: Unicode categories dropped from stored names: controls, format characters (the bidi overrides
#: U+202A-U+202E and isolates U+2066-U+2069, zero-width joiners), surrogates, private use, line separators
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def clean_text(value: str, limit: int = 255) -> str:
    """Text safe to store and show anywhere: no control or bidi characters, at most ``limit`` characters."""
    return "".join(ch for ch in value if unicodedata.category(ch) not in _DROPPED_CATEGORIES)[:limit].strip()


def part_id_for(sha256: str, units: str | None, thickness_mm: float | None = None) -> str:
    """A part's id: the file's sha256; when the caller gave a unit or a sheet thickness (which change
    the measured part), sha256 of "<sha256>:<unit>" or "<sha256>:<unit>:<thickness>"."""
    if not units and thickness_mm is None:
        return sha256
    key = f"{sha256}:{(units or '').strip().lower()}"
    if thickness_mm is not None:
        key += f":{float(thickness_mm)!r}"
    return hashlib.sha256(key.encode()).hexdigest()


#: a given unit that is the default is no unit at all (the same part, the same ids)
DEFAULT_UNIT = "mm"


def effective_unit(units: str | None, head: bytes = b"") -> str | None:
    """The unit that changes the measurement: None for the default "mm", and for files that carry their own
    unit (STEP, 3MF, told from the file's first bytes ``head``; a DXF with $INSUNITS once measured)."""
    unit = (units or "").strip().lower()
    if not unit or unit == DEFAULT_UNIT:
        return None
    stripped = head.lstrip()
    if b"ISO-10303-21" in stripped[:1024] or head.startswith(b"PK\x03\x04"):
        return None
    return unit


def tenant_part_id(owner: str, file_sha256: str, unit: str | None, thickness_mm: float | None) -> str:
    """An owner's part id: sha256 of (owner, file sha256, effective unit, thickness) (the part-id contract)."""
    key = "\0".join(("microfab.part/2", owner, file_sha256, unit or "",
                     "" if thickness_mm is None else repr(float(thickness_mm))))
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class OwnedPart:
    """An owner's part and the measurement it shares."""

    tenant: TenantPartRow
    measurement: PartRow

    @property
    def id(self) -> str:
        return self.tenant.id


@dataclass(frozen=True)
class MeasureArgs:
    """How a stored part's file was measured: enough to measure it again."""

    sha256: str
    filename: str
    units: str | None
    thickness_mm: float | None


class BlobStore:
    """Files by name (a sha256) under ``root/<first two hex digits>/``, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str, suffix: str = "") -> Path:
        return self.root / sha256[:2] / f"{sha256}{suffix}"

    def write(self, sha256: str, data: bytes, suffix: str = "") -> None:
        """Store ``data`` unless a file of that name is there already (its name is its content's hash)."""
        path = self.path(sha256, suffix)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)

    def adopt(self, sha256: str, source: Path) -> None:
        """Store the file at ``source`` (moved, on the same file system) unless it is stored already."""
        path = self.path(sha256)
        if path.exists():
            source.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        source.replace(path)

    def read(self, sha256: str, suffix: str = "") -> bytes | None:
        """The stored file, or None when it is gone."""
        try:
            return self.path(sha256, suffix).read_bytes()
        except FileNotFoundError:
            return None


class PartStore:
    """Part rows and their measurements, with the recent ones cached in memory (thread-safe)."""

    def __init__(self, sessions: sessionmaker[Session], cached: int = CACHED_PARTS) -> None:
        self.sessions = sessions
        self._cache: LRUCache[str, Measured] = LRUCache(maxsize=cached)
        #: owners' part rows: never updated nor deleted once stored, so kept without a check
        self._tenants: LRUCache[str, TenantPartRow] = LRUCache(maxsize=cached)
        #: measurements as one owner uploaded them (``named``), by (measurement id, filename)
        self._named: LRUCache[tuple[str, str], tuple[Measured, Measured]] = LRUCache(maxsize=cached)
        self._lock = threading.Lock()

    def get(self, part_id: str) -> PartRow:
        check_id("part", part_id)
        with self.sessions() as session:
            return get_or_404(session, PartRow, part_id,
                              f"no part {part_id!r}: upload the file with POST /v1/parts", part_id=part_id)

    def owned(self, part_id: str, owner: str) -> OwnedPart:
        """``owner``'s part ``part_id``; any other owner's (or none) is the same plain 404."""
        check_id("part", part_id)
        with self.sessions() as session:
            tenant = session.get(TenantPartRow, part_id)
            measurement = session.get(PartRow, tenant.measurement_id) if tenant is not None else None
        if tenant is None or tenant.owner != owner or measurement is None:
            raise NotFoundError(f"no part {part_id!r}: upload the file with POST /v1/parts", part_id=part_id)
        return OwnedPart(tenant, measurement)

    def tenant(self, part_id: str, owner: str) -> TenantPartRow:
        """``owner``'s part row ``part_id`` (the measurement row is not read); the same 404 as ``owned``.

        The hot path of a re-quote: a part row never changes once stored, so it is read once
        per process and kept (a missing or foreign part is read again every time).
        """
        with self._lock:
            tenant = self._tenants.get(part_id)
        if tenant is None:
            check_id("part", part_id)
            with self.sessions() as session:
                tenant = session.get(TenantPartRow, part_id)
            if tenant is not None:
                with self._lock:
                    self._tenants[part_id] = tenant
        if tenant is None or tenant.owner != owner:
            raise NotFoundError(f"no part {part_id!r}: upload the file with POST /v1/parts", part_id=part_id)
        return tenant

    def find_owned(self, part_id: str, owner: str) -> OwnedPart | None:
        try:
            return self.owned(part_id, owner)
        except NotFoundError:
            return None

    def by_file(self, owner: str, file_sha256: str) -> OwnedPart | None:
        """``owner``'s first part made from the file ``file_sha256`` (calibration rows name files by hash)."""
        with self.sessions() as session:
            tenant = session.scalars(select(TenantPartRow).where(TenantPartRow.owner == owner,
                                                                 TenantPartRow.file_sha256 == file_sha256)
                                     .order_by(TenantPartRow.created_at)).first()
        return self.owned(tenant.id, owner) if tenant is not None else None

    def add_owned(self, tenant: TenantPartRow) -> tuple[TenantPartRow, bool]:
        """Give an owner its part; (row, created): the row stored meanwhile by a concurrent upload, if any."""
        try:
            with self.sessions.begin() as session:
                session.add(tenant)
        except IntegrityError:
            with self.sessions() as session:
                row = session.get(TenantPartRow, tenant.id)
            if row is None:
                raise
            return row, False
        return tenant, True

    def find(self, part_id: str) -> PartRow | None:
        with self.sessions() as session:
            return session.get(PartRow, part_id)

    def measured(self, part_id: str) -> Measured:
        """A stored part's features and, for a file of several distinct solids, each solid's with its count."""
        with self._lock:
            cached = self._cache.get(part_id)
        if cached is not None:
            return cached
        row = self.get(part_id)
        measured = Measured.from_stored(row.features, row.components)
        with self._lock:
            self._cache[part_id] = measured
        return measured

    def named(self, part_id: str, filename: str) -> Measured:
        """``measured(part_id)`` as an owner uploaded it, under ``filename`` (``as_uploaded``), cached."""
        measured = self.measured(part_id)
        key = (part_id, filename)
        with self._lock:
            cached = self._named.get(key)
        if cached is not None and cached[0] is measured:  # made from the measurement cached now
            return cached[1]
        out = as_uploaded(measured, filename)
        with self._lock:
            self._named[key] = (measured, out)
        return out

    def forget(self, part_id: str) -> None:
        """Drop a cached measurement (its row changed)."""
        with self._lock:
            self._cache.pop(part_id, None)
            for key in [k for k in self._named if k[0] == part_id]:
                del self._named[key]

    def add(self, row: PartRow) -> tuple[PartRow, bool]:
        """Store a new part; (row, created): the row stored meanwhile by another request, when there is one."""
        try:
            with self.sessions.begin() as session:
                session.add(row)
        except IntegrityError:  # the same file, stored meanwhile by another request
            return self.get(row.sha256), False
        return row, True

    def update_measurement(self, part_id: str, features: dict[str, Any], components: list[dict[str, Any]]) -> None:
        """Replace a part's stored measurement (measured again by the current geometry code)."""
        with self.sessions.begin() as session:
            session.execute(update(PartRow).where(PartRow.sha256 == part_id)
                            .values(features=features, components=components))
        self.forget(part_id)

    @staticmethod
    def measure_args(row: PartRow) -> MeasureArgs:
        """How ``row``'s file was measured: the unit and sheet thickness that give its part id."""
        sha = str(row.features.get("source", {}).get("sha256", row.sha256))
        sheet = row.features.get("sheet_metal") or {}
        thickness = sheet.get("thickness_mm") if row.format == "dxf" else None
        for units in (None, row.units):
            for t in (None, thickness):
                if part_id_for(sha, units, t) == row.sha256:
                    return MeasureArgs(sha, row.filename, units, t)
        return MeasureArgs(sha, row.filename, row.units, thickness)


def as_uploaded(measured: Measured, filename: str) -> Measured:
    """A shared measurement as one owner uploaded it: its filename, never another owner's."""
    def named(features: PartFeatures) -> PartFeatures:
        return replace(features, source=replace(features.source, filename=filename))

    return replace(measured, features=named(measured.features),
                   components=tuple((named(f), count) for f, count in measured.components))
