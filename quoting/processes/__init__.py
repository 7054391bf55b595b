"""Process models: turn PartFeatures into operations, minutes, stock and findings."""

from __future__ import annotations

from functools import cache

from quoting.process_kinds import Process
from quoting.processes.base import Operation, ProcessEstimate, ProcessModel, Stock
from quoting.processes.milling import MillingModel


@cache
def process_models() -> dict[Process, ProcessModel]:
    """The process families microfab can estimate, by process."""
    return {Process.CNC_MILLING: MillingModel()}


__all__ = ["Operation", "ProcessEstimate", "ProcessModel", "Stock", "process_models"]
