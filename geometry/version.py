"""``geometry_version``: which code measured a part (stored features carry it; a stale one is measured again)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def geometry_version() -> str:
    """sha256 (16 hex digits) of the geometry package's Python sources.

    Any change to a loader, an analysis or a kernel changes it, so measurements
    made before the change are known to be stale.
    """
    root = Path(str(resources.files("geometry")))
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]
