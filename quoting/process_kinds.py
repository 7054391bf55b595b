"""The closed vocabularies of quoting: processes, lead-time tiers, sort keys."""

from __future__ import annotations

import enum

from quoting.errors import UnknownProcessError


class Tier(enum.StrEnum):
    """How fast a workshop makes the order: its lead time and price factor (rate card ``[tiers]``)."""

    ECONOMY = "economy"
    STANDARD = "standard"
    EXPEDITE = "expedite"


class SortKey(enum.StrEnum):
    """How a quote's offers are ordered (best first, at the first quantity)."""

    PRICE = "price"
    LEAD_TIME = "lead_time"
    DISTANCE = "distance"
    CO2 = "co2"


class Process(enum.StrEnum):
    """A process family microfab estimates (``quoting.processes.process_models`` has one model per member)."""

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
