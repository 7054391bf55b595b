"""The microfab exception tree: its root, and the errors of files and geometry.

Every error a user can cause is a ``MicrofabError``; errors about the input also
subclass ``ValueError``. Each carries a stable ``code`` (the API's problem+json
``code`` and the CLI's message) and structured ``fields``; messages say what to
do next. Each floor adds its own errors on top of these: pricing errors live in
``quoting.errors``, model errors in ``models.errors``, access errors in ``api``.
Nothing here knows about HTTP: ``api.problems`` maps codes to statuses.
"""

from __future__ import annotations

from typing import Any


class MicrofabError(Exception):
    """Base of every error microfab raises on purpose."""

    code = "microfab_error"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.fields}


class InputError(MicrofabError, ValueError):
    """Something the caller sent is wrong."""

    code = "invalid_input"


class UnsupportedFormatError(InputError):
    code = "unsupported_format"


class CorruptFileError(InputError):
    code = "corrupt_file"


class EmptyFileError(CorruptFileError):
    code = "empty_file"


class FileTooLargeError(InputError):
    code = "file_too_large"


class UnitsError(InputError):
    code = "invalid_units"


class GeometryError(InputError):
    """The file parsed, but the geometry cannot be used (no solid, not closed...)."""

    code = "geometry_unusable"


class OpenContourError(GeometryError):
    """A 2D drawing's cut contour does not close (names the open contour)."""

    code = "open_contour"


class ThicknessRequiredError(InputError):
    """A flat 2D part (DXF) needs the sheet thickness from the caller."""

    code = "thickness_required"


class ParseTimeoutError(CorruptFileError):
    """Measuring the file took longer than the parse worker's time limit."""

    code = "parse_timeout"


class ParserCrashedError(CorruptFileError):
    """The CAD kernel died on this file."""

    code = "parser_crashed"


class ParseMemoryError(CorruptFileError):
    """Measuring the file needed more than the parse worker's memory limit."""

    code = "parse_memory_limit"
