"""State that several API processes share, seen by each of them on the very next request.

Several ``microfab serve --workers N`` processes share one database and one
folder of blobs and models; nothing that prices a quote may be older in one
process than in another:

- rate cards: the versions are read from the database on every quote
  (``stateless_overrides`` sets ``ratecard_check_s`` to 0; one read per request,
  ``api.ratecard_versions``; each card is still parsed once per version and process);
- calibrated cost models: ``ModelFolder.changed`` compares the model folder's
  listing (name, size, modification time and inode of each ``*.skops``, written
  atomically by ``WorkshopCostModel.save``) with the one loaded, so a model
  fitted through any process is used by every process from its next quote on;
- parts, quotes, jobs, webhooks, keys: rows of the database; files: the
  content-addressed blob folder (``MICROFAB_BLOB_DIR``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

#: what a listing entry records of a model file
Signature = tuple[tuple[str, int, int, int], ...]


def folder_signature(folder: str | os.PathLike[str]) -> Signature:
    """(name, size, mtime ns, inode) of each model file of ``folder``, sorted; () when it does not exist."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return ()
    out = []
    for entry in entries:
        if not entry.name.endswith(".skops") or not entry.is_file():
            continue
        try:
            st = entry.stat()
        except FileNotFoundError:  # replaced between the listing and the stat: the next call sees the new one
            continue
        out.append((entry.name, st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(sorted(out))


class ModelFolder:
    """Whether the calibrated models on disk differ from the ones a process loaded."""

    def __init__(self, folder: str | os.PathLike[str]) -> None:
        self.folder = Path(folder)
        self._loaded: Signature | None = None
        self._lock = threading.Lock()

    def changed(self) -> bool:
        """True once per change of the folder (the caller then reloads its models)."""
        now = folder_signature(self.folder)
        with self._lock:
            if now == self._loaded:
                return False
            self._loaded = now
            return True


def refresh_cost_models(svc: Any) -> None:
    """Reload ``svc``'s cost models when the model folder changed since it last looked (one listing)."""
    watch: ModelFolder | None = getattr(svc, "_model_folder", None)
    if watch is None:  # first quote of this process: load once more, so nothing between start-up and now is missed
        watch = svc._model_folder = ModelFolder(svc.settings.model_dir)
    if watch.changed():
        svc.reload_cost_models()


def stateless_overrides(processes: int) -> dict[str, Any]:
    """Settings for ``processes`` API processes on one database: no per-process staleness window."""
    return {"ratecard_check_s": 0.0} if processes > 1 else {}


__all__ = ["ModelFolder", "Signature", "folder_signature", "refresh_cost_models", "stateless_overrides"]
