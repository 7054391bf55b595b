"""The microfab exception tree.

Every error a user can cause is a ``MicrofabError``; errors about the input
also subclass ``ValueError``. Each carries a stable ``code`` (used by the API's
problem+json answers and the CLI's exit codes) and structured ``fields``.
Messages say what to do next.
"""

from __future__ import annotations

from typing import Any


class MicrofabError(Exception):
    """Base of every error microfab raises on purpose."""

    code = "microfab_error"
    http_status = 400

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.fields}


class InputError(MicrofabError, ValueError):
    """Something the caller sent is wrong."""

    code = "invalid_input"
    http_status = 422


class UnsupportedFormatError(InputError):
    code = "unsupported_format"
    http_status = 415


class CorruptFileError(InputError):
    code = "corrupt_file"


class EmptyFileError(CorruptFileError):
    code = "empty_file"


class FileTooLargeError(InputError):
    code = "file_too_large"
    http_status = 413


class UnitsError(InputError):
    code = "invalid_units"


class GeometryError(InputError):
    """The file parsed, but the geometry cannot be used (no solid, not closed...)."""

    code = "geometry_unusable"


class UnknownMaterialError(InputError):
    code = "unknown_material"


class UnknownProcessError(InputError):
    code = "unknown_process"


class InvalidRequestError(InputError):
    code = "invalid_request"


class RateCardError(InputError):
    code = "invalid_rate_card"


class OpenContourError(GeometryError):
    """A 2D drawing's cut contour does not close (names the open contour)."""

    code = "open_contour"


class ThicknessRequiredError(InvalidRequestError):
    """A flat 2D part (DXF) needs the sheet thickness from the request."""

    code = "thickness_required"


class UnknownOptionError(InputError):
    """An unknown finish, tolerance class, thread or DFM threshold key."""

    code = "unknown_option"


class OptionNotApplicableError(InputError):
    """A known option that cannot be applied to this material or part."""

    code = "option_not_applicable"


class NotManufacturableError(MicrofabError):
    code = "not_manufacturable"
    http_status = 422


class NotFoundError(MicrofabError):
    code = "not_found"
    http_status = 404


class ModelError(MicrofabError):
    """A saved learned model cannot be used (wrong versions, features, corrupt)."""

    code = "model_unusable"
    http_status = 422


class HistoryError(InputError):
    """A workshop's price history cannot be used (missing columns, too few usable rows)."""

    code = "invalid_history"


class ParseTimeoutError(CorruptFileError):
    code = "parse_timeout"


class ParserCrashedError(CorruptFileError):
    code = "parser_crashed"


class ParseMemoryError(CorruptFileError):
    code = "parse_memory_limit"
