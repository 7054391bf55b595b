"""Uploads spooled to a temporary file on disk while they stream in: the server never holds a whole file.

``spool_upload`` copies an ``UploadFile`` in 1 MiB chunks to a file under the
incoming folder (next to the blobs, so that a stored file is moved, not copied),
hashing it on the way and refusing it past the size limit. The parse workers read
the file from there; the blob store adopts it (``BlobStore.adopt``) or it is
deleted when the request or job ends (``Spooled.discard``).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile
from fastapi.concurrency import run_in_threadpool

from geometry.errors import FileTooLargeError

#: bytes read and written at a time
CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Spooled:
    """An upload on disk: its path, sha256 and size."""

    path: Path
    sha256: str
    size_bytes: int

    def head(self, size: int = 4096) -> bytes:
        with self.path.open("rb") as fh:
            return fh.read(size)

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


async def spool_upload(file: UploadFile, limit: int, directory: Path) -> Spooled:
    """Copy ``file`` to a new file under ``directory``; ``FileTooLargeError`` past ``limit`` bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=directory)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := await file.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise FileTooLargeError(f"the upload is over the {limit / 1e6:.0f} MB limit: simplify or "
                                            "compress the model", size_limit_bytes=limit)
                digest.update(chunk)
                await run_in_threadpool(out.write, chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Spooled(path, digest.hexdigest(), size)


async def read_small(file: UploadFile, limit: int) -> bytes:
    """A small upload (a CSV) read whole; ``FileTooLargeError`` past ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            raise FileTooLargeError(f"the upload is over the {limit / 1e6:.0f} MB limit", size_limit_bytes=limit)
        chunks.append(chunk)
    return b"".join(chunks)


__all__ = ["CHUNK_BYTES", "Spooled", "read_small", "spool_upload"]
