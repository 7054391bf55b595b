"""Findings about a part: what a person should know or change before it is made."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Location:
    """Where on the part a finding applies: face ids and/or a point [mm]."""

    face_ids: tuple[int, ...] = ()
    point_mm: tuple[float, float, float] | None = None


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str
    location: Location | None = None
    #: the process family the finding is about, or None for the part itself
    process: str | None = None
