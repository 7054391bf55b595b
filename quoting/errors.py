"""Errors of pricing: the request, materials, processes, options, rate cards, histories.

They extend the tree rooted in ``geometry.errors.MicrofabError``; input errors
are also ``ValueError``s. Each has a stable ``code``; none knows about HTTP.
"""

from __future__ import annotations

from geometry.errors import InputError, MicrofabError


class InvalidRequestError(InputError):
    """A quote request field is missing or wrong (``field`` names it)."""

    code = "invalid_request"


class UnknownMaterialError(InputError):
    code = "unknown_material"


class UnknownProcessError(InputError):
    code = "unknown_process"


class UnknownOptionError(InputError):
    """An unknown finish, tolerance class, thread or DFM threshold key."""

    code = "unknown_option"


class OptionNotApplicableError(InputError):
    """A known option that cannot be applied to this material or part."""

    code = "option_not_applicable"


class RateCardError(InputError):
    """A rate card that does not validate (``field`` names the bad entry)."""

    code = "invalid_rate_card"


class HistoryError(InputError):
    """A workshop's price history cannot be used (missing columns, too few usable rows)."""

    code = "invalid_history"


class DataFileError(MicrofabError):
    """A data file shipped with microfab (``quoting/data/*.toml``) that does not validate: a bug, not an input."""

    code = "invalid_data_file"

class BatchInputError(InputError):
    """A batch's folder, manifest or results file that cannot be used (``path`` names it)."""

    code = "invalid_batch"


class NotManufacturableError(MicrofabError):
    """No process or workshop can make the part as it is (a DFM error)."""

    code = "not_manufacturable"


class NotFoundError(MicrofabError):
    """A part, quote, workshop or job that does not exist (or that the caller may not see)."""

    code = "not_found"
