"""The interface every process family implements, and its records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from quoting.materials import Material
from quoting.process_kinds import Process


@dataclass(frozen=True)
class Operation:
    """One step a workshop runs, with its minutes and the inputs of the formula."""

    name: str
    time_min: float
    #: True: once per batch (setup, programming); False: per part
    per_batch: bool = False
    #: the formula's inputs, for the explanation shown to the buyer
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stock:
    """Raw material for one part."""

    description: str
    dims_mm: tuple[float, ...]
    mass_kg: float


@dataclass(frozen=True)
class ProcessEstimate:
    process: Process
    machine_class: str
    material: str
    operations: list[Operation]
    stock: Stock
    findings: list[Finding] = field(default_factory=list)
    #: assumptions made where a feature was not measured
    assumptions: list[str] = field(default_factory=list)

    @property
    def batch_time_min(self) -> float:
        """Minutes spent once per batch (setups, programming)."""
        return sum(op.time_min for op in self.operations if op.per_batch)

    @property
    def part_time_min(self) -> float:
        """Machine minutes per part."""
        return sum(op.time_min for op in self.operations if not op.per_batch)

    @property
    def manufacturable(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)


class ProcessModel(Protocol):
    """A process family: can it make the part, and how long and how much material."""

    process: Process

    def check(self, features: PartFeatures, material: Material, machine_class: str) -> list[Finding]:
        """Manufacturability findings for this family (errors mean: cannot make it)."""
        ...

    def estimate(self, features: PartFeatures, material: Material, machine_class: str) -> ProcessEstimate:
        """Operations with minutes, stock and findings (raises NotManufacturableError if it cannot)."""
        ...
