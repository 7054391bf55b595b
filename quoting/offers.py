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
from collections.abc import Callable, Hashable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from geometry.errors import MicrofabError
from geometry.features import PartFeatures
from geometry.findings import Finding
from quoting.data_files import read_data
from quoting.eligibility import machine_limits
from quoting.errors import NotManufacturableError
from quoting.geo import great_circle_km
from quoting.materials import Material
from quoting.memo import EstimateMemo, Identity, PartLines
from quoting.pricing import CostModel, PricingContext, price_line, shipping_zone
from quoting.process_kinds import Process
from quoting.processes import ProcessEstimate, ProcessModel, process_models
from quoting.quote import Ineligible, Offer, OperationSummary, QuoteLine
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
    #: priced lines of this part kept across requests (``EstimateMemo.lines``); None: priced every time
    lines: PartLines | None = field(default=None, compare=False, repr=False)

    @cached_property
    def part_mass_kg(self) -> float:
        return (self.features.volume_mm3 or 0.0) * self.material.density_kg_mm3

    def estimate(self, model: ProcessModel, machine_class: str, overrides: Mapping[str, Any]) -> ProcessEstimate:
        """``model.estimate`` of this part, once per (process, material, machine class, overrides) and
        request (or part, see ``EstimateMemo``): every workshop and machine of the same class shares it
        (its error too)."""
        key = self.estimate_key(model.process, machine_class, overrides)
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

    def estimate_key(self, process: Process, machine_class: str, overrides: Mapping[str, Any]) -> Hashable:
        """What a process estimate of this part depends on: process, material, machine class, DFM overrides."""
        return (process, self.material.key, machine_class, tuple(sorted((k, repr(v)) for k, v in overrides.items())))

    def plan(self, card: RateCard) -> CardPlan:
        """``card_plan(self, card)``, or the same plan made for an earlier request of this part that differed
        at most in its quantities (or its sort order or cost drivers, which do not enter it)."""
        if self.lines is None:
            return card_plan(self, card)
        request = self.request
        key = ("plan", card.id, card.version_hash, self.material.key, request.process, request.finish,
               request.tolerance, request.tier, request.need_by,
               tuple(sorted(request.threads.items())) if request.threads else None, request.ship_to, self.today,
               Identity(self.cost_models.get(card.id)))
        found = self.lines.get(key, CardPlan)
        if found is None:
            found = card_plan(self, card)
            self.lines.put(key, found)
        return found

    def offer(self, key: Hashable, make_context: Callable[[], PricingContext]) -> Offer:
        """One machine's offer at the request's quantities (``priced_offer``), or the same offer made for
        an earlier request of this part; its lines, each priced once (``key``: everything the pricing
        context holds but the part and the quantity, see ``machine_offer``)."""
        quantities = self.request.quantities
        if self.lines is None:
            ctx = make_context()
            return priced_offer(ctx, [price_line(ctx, q).line for q in quantities])
        found = self.lines.get((key, tuple(quantities)), Offer)
        if found is None:
            ctx = make_context()
            lines = [self._line(ctx, key, q) for q in quantities]
            template = self.lines.get((key, None), Offer)  # the same offer at other quantities
            if template is None:
                found = priced_offer(ctx, lines)
                self.lines.put((key, None), found)
            else:
                found = replace(template, lines=lines)
            self.lines.put((key, tuple(quantities)), found)
        return found

    def _line(self, ctx: PricingContext, key: Hashable, quantity: int) -> QuoteLine:
        assert self.lines is not None
        found = self.lines.get((key, quantity), QuoteLine)
        if found is None:
            found = price_line(ctx, quantity).line
            self.lines.put((key, quantity), found)
        return found


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
    """One workshop: an offer per process it can make the part with (the cheapest of its machines for it, at
    the first quantity), and the reasons of the others; the DFM findings met on the way added to ``dfm``."""
    plan = inquiry.plan(card)
    why = Reasons(list(plan.reasons.codes), list(plan.reasons.messages))
    offers: list[Offer] = []
    for step in plan.processes:
        for f in step.findings:
            dfm.setdefault((f.code, f.message), f)
        best: Offer | None = None
        for key, context in step.machines:
            offer = inquiry.offer(key, context)
            if best is None or offer.lines[0].total_eur < best.lines[0].total_eur:
                best = offer
        if best is None:
            why.add_distinct(step.reasons)
            continue
        for f in best.findings:
            dfm.setdefault((f.code, f.message), f)
        offers.append(best)
    return offers, why


@dataclass(frozen=True)
class ProcessPlan:
    """One process of a workshop for this part and request, before any quantity is priced."""

    #: the machines that can make the part: (offer key, its pricing context), see ``machine_plan``
    machines: tuple[tuple[Hashable, Callable[[], PricingContext]], ...]
    #: why the other machines cannot (shown when none can), or why the process is not offered
    reasons: Reasons
    #: DFM findings of the machines whose limits the part fails
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class CardPlan:
    """A workshop's answer to this part and request whatever the quantities: the workshop-wide reasons
    (when there are some, nothing else), then each process it is asked for."""

    reasons: Reasons
    processes: tuple[ProcessPlan, ...] = ()


def card_plan(inquiry: Inquiry, card: RateCard) -> CardPlan:
    """The workshop-wide rules, then per process the machines that can make the part (``Inquiry.plan`` keeps it)."""
    distance = _distance_km(card, inquiry.request.ship_to)
    why = card_reasons(inquiry, card, distance)
    if why.codes:
        return CardPlan(why)
    wanted = inquiry.request.process
    steps: list[ProcessPlan] = []
    for process in [wanted] if wanted else list(card.processes):
        if process not in card.processes:
            steps.append(ProcessPlan((), Reasons(["process_not_offered"], [f"process not offered: {process.value}"]),
                                     ()))
            continue
        model = process_models()[process]
        machines_why, found = Reasons(), Findings()
        machines = [machine_plan(inquiry, card, model, (index, machine), distance, machines_why, found)
                    for index, machine in enumerate(card.processes[process].machines)]
        steps.append(ProcessPlan(tuple(m for m in machines if m is not None), machines_why, tuple(found.values())))
    return CardPlan(why, tuple(steps))


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


def machine_plan(inquiry: Inquiry, card: RateCard, model: ProcessModel, machine_at: tuple[int, Machine],
                 distance: float | None, why: Reasons, dfm: Findings
                 ) -> tuple[Hashable, Callable[[], PricingContext]] | None:
    """One machine (its index in the card's list of the process, and itself): the key of its offer and its
    pricing context (``Inquiry.offer``), or None with its reasons added to ``why`` (its DFM errors to ``dfm``)."""
    features, material, process = inquiry.features, inquiry.material, model.process
    index, machine = machine_at
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
    request, cost_model = inquiry.request, inquiry.cost_models.get(card.id)
    # everything the offer depends on besides the part and the quantities (the card's version covers the
    # machine at ``index``, the DFM overrides and the workshop's location; the cost model is the object)
    key = (card.id, card.version_hash, index, inquiry.estimate_key(process, machine.machine_class, overrides),
           request.finish, request.tolerance, request.tier, request.need_by,
           tuple(sorted(request.threads.items())) if request.threads else None, distance, inquiry.today,
           Identity(cost_model))
    return key, lambda: PricingContext(
        card=card, estimate=estimate, material=material, part_mass_kg=inquiry.part_mass_kg,
        distance_km=distance, today=inquiry.today, machine=machine, features=features,
        finish=request.finish, tolerance=request.tolerance, tier=request.tier,
        need_by=request.need_by, threads=request.threads, cost_model=cost_model,
    )


def priced_offer(ctx: PricingContext, lines: list[QuoteLine]) -> Offer:
    """The offer of one machine: its priced lines (one per quantity), the operations, stock and findings."""
    estimate, card, model = ctx.estimate, ctx.card, ctx.cost_model
    return Offer(
        workshop_id=card.id,
        workshop_name=card.name,
        city=card.location.city,
        process=estimate.process,
        machine_class=estimate.machine_class,
        material=ctx.material.key,
        lines=lines,
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


__all__ = ["CardPlan", "EstimateMemo", "Inquiry", "PartLines", "ProcessPlan", "Reasons", "card_offers", "card_plan",
           "finish_problem", "machine_label", "workshop_offers"]
