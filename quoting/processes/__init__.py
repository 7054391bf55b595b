"""Process models: turn PartFeatures into operations, minutes, stock and findings.

``process_models()`` returns every family by ``Process`` (all seven values): CNC milling, CNC
turning, sheet metal, and the four printing technologies. Each answers ``check`` (DFM findings)
and ``estimate`` (a ``ProcessEstimate``) through the shared ``ProcessModel`` base; both take an
optional keyword ``overrides``, a mapping of DFM threshold names (``dfm_threshold_names()``) to a workshop's values.
"""

from __future__ import annotations

from functools import cache

from quoting.process_kinds import Process
from quoting.processes.base import (
    BuildPlan,
    Fixturing,
    Nesting,
    Operation,
    Pace,
    Plan,
    ProcessEstimate,
    ProcessModel,
    Stock,
)
from quoting.processes.common import dfm_threshold_names, thresholds
from quoting.processes.milling import MillingModel
from quoting.processes.printing import PrintingModel
from quoting.processes.sheet_metal import SheetMetalModel
from quoting.processes.turning import TurningModel


@cache
def process_models() -> dict[Process, ProcessModel]:
    """The process families microfab can estimate, by process (every ``Process`` value)."""
    return {
        Process.CNC_MILLING: MillingModel(),
        Process.CNC_TURNING: TurningModel(),
        Process.SHEET_METAL: SheetMetalModel(),
        Process.PRINTING_FDM: PrintingModel(Process.PRINTING_FDM),
        Process.PRINTING_SLA: PrintingModel(Process.PRINTING_SLA),
        Process.PRINTING_SLS: PrintingModel(Process.PRINTING_SLS),
        Process.PRINTING_MJF: PrintingModel(Process.PRINTING_MJF),
    }


__all__ = [
    "BuildPlan",
    "Fixturing",
    "Nesting",
    "Operation",
    "Pace",
    "Plan",
    "ProcessEstimate",
    "ProcessModel",
    "Stock",
    "dfm_threshold_names",
    "process_models",
    "thresholds",
]
