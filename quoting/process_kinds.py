"""The closed vocabulary of manufacturing processes."""

from __future__ import annotations

import enum

from geometry.errors import UnknownProcessError


class Process(enum.Enum):
    CNC_MILLING = "cnc_milling"
    CNC_TURNING = "cnc_turning"
    SHEET_METAL = "sheet_metal"
    PRINTING_FDM = "printing_fdm"
    PRINTING_SLA = "printing_sla"
    PRINTING_SLS = "printing_sls"
    PRINTING_MJF = "printing_mjf"

    @classmethod
    def parse(cls, value: "str | Process") -> "Process":
        if isinstance(value, Process):
            return value
        try:
            return cls(value.strip().lower().replace("-", "_"))
        except ValueError:
            known = ", ".join(p.value for p in cls)
            raise UnknownProcessError(f"unknown process {value!r}: use one of {known}", process=value) from None
