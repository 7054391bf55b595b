"""Errors of the API floor: access, conflicts, capacity (extending ``MicrofabError``)."""

from __future__ import annotations

from geometry.errors import MicrofabError


class UnauthorizedError(MicrofabError):
    code = "unauthorized"


class ForbiddenError(MicrofabError):
    code = "forbidden"


class ConflictError(MicrofabError):
    code = "conflict"


class IdempotencyConflictError(MicrofabError):
    code = "idempotency_key_reused"


class NotImplementedYetError(MicrofabError):
    code = "not_implemented"


class ParseUnavailableError(MicrofabError):
    """No parse worker could be started (the server is short of memory or processes)."""

    code = "parse_workers_unavailable"


class RateLimitedError(MicrofabError):
    """Too many requests from one API key or one address; ``retry_after_s`` says when to try again."""

    code = "rate_limited"


class ParseQueueFullError(MicrofabError):
    """Every parse worker is busy and the queue of waiting parses is full; ``retry_after_s`` as above."""

    code = "parse_queue_full"
