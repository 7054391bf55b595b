"""``measure``: the one way from a CAD file to its measurements.

The CLI, the API's parse workers and calibration all come here: load the file
(format sniffed from its content, size limit, unit), measure the whole part,
and, for a file of several distinct solids, each solid with its count.

Measurements are cached by the file's sha256, the caller's unit and sheet
thickness, and ``geometry_version()``: the hash of the geometry package's own
code, so a change to any loader or analysis makes earlier measurements stale
(a stored ``PartFeatures`` carries the version that measured it).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cachetools import LRUCache

from geometry.features import PartFeatures
from geometry.loaders.load import MAX_FILE_BYTES, load, load_bytes, read_file
from geometry.part import Part
from geometry.version import geometry_version

if TYPE_CHECKING:
    from geometry.brep.analyze import BrepAnalysis

Source = bytes | str | os.PathLike[str]


@dataclass(frozen=True)
class Measured:
    """A measured file: the whole part's features and, for several distinct solids, each one with its count.

    ``components`` is empty for a file of one solid (or one body); otherwise it
    lists each distinct solid once (``geometry.split_solids``) with how often it
    occurs. ``preview_glb`` is the part's mesh as GLB when the caller asked for it.
    """

    features: PartFeatures
    components: tuple[tuple[PartFeatures, int], ...] = ()
    preview_glb: bytes = field(default=b"", repr=False, compare=False)

    @property
    def geometry_version(self) -> str:
        return self.features.geometry_version

    @property
    def is_current(self) -> bool:
        """Measured by this version of the geometry code (and every component too)."""
        version = geometry_version()
        return self.features.geometry_version == version and all(
            sub.geometry_version == version for sub, _ in self.components)

    def components_to_list(self) -> list[dict[str, Any]]:
        return [{"count": count, "features": sub.to_dict()} for sub, count in self.components]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"features": {...}, "components": [{"count": n, "features": {...}}, ...]}``."""
        return {"features": self.features.to_dict(), "components": self.components_to_list()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measured:
        return cls.from_stored(data["features"], data.get("components"))

    @classmethod
    def from_stored(cls, features: dict[str, Any], components: list[dict[str, Any]] | None) -> Measured:
        """From the stored JSON of the features and of the components list (None or [] for one solid)."""
        return cls(PartFeatures.from_dict(features),
                   tuple((PartFeatures.from_dict(c["features"]), int(c["count"])) for c in components or ()))


def measure(
    source: Source,
    *,
    filename: str | None = None,
    units: str | None = None,
    thickness_mm: float | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    preview: bool = False,
    cache: MeasureCache | None = None,
) -> Measured:
    """Load and measure a CAD file (a path, or its bytes with ``filename``).

    ``units`` is the unit of a file that carries none (STL, OBJ, PLY); ``thickness_mm``
    the sheet thickness of a 2D DXF drawing. With ``preview`` the result carries the
    part's mesh as GLB (never cached). Raises the ``geometry.errors`` of loading.
    """
    if cache is not None and not preview:
        data = source if isinstance(source, bytes) else read_file(Path(source), max_bytes)
        name = filename or (Path(source).name if not isinstance(source, bytes) else "part")
        key = cache.key(data, units, thickness_mm)
        found = cache.get(key)
        if found is not None:
            return found
        measured = measure(data, filename=name, units=units, thickness_mm=thickness_mm, max_bytes=max_bytes)
        cache.put(key, measured)
        return measured
    if isinstance(source, bytes):
        part = load_bytes(source, filename or "part", units=units, max_bytes=max_bytes, thickness_mm=thickness_mm)
    else:
        part = load(Path(source), units=units, max_bytes=max_bytes, thickness_mm=thickness_mm)
    return measure_part(part, preview=preview)


def measure_part(part: Part, *, preview: bool = False) -> Measured:
    """Measure a loaded part (see ``measure``).

    A STEP part's B-rep is analysed once: each distinct solid's values are cut out of
    the whole's analysis (``geometry.brep.components``); only its mesh is measured again.
    """
    from geometry.export import part_glb
    from geometry.extract import extract

    analysis = _analyse(part)
    features = extract(part, None if analysis is None else analysis.values())
    components: tuple[tuple[PartFeatures, int], ...] = ()
    if features.solids > 1 and part.brep is not None:
        components = _components(part, analysis)
    glb = b""
    if preview:
        try:
            glb = part_glb(part)
        except Exception:  # the preview is a convenience: a part without one still quotes
            glb = b""
    return Measured(features, components, glb)


def _analyse(part: Part) -> BrepAnalysis | None:
    if part.brep is None:
        return None
    from geometry.brep.analyze import analyse

    return analyse(part.brep)


def _components(part: Part, analysis: BrepAnalysis | None) -> tuple[tuple[PartFeatures, int], ...]:
    """Each distinct solid of ``part`` measured alone, with its count (none for a part of one solid)."""
    from geometry.brep.components import component_values
    from geometry.brep.solids import solid_parts, split_solids
    from geometry.extract import extract

    groups = None if analysis is None else analysis.groups
    solids = split_solids(part) if groups is None else solid_parts(part, groups)
    if len(solids) == 1 and solids[0][1] == 1:
        return ()
    # after every solid's own tessellation: a solid's box reads it (as measuring it alone does)
    cut = [None if analysis is None or groups is None else component_values(analysis, i) for i in range(len(solids))]
    return tuple((extract(sub, exact), count) for (sub, count), exact in zip(solids, cut, strict=True))


class MeasureCache:
    """Measurements by (file sha256, unit, thickness, geometry version): in memory, and as JSON in a folder.

    Thread-safe. A folder entry written by another geometry version is never read
    (the version is in its name); an unreadable entry is measured again.
    """

    def __init__(self, folder: str | os.PathLike[str] | None = None, max_items: int = 256) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._memory: LRUCache[str, Measured] = LRUCache(maxsize=max_items)
        self._lock = threading.Lock()

    @staticmethod
    def key(data: bytes, units: str | None, thickness_mm: float | None) -> str:
        sha = hashlib.sha256(data).hexdigest()
        extra = f"{(units or '').strip().lower()}:{'' if thickness_mm is None else repr(float(thickness_mm))}"
        return f"{sha}-{hashlib.sha256(extra.encode()).hexdigest()[:8]}-{geometry_version()}"

    def get(self, key: str) -> Measured | None:
        with self._lock:
            found = self._memory.get(key)
        if found is not None or self.folder is None:
            return found
        path = self.folder / f"{key}.json"
        if not path.is_file():
            return None
        try:
            measured = Measured.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            return None
        if not measured.is_current:
            return None
        with self._lock:
            self._memory[key] = measured
        return measured

    def put(self, key: str, measured: Measured) -> None:
        with self._lock:
            self._memory[key] = measured
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{key}.json"
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
        tmp.write_text(json.dumps(measured.to_dict()), encoding="utf-8")
        tmp.replace(path)
