"""The base every process family derives from, and its records.

A ``ProcessModel`` answers two questions about a part in a material on a machine class:
``check`` (can this family make it: DFM findings, errors mean no) and ``estimate`` (the
operations a workshop would run, with minutes, the stock, the findings and the assumptions made
where a feature was not measured). The base runs the prologue every family shares (material
offered, volume measured, machine class known; raise on an error finding) and a family adds
``family_findings`` and ``plan``. ``overrides`` (a keyword of both) are a workshop's DFM
threshold overrides, keyed by the names of ``quoting/data/dfm.toml`` [thresholds].

Quantity hooks for pricing:

- ``Operation.per_batch``: once per batch (programming, setups).
- ``Operation.per_build``: once per build of an additive machine (warm-up/cool-down, layers);
  its ``time_min`` is the time of one *full* build and ``ProcessEstimate.build`` says how many
  parts share it. ``ProcessEstimate.run_time_min(quantity)`` gives the exact machine minutes for
  ``quantity`` parts (builds partly filled included), so price per part falls with quantity the
  way SLS/MJF bureaus price. ``part_time_min`` amortises per-build time over a full build.
- ``Operation.per_load`` and ``ProcessEstimate.fixturing`` (machining): loading, probing and tool
  changes are shared by the parts a fixture holds once the order pays for the fixture;
  ``run_time_min(quantity)`` includes it.
- ``Operation.pace`` (``Pace``): whether an operation's minutes fall along the rate card's learning
  curve. Operator-paced work and the CNC cutting cycles a shop shortens over a run (``Pace.TUNED``)
  learn; machine-timed cutting and printing, and published standard times (``Pace.STANDARD``), do not.
  ``run_time_min(quantity, learning)`` applies the factor to the operations that learn only.
- ``ProcessEstimate.nesting`` (sheet metal): parts per standard sheet and utilisation;
  ``Stock.mass_kg`` is already the part's share of the sheet (sheet mass / parts per sheet), and
  ``sheets_for(quantity)`` the whole sheets a batch opens.
"""

from __future__ import annotations

import abc
import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from geometry.features import PartFeatures
from geometry.findings import Finding, Severity
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.process_kinds import Process
from quoting.processes.common import (
    machine_class_findings,
    material_findings,
    raise_on_errors,
    thresholds,
    void_findings,
    volume_findings,
)


class Pace(enum.Enum):
    """Who sets an operation's pace, and so whether its minutes fall along the rate card's learning curve.

    The curve (``quoting.pricing_terms.learning_factor``) is the operator's: handling, deburring,
    bending strokes with their handling, inspection, hand finishing get faster over a run. A fibre
    laser cuts at its table speed and a printer prints at its rate on part 1 and part 100.
    """

    #: operator-paced (loading, unloading, deburring, bending with handling, post-processing): learns
    OPERATOR = "operator"
    #: machine-timed at a fixed rate (laser cutting, piercing, printing, sintering): does not learn
    MACHINE = "machine"
    #: a machine cycle the shop tunes over the run (CNC program optimisation: feeds, paths, tool
    #: changes): learns, at the metal-working rates of ``quoting/data/cutting.toml`` [sources] learning
    TUNED = "tuned"
    #: a published standard time (bending with its handling, edge deburring: the rate of a trained operator,
    #: charged flat per part by the quoting tables it comes from): does not learn. A standard is a point far
    #: down the curve (the unit at which standard performance is reached), so a run never goes below it;
    #: microfab prices it from the first part on, as its source does (processes.toml [sheet_metal])
    STANDARD = "standard"

    @property
    def learns(self) -> bool:
        return self in (Pace.OPERATOR, Pace.TUNED)


@dataclass(frozen=True)
class Operation:
    """One step a workshop runs, with its minutes and the inputs of the formula."""

    name: str
    time_min: float
    #: True: once per batch (setup, programming); False: per part
    per_batch: bool = False
    #: the formula's inputs, for the explanation shown to the buyer
    inputs: dict[str, Any] = field(default_factory=dict)
    #: True: once per build of an additive machine (time of one full build, see ``BuildPlan``)
    per_build: bool = False
    #: True: once per load of the machine (loading, probing, tool changes), shared by the parts of a
    #: load when a fixture holds several (``Fixturing``); a per-part operation otherwise
    per_load: bool = False
    #: True: run on another machine of the workshop after the family's own (sheet metal: blind holes,
    #: counterbores and pockets machined on a mill after the laser), priced apart at that machine's
    #: rate (``quoting.secondary``); the family's own times below leave it out
    secondary: bool = False
    #: who sets the pace: whether the minutes fall along the learning curve (``Pace``)
    pace: Pace = Pace.OPERATOR

    @property
    def learns(self) -> bool:
        return self.pace.learns


@dataclass(frozen=True)
class Stock:
    """Raw material for one part."""

    description: str
    dims_mm: tuple[float, ...]
    #: stock (or feedstock) mass charged to one part [kg], scrap share included
    mass_kg: float


@dataclass(frozen=True)
class Nesting:
    """Identical flat parts packed on one standard sheet (rectangle packing of the flat outline)."""

    sheet_mm: tuple[float, float]
    parts_per_sheet: int
    #: net part area x parts / sheet area
    utilisation: float
    sheet_mass_kg: float
    gap_mm: float
    margin_mm: float


@dataclass(frozen=True)
class BuildPlan:
    """Identical parts packed in an additive machine's build volume.

    Parts stand in horizontal slabs of ``parts_per_slab``; a build holds ``parts_per_build``.
    Time of a build with n parts = ``fixed_min`` + slabs(n) x ``slab_min``: the layers of a slab
    are shared by every part in it, so the minutes per part fall as a build fills.
    """

    parts_per_build: int
    parts_per_slab: int
    slab_height_mm: float
    fixed_min: float
    slab_min: float

    def slabs(self, parts: int) -> int:
        return math.ceil(parts / self.parts_per_slab)

    def build_time_min(self, parts: int) -> float:
        """Machine minutes of one build holding ``parts`` parts (1 <= parts <= parts_per_build)."""
        return self.fixed_min + self.slabs(parts) * self.slab_min

    def builds(self, quantity: int) -> int:
        return math.ceil(quantity / self.parts_per_build)

    def run_time_min(self, quantity: int) -> float:
        """Build minutes for ``quantity`` parts: full builds, then one partly filled."""
        full, rest = divmod(quantity, self.parts_per_build)
        minutes = full * self.build_time_min(self.parts_per_build)
        return minutes + (self.build_time_min(rest) if rest else 0.0)


@dataclass(frozen=True)
class Fixturing:
    """Several parts per load (fixture plate, multi-vise, bar feeder) once an order pays for it.

    Without it every part pays its per-load operations. With it the batch pays ``fixture_min`` once
    and each part ``1 / parts_per_load`` of them. A shop uses it only when that saves time, so
    the run time is the smaller of the two, and minutes per part never rise with the quantity.
    """

    parts_per_load: int
    fixture_min: float

    def load_minutes(self, per_load_min: float, quantity: int) -> float:
        """Minutes of the per-load operations of ``quantity`` parts, fixture included when it pays."""
        single = per_load_min * quantity
        shared = self.fixture_min + per_load_min * quantity / self.parts_per_load
        return min(single, shared)

    def used(self, per_load_min: float, quantity: int) -> bool:
        return self.fixture_min + per_load_min * quantity / self.parts_per_load < per_load_min * quantity


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
    #: sheet metal: how the flat parts nest on a standard sheet
    nesting: Nesting | None = None
    #: SLS/MJF/SLA: how parts pack in the build volume (per-build operations)
    build: BuildPlan | None = None
    #: machining: several parts per load at higher quantities (per-load operations shared)
    fixturing: Fixturing | None = None

    @property
    def own_operations(self) -> list[Operation]:
        """The operations of the family's own machine (secondary ones left out)."""
        return [op for op in self.operations if not op.secondary]

    @property
    def secondary_operations(self) -> list[Operation]:
        """Operations on another machine of the workshop (``Operation.secondary``), priced apart."""
        return [op for op in self.operations if op.secondary]

    @cached_property  # the operations never change once estimated; every priced line reads these
    def batch_time_min(self) -> float:
        """Minutes spent once per batch (setups, programming) on the family's own machine."""
        return sum(op.time_min for op in self.own_operations if op.per_batch)

    @cached_property
    def part_time_min(self) -> float:
        """Machine minutes per part; per-build minutes are shared over a full build."""
        per_part = sum(op.time_min for op in self.own_operations if not op.per_batch and not op.per_build)
        per_build = sum(op.time_min for op in self.own_operations if op.per_build)
        if per_build and self.build is not None:
            per_part += per_build / self.build.parts_per_build
        return per_part

    def run_time_min(self, quantity: int, learning: float = 1.0) -> float:
        """Machine minutes (batch time excluded) for ``quantity`` parts on the family's own machine,
        builds partly filled and fixtures (when they pay) included.

        ``learning``: the factor on the minutes of the operations that learn (``Operation.learns``),
        the fixture's mounting included; machine-timed minutes stay as they are.
        """
        own = self.own_operations

        def minutes_of(ops: list[Operation]) -> float:
            return sum(op.time_min * (learning if op.learns else 1.0) for op in ops)

        per_part = minutes_of([op for op in own if not op.per_batch and not op.per_build and not op.per_load])
        per_load = minutes_of([op for op in own if op.per_load and not op.per_batch])
        minutes = per_part * quantity
        if self.fixturing is not None:
            fixture = Fixturing(self.fixturing.parts_per_load, self.fixturing.fixture_min * learning)
            minutes += fixture.load_minutes(per_load, quantity)
        else:
            minutes += per_load * quantity
        if self.build is not None:
            minutes += self.build.run_time_min(quantity)
        return minutes

    def builds_for(self, quantity: int) -> int:
        """Additive builds ``quantity`` parts need (0 when the process has no builds)."""
        return self.build.builds(quantity) if self.build is not None else 0

    def sheets_for(self, quantity: int) -> int:
        """Standard sheets ``quantity`` flat parts open (0 when the process uses no sheets)."""
        return math.ceil(quantity / self.nesting.parts_per_sheet) if self.nesting is not None else 0

    @property
    def manufacturable(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)


@dataclass(frozen=True)
class Plan:
    """What a family works out for a part it can make: operations, stock, assumptions, packing."""

    operations: list[Operation]
    stock: Stock
    assumptions: list[str] = field(default_factory=list)
    nesting: Nesting | None = None
    build: BuildPlan | None = None
    fixturing: Fixturing | None = None


class ProcessModel(abc.ABC):
    """A process family: can it make the part, and how long and how much material.

    The prologue every family shares is here; a family adds its own findings and its plan.

    ``check``: the material is offered for the process, the volume is measured (unless the
    family checks the part its own way), no closed inner cavity for a family that cuts, the
    machine class is known; then ``family_findings``.
    ``estimate``: ``check``, raise on an error finding, then ``plan`` with the thresholds in force.
    """

    process: Process
    #: the family's machine classes (``processes.toml``), by name
    machine_classes: Mapping[str, Mapping[str, Any]]
    #: False when the family judges the part's volume its own way (sheet metal, printing)
    checks_volume: bool = True
    #: True for families that cut the part from stock (milling, turning, sheet): a closed inner
    #: cavity makes the part ineligible (``closed_inner_void``)
    cuts: bool = True

    def __init__(self) -> None:
        """Read the family's table (``processes.toml`` under the process key) and its machine classes."""
        self.params: dict[str, Any] = read_data("processes.toml")[self.process.value]
        self.machine_classes = self.params["machine_classes"]

    @property
    def machine_label(self) -> str:
        """How a machine class of this family is named in messages."""
        return self.process.value

    def check(
        self,
        features: PartFeatures,
        material: Material,
        machine_class: str,
        *,
        overrides: Mapping[str, Any] | None = None,
    ) -> list[Finding]:
        """Manufacturability findings for this family (errors mean: cannot make it)."""
        limits = thresholds(overrides)
        findings = material_findings(self.process, material)
        if self.checks_volume:
            findings += volume_findings(self.process, features)
        if self.cuts:
            findings += void_findings(self.process, features)
        findings += machine_class_findings(self.process, machine_class, self.machine_classes, self.machine_label)
        return findings + self.family_findings(features, material, machine_class, limits)

    def estimate(
        self,
        features: PartFeatures,
        material: Material,
        machine_class: str,
        *,
        overrides: Mapping[str, Any] | None = None,
    ) -> ProcessEstimate:
        """Operations with minutes, stock and findings (raises NotManufacturableError if it cannot)."""
        findings = self.check(features, material, machine_class, overrides=overrides)
        raise_on_errors(self.process, findings)
        plan = self.plan(features, material, machine_class, thresholds(overrides))
        return ProcessEstimate(
            process=self.process,
            machine_class=machine_class,
            material=material.key,
            operations=plan.operations,
            stock=plan.stock,
            findings=findings,
            assumptions=plan.assumptions,
            nesting=plan.nesting,
            build=plan.build,
            fixturing=plan.fixturing,
        )

    @abc.abstractmethod
    def family_findings(self, features: PartFeatures, material: Material, machine_class: str,
                        limits: Mapping[str, float]) -> list[Finding]:
        """The family's own DFM findings (``limits``: the DFM thresholds with the workshop's overrides)."""

    @abc.abstractmethod
    def plan(self, features: PartFeatures, material: Material, machine_class: str,
             limits: Mapping[str, float]) -> Plan:
        """Operations, stock and assumptions of a part ``check`` found no error in."""
