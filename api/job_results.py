"""The result files of a finished job (a batch, a re-pricing): their names and their download.

Both kinds write the same two files in a folder of their own under the blob folder
(``api.batches.result_path``, ``api.repricings.result_path``); ``result_file``
answers one of them once the job has succeeded, else a 404 saying why.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.responses import FileResponse

from api.db import JobRow
from quoting.errors import NotFoundError

#: result files, by the format named in the URL
RESULT_FORMATS = {"parquet": "results.parquet", "csv": "results.csv"}
MEDIA_TYPES = {"parquet": "application/vnd.apache.parquet", "csv": "text/csv"}


def result_file(row: JobRow, fmt: str, path_of: Callable[[str], Path], *, what: str, name: str) -> FileResponse:
    """The ``fmt`` result file of job ``row`` (``path_of(fmt)``), downloaded as ``{name}-{job id}.{fmt}``.

    Raises ``NotFoundError`` for an unknown format, or while the job has not succeeded
    or its file is gone; ``what`` names the kind of job in the message.
    """
    if fmt not in RESULT_FORMATS:
        raise NotFoundError(f"{what} results come as {' or '.join(RESULT_FORMATS)}", job_id=row.id)
    path = path_of(fmt)
    if row.status != "succeeded" or not path.is_file():
        raise NotFoundError(f"{what} {row.id!r} has no results ({row.status})", job_id=row.id)
    return FileResponse(path, media_type=MEDIA_TYPES[fmt], filename=f"{name}-{row.id}.{fmt}")


__all__ = ["MEDIA_TYPES", "RESULT_FORMATS", "result_file"]
