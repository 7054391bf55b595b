"""Imported by the parse workers' fork server once, before it forks any worker: a warm parent.

Importing this module imports the geometry stack and, where Numba's threading layer
survives a fork (TBB), runs the parse worker's warm-up here, once
(``api.parse_worker.preload``): every worker forked afterwards (a first one, or one
that replaces a killed or crashed worker) starts warm, its own warm-up then costs
about 0.1 s instead of about 3 s. Without TBB the workers warm themselves after
the fork, as before.
"""

from __future__ import annotations

from api.parse_worker import preload

#: whether this fork server warmed the stack itself (its workers only re-run the cheap warm-up)
WARMED = preload()

__all__ = ["WARMED"]
