"""One workshop's answer to a quote request: its offers, or why it cannot make the part.

Eligibility, per workshop, with a reason (and a stable code) per failed rule:
``too_far``, ``material_not_stocked``, ``finish_not_offered``,
``finish_not_applicable``, ``tolerance_not_offered``, ``process_not_offered``,
``outside_envelope``, ``sheet_too_large``, ``sheet_too_thick``,
``brake_too_short``, ``brake_tonnage``, ``diameter_too_large``,
``dfm_error`` (a DFM error under this workshop's thresholds), ``no_secondary_machine`` (the part
needs machining after its process, e.g. a laser-cut part's blind holes, and the workshop has no mill), ``process_error``
(the process model cannot estimate this part, e.g. a feature it needs was not measured).

A workshop gets one offer per process it can make the part with (the cheapest
of its machines for that process).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Hashable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cachetools import LRUCache

from geometry.errors import MicrofabError
from geometry.features import PartFeatures
from geometry.findings import Finding
from quoting.data_files import read_data
from quoting.eligibility import machine_limits
from quoting.errors import NotManufacturableError
from quoting.geo import great_circle_km
from quoting.materials import Material
from quoting.pricing import CostModel, PricingContext, price_line, shipping_zone
from quoting.process_kinds import Process
from quoting.processes import ProcessEstimate, ProcessModel, process_models
from quoting.quote import Ineligible, Offer, OperationSummary
from quoting.ratecard import Machine, RateCard
from quoting.request import QuoteRequest
from quoting.secondary import missing_secondary

#: DFM findings of a quote, each once, by (code, message)
Findings = dict[tuple[str, str], Finding]


@dataclass
class Reasons:
    """Why a workshop (or one of its processes) cannot make the part: one code per message."""

    codes: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def add(self, code: str, message: str) -> None:
        self.codes.append(code)
        self.messages.append(message)

    def add_distinct(self, other: Reasons) -> None:
        """The reasons of ``other``, one per distinct message."""
        seen: set[str] = set()
        for code, message in zip(other.codes, other.messages, strict=True):
            if message not in seen:
                seen.add(message)
                self.add(code, message)

    def ineligible(self, card: RateCard) -> Ineligible:
        return Ineligible(card.id, card.name, self.messages, self.codes)


@dataclass(frozen=True)
class Inquiry:
    """What every workshop is asked: this part, this (parsed) request, on this day."""

    features: PartFeatures
    request: QuoteRequest
    today: dt.date
    #: learned cost models by workshop id
    cost_models: Mapping[str, CostModel] = field(default_factory=dict)

    @property
    def material(self) -> Material:
        return self.request.material_record

    #: process estimates by (process, material, machine class, overrides): computed once per request, or
    #: once per part and process when the caller keeps them across requests (``EstimateMemo``)
    estimates: MutableMapping[Hashable, ProcessEstimate | MicrofabError] = field(
        default_factory=dict, compare=False, repr=False
    )

    @cached_property
    def part_mass_kg(self) -> float:
        return (self.features.volume_mm3 or 0.0) * self.material.density_kg_mm3

    def estimate(self, model: ProcessModel, machine_class: str, overrides: Mapping[str, Any]) -> ProcessEstimate:
        """``model.estimate`` of this part, once per (process, material, machine class, overrides) and
        request (or part, see ``EstimateMemo``): every workshop and machine of the same class shares it
        (its error too)."""
        key = (model.process, self.material.key, machine_class,
               tuple(sorted((k, repr(v)) for k, v in overrides.items())))
        found = self.estimates.get(key)
        if found is None:
            try:
                found = model.estimate(self.features, self.material, machine_class, overrides=dict(overrides))
            except MicrofabError as err:
                found = err
            self.estimates[key] = found
        if isinstance(found, MicrofabError):
            raise found
        return found


class EstimateMemo:
    """Process estimates kept across requests, per part (one ``PartFeatures`` object, as a store of measured
    parts hands out again): a re-quote with another material or quantities estimates nothing again.

    An estimate is a function of the part, the material, the machine class and the workshop's DFM
    overrides (its key in ``Inquiry.estimate``), and of the data files, which do not change while a
    process runs. The memo holds the ``parts`` most recent parts (thread-safe).
    """

    def __init__(self, parts: int = 256) -> None:
        #: by ``id(features)``: (the features, which keeps that id theirs while cached; their estimates)
        self._parts: LRUCache[int, tuple[PartFeatures, dict[Hashable, ProcessEstimate | MicrofabError]]] = \
            LRUCache(maxsize=parts)
        self._lock = threading.Lock()

    def of(self, features: PartFeatures) -> MutableMapping[Hashable, ProcessEstimate | MicrofabError]:
        """The estimates of the part ``features`` (the same object; an equal copy starts afresh)."""
        with self._lock:
            entry = self._parts.get(id(features))
            if entry is None or entry[0] is not features:
                entry = self._parts[id(features)] = (features, {})
        return entry[1]


def workshop_offers(inquiry: Inquiry, cards: Sequence[RateCard]) -> tuple[list[Offer], list[Ineligible],
                                                                           list[Finding]]:
    """Every workshop's offers, the reasons of those that have none, and the part's DFM findings."""
    offers: list[Offer] = []
    ineligible: list[Ineligible] = []
    dfm: Findings = {(f.code, f.message): f for f in inquiry.features.findings}
    for card in cards:
        mine, why = card_offers(inquiry, card, dfm)
        offers.extend(mine)
        if not mine:
            ineligible.append(why.ineligible(card))
    return offers, ineligible, list(dfm.values())


def card_offers(inquiry: Inquiry, card: RateCard, dfm: Findings) -> tuple[list[Offer], Reasons]:
    """One workshop: an offer per process it can make the part with, and the reasons of the others."""
    distance = _distance_km(card, inquiry.request.ship_to)
    why = card_reasons(inquiry, card, distance)
    if why.codes:
        return [], why
    wanted = inquiry.request.process
    offers: list[Offer] = []
    for process in [wanted] if wanted else list(card.processes):
        if process not in card.processes:
            why.add("process_not_offered", f"process not offered: {process.value}")
            continue
        best, machine_why = process_offer(inquiry, card, process, distance, dfm)
        if best is None:
            why.add_distinct(machine_why)
            continue
        offers.append(best)
    return offers, why


def card_reasons(inquiry: Inquiry, card: RateCard, distance: float | None) -> Reasons:
    """The workshop-wide rules: distance, material, finish, tolerance."""
    request, material = inquiry.request, inquiry.material
    why = Reasons()
    road = distance * float(read_data("pricing.toml")["road_factor"]) if distance is not None else None
    if distance is not None and card.commercial.max_distance_km and distance > card.commercial.max_distance_km:
        why.add("too_far", f"too far: {distance:.0f} km, the workshop ships up to "
                           f"{card.commercial.max_distance_km:.0f} km")
    elif card.shipping.mode == "zone" and shipping_zone(card, road) is None:
        why.add("too_far", f"too far: {road:.0f} km by road, beyond the workshop's last shipping zone "
                           f"({card.shipping.zones[-1].max_km:.0f} km)")
    if material.key not in card.materials:
        why.add("material_not_stocked", f"material not stocked: {material.name}")
    if request.finish and request.finish not in card.finishes:
        offered = ", ".join(sorted(card.finishes)) or "none"
        why.add("finish_not_offered", f"finish not offered: {request.finish} (offers: {offered})")
    problem = finish_problem(request.finish, material)
    if problem:
        why.add("finish_not_applicable", problem)
    if request.tolerance and card.tolerances is not None and request.tolerance not in card.tolerances:
        why.add("tolerance_not_offered", f"tolerance not offered: {request.tolerance} "
                                         f"(holds: {', '.join(card.tolerances)})")
    return why


def finish_problem(finish: str | None, material: Material) -> str | None:
    """Why ``finish`` cannot go on ``material`` (finishes.toml families), or None."""
    if finish is None:
        return None
    try:
        row = read_data("finishes.toml").get("finishes", {}).get(finish)
    except FileNotFoundError:
        return None
    if row is not None and material.family not in row.get("families", [material.family]):
        return f"finish not applicable: {row.get('name', finish)} does not go on {material.family} ({material.name})"
    return None


def process_offer(inquiry: Inquiry, card: RateCard, process: Process, distance: float | None,
                  dfm: Findings) -> tuple[Offer | None, Reasons]:
    """The cheapest offer of the workshop's machines for ``process`` (None: none can), and the machines' reasons."""
    model = process_models()[process]
    why = Reasons()
    best: Offer | None = None
    for machine in card.processes[process].machines:
        offer = machine_offer(inquiry, card, model, machine, distance, why, dfm)
        if offer is not None and (best is None or offer.lines[0].total_eur < best.lines[0].total_eur):
            best = offer
    if best is not None:
        for f in best.findings:
            dfm.setdefault((f.code, f.message), f)
    return best, why


def machine_offer(inquiry: Inquiry, card: RateCard, model: ProcessModel, machine: Machine,
                  distance: float | None, why: Reasons, dfm: Findings) -> Offer | None:
    """One machine's offer, or None with its reasons added to ``why`` (its DFM errors to ``dfm``)."""
    features, material, process = inquiry.features, inquiry.material, model.process
    label = f"{process.value} ({machine_label(machine)})"
    fails = machine_limits(process, machine, features, material)
    for code, msg in fails:
        why.add(code, f"{label}: {msg}")
    if fails:
        return None
    overrides = dict(card.dfm.get(process, {}))
    try:
        estimate = inquiry.estimate(model, machine.machine_class, overrides)
    except NotManufacturableError as err:
        try:
            findings = model.check(features, material, machine.machine_class, overrides=overrides)
        except MicrofabError:
            findings = []
        for f in findings:
            dfm.setdefault((f.code, f.message), f)
        why.add("dfm_error", f"{label}: {err.message}")
        return None
    except MicrofabError as err:  # e.g. a feature the process needs was not measured
        why.add("process_error", f"{label}: {err.message}")
        return None
    missing = missing_secondary(card, estimate)  # e.g. a sheet part's blind holes, and no mill to drill them
    if missing is not None:
        why.add("no_secondary_machine", f"{label}: {missing}")
        return None
    request = inquiry.request
    ctx = PricingContext(
        card=card, estimate=estimate, material=material, part_mass_kg=inquiry.part_mass_kg,
        distance_km=distance, today=inquiry.today, machine=machine, features=features,
        finish=request.finish, tolerance=request.tolerance, tier=request.tier,
        need_by=request.need_by, threads=request.threads, cost_model=inquiry.cost_models.get(card.id),
    )
    return priced_offer(ctx, request.quantities)


def priced_offer(ctx: PricingContext, quantities: Sequence[int]) -> Offer:
    """The offer of one machine: a priced line per quantity, the operations, stock and findings."""
    estimate, card, model = ctx.estimate, ctx.card, ctx.cost_model
    return Offer(
        workshop_id=card.id,
        workshop_name=card.name,
        city=card.location.city,
        process=estimate.process,
        machine_class=estimate.machine_class,
        material=ctx.material.key,
        lines=[price_line(ctx, q).line for q in quantities],
        operations=[OperationSummary(op.name, round(op.time_min, 2), op.per_batch, op.inputs)
                    for op in estimate.operations],
        stock=estimate.stock.description,
        distance_km=round(ctx.distance_km, 1) if ctx.distance_km is not None else None,
        findings=list(estimate.findings),
        assumptions=list(estimate.assumptions),
        ratecard_hash=card.version_hash,
        calibrated=model is not None,
        demo=card.demo,
        machine=machine_label(ctx.rates_machine),
        model_version=str(getattr(model, "version", getattr(model, "model_version", ""))) if model else "",
    )


def machine_label(machine: Machine) -> str:
    return machine.name or machine.machine_class


def _distance_km(card: RateCard, ship_to: tuple[float, float] | None) -> float | None:
    return great_circle_km(card.location.lat, card.location.lon, *ship_to) if ship_to else None


__all__ = ["EstimateMemo", "Inquiry", "Reasons", "card_offers", "finish_problem", "machine_label", "workshop_offers"]
