"""The quote engine: one part, every workshop, offers and reasons.

``quote`` prices measured features; ``quote_file`` is the service function the
CLI calls (load, measure, price); ``quote_components`` prices a measured file,
one part or a kit of distinct solids (``quote_file`` and the HTTP API share it).

Eligibility, per workshop, with a reason (and a stable code) per failed rule:
``too_far``, ``material_not_stocked``, ``finish_not_offered``,
``finish_not_applicable``, ``tolerance_not_offered``, ``process_not_offered``, ``process_not_estimated``,
``outside_envelope``, ``sheet_too_large``, ``sheet_too_thick``,
``brake_too_short``, ``brake_tonnage``, ``diameter_too_large``,
``dfm_error`` (a DFM error under this workshop's thresholds), ``process_error``
(the process model cannot estimate this part, e.g. a feature it needs was not measured).

A workshop gets one offer per process it can make the part with (the cheapest
of its machines for that process). The same features, request and versions
(rate-card hashes, data files, feature schema, cost models) give the same prices.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import math
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from geometry import measure
from geometry.errors import InputError, MicrofabError
from geometry.features import FEATURES_SCHEMA, PartFeatures
from geometry.findings import Finding
from quoting.data_files import read_data
from quoting.eligibility import machine_limits
from quoting.errors import InvalidRequestError, NotManufacturableError
from quoting.geo import great_circle_km
from quoting.materials import Material, get_material
from quoting.money import round_eur
from quoting.pricing import PricingContext, price_line, shipping_zone
from quoting.process_kinds import Process
from quoting.processes import ProcessEstimate, process_models
from quoting.quote import (
    BreakdownLine,
    Component,
    Ineligible,
    Interval,
    Offer,
    OperationSummary,
    PartSummary,
    ProcessChoice,
    Quote,
    QuoteLine,
    QuoteRequest,
)
from quoting.ratecard import TIERS, Machine, RateCard, canonical_tolerance, finish_keys, tolerance_aliases
from quoting.workshops import load_workshops

MAX_QUANTITY = 1_000_000
SORT_KEYS: tuple[str, ...] = ("price", "lead_time", "distance", "co2")
_DATA_FILES = ("pricing.toml", "materials.toml", "processes.toml", "finishes.toml", "dfm.toml")


@cache
def microfab_version() -> str:
    try:
        return version("microfab")
    except PackageNotFoundError:
        return "0+unknown"


@cache
def data_version() -> str:
    """sha256 of the data files that enter a price (pricing, materials, processes, finishes, DFM limits)."""
    h = hashlib.sha256()
    folder = resources.files("quoting").joinpath("data")
    for name in _DATA_FILES:
        entry = folder.joinpath(name)
        if entry.is_file():
            h.update(name.encode() + b"\0" + entry.read_bytes())
    return h.hexdigest()


def validate_request(request: QuoteRequest) -> None:
    """Raise an ``InvalidRequestError`` (or unknown material/process) naming the bad field."""
    if not request.quantities:
        raise InvalidRequestError("give at least one quantity, e.g. --qty 1,10,100", field="quantities")
    for q in request.quantities:
        if isinstance(q, bool) or not isinstance(q, int) or q < 1 or q > MAX_QUANTITY:
            raise InvalidRequestError(
                f"quantity {q!r} is not a whole number between 1 and {MAX_QUANTITY}", field="quantities"
            )
    if request.ship_to is not None:
        try:
            lat, lon = (float(x) for x in request.ship_to)
        except (TypeError, ValueError):
            raise InvalidRequestError(f"ship_to {request.ship_to!r} is not a latitude,longitude pair",
                                      field="ship_to") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
            raise InvalidRequestError(f"ship_to {request.ship_to!r} is not a latitude,longitude pair",
                                      field="ship_to")
    get_material(request.material)
    if request.process is not None:
        Process.parse(request.process)
    if request.tier not in TIERS:
        raise InvalidRequestError(f"tier {request.tier!r} is unknown: use {', '.join(TIERS)}", field="tier")
    if request.sort_by not in SORT_KEYS:
        raise InvalidRequestError(f"sort_by {request.sort_by!r} is unknown: use {', '.join(SORT_KEYS)}",
                                  field="sort_by")
    for name in ("finish", "tolerance"):
        value = getattr(request, name)
        if value is not None and (not isinstance(value, str) or not value.strip() or len(value) > 64):
            raise InvalidRequestError(f"{name} {value!r} is not a key such as "
                                      f"{'anodising' if name == 'finish' else 'iso2768-f'}", field=name)
    if request.tolerance is not None and canonical_tolerance(request.tolerance) is None:
        known = ", ".join(sorted(set((tolerance_aliases() or {}).values())))
        raise InvalidRequestError(f"tolerance {request.tolerance!r} is unknown: use {known} "
                                  "(or f, m, c, iso2768-f, ...)", field="tolerance")
    if request.thickness_mm is not None:
        t = request.thickness_mm
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not (0 < t <= 100) or math.isnan(t):
            raise InvalidRequestError(f"thickness_mm {t!r} is not a sheet thickness between 0 and 100 mm",
                                      field="thickness_mm")
    if request.threads is not None:
        if not isinstance(request.threads, Mapping) or not all(
                isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 1000
                for k, v in request.threads.items()):
            raise InvalidRequestError(f"threads {request.threads!r}: give thread sizes and counts per part, "
                                      "e.g. {'M6': 4}", field="threads")
    if request.need_by is not None and not isinstance(request.need_by, dt.date):
        raise InvalidRequestError(f"need_by {request.need_by!r} is not a date (YYYY-MM-DD)", field="need_by")


@dataclass
class _Reasons:
    codes: list[str]
    messages: list[str]

    def add(self, code: str, message: str) -> None:
        self.codes.append(code)
        self.messages.append(message)


def quote(
    features: PartFeatures,
    request: QuoteRequest,
    workshops: Sequence[RateCard] | None = None,
    now: dt.datetime | None = None,
    *,
    cost_models: Mapping[str, object] | None = None,
) -> Quote:
    """Offers from every workshop able to make the part, and the reasons of the others.

    ``cost_models`` maps a workshop id to a learned model with
    ``predict(features, context, rule_total_eur) -> (total_eur, low_eur, high_eur, level)``;
    its offers get a ``calibration`` breakdown line and the model's interval.
    """
    validate_request(request)
    now = now or dt.datetime.now(dt.UTC)
    cards = tuple(workshops) if workshops is not None else load_workshops()
    material = get_material(request.material)
    cost_models = cost_models or {}
    if request.tolerance is not None:
        request = replace(request, tolerance=canonical_tolerance(request.tolerance))
    request = _check_options(request, cards, features, material)
    offers, ineligible, dfm = _quote_offers(features, request, cards, material, now.date(), cost_models)
    offers = sort_offers(offers, request.sort_by)
    offers = _flag_best(offers)
    offering = {o.workshop_id for o in offers}
    validity = min((c.commercial.validity_days for c in cards if c.id in offering or not offering), default=30)
    cards_hash = hashlib.sha256("".join(sorted(c.version_hash for c in cards)).encode()).hexdigest()
    used_models = sorted({f"{o.workshop_id}:{o.model_version}" for o in offers if o.calibrated})
    return Quote(
        id=uuid.uuid4().hex,
        created_at=now,
        valid_until=now + dt.timedelta(days=validity),
        request=request,
        part=part_summary(features),
        offers=offers,
        ineligible=ineligible,
        dfm=dfm,
        versions={
            "microfab": microfab_version(),
            "features_schema": FEATURES_SCHEMA,
            "ratecards_sha256": cards_hash,
            "data_sha256": data_version(),
            "cost_model": ",".join(used_models) if used_models else "rule-based",
        },
        process_choice=process_choice(offers, request) if request.process is None else [],
    )


def _check_options(request: QuoteRequest, cards: Sequence[RateCard], features: PartFeatures,
                   material: Material) -> QuoteRequest:
    """Resolve finish aliases; refuse a finish nobody knows and threads of unknown sizes (clear errors)."""
    options = _options()
    if request.threads and options is not None:
        options.thread_cost(features, material, 1, threads=dict(request.threads))  # UnknownOptionError
    if request.finish is None:
        return request
    card_keys = {k for c in cards for k in c.finishes}
    if request.finish in card_keys:
        return request
    if options is not None:
        try:
            return replace(request, finish=options.resolve_finish(request.finish))
        except InputError:
            pass
    known = set(finish_keys() or ()) | card_keys
    if request.finish not in known:
        raise InvalidRequestError(f"finish {request.finish!r} is unknown: use one of {', '.join(sorted(known))}",
                                  field="finish")
    return request


def _options() -> Any:
    try:
        from quoting import options
    except ImportError:
        return None
    return options


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


def part_summary(features: PartFeatures) -> PartSummary:
    return PartSummary(
        filename=features.source.filename,
        sha256=features.source.sha256,
        format=features.source.format.value,
        units=features.source.units,
        units_source=features.source.units_source,
        bbox_mm=features.bbox_mm,
        volume_mm3=features.volume_mm3,
        area_mm2=features.area_mm2,
    )


def _quote_offers(
    features: PartFeatures,
    request: QuoteRequest,
    cards: Sequence[RateCard],
    material: Material,
    today: dt.date,
    cost_models: Mapping[str, object],
) -> tuple[list[Offer], list[Ineligible], list[Finding]]:
    wanted = Process.parse(request.process) if request.process else None
    models = process_models()
    part_mass_kg = (features.volume_mm3 or 0.0) * material.density_kg_mm3
    road_factor = float(read_data("pricing.toml")["road_factor"])

    offers: list[Offer] = []
    ineligible: list[Ineligible] = []
    dfm: dict[tuple[str, str], Finding] = {(f.code, f.message): f for f in features.findings}
    for card in cards:
        why = _Reasons([], [])
        distance = (
            great_circle_km(card.location.lat, card.location.lon, *request.ship_to) if request.ship_to else None
        )
        road = distance * road_factor if distance is not None else None
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
        if why.codes:
            ineligible.append(Ineligible(card.id, card.name, why.messages, why.codes))
            continue
        processes = [wanted] if wanted else list(card.processes)
        made = False
        for process in processes:
            if process not in card.processes:
                why.add("process_not_offered", f"process not offered: {process.value}")
                continue
            model = models.get(process)
            if model is None:
                why.add("process_not_estimated", f"{process.value}: microfab cannot estimate this process yet")
                continue
            best: tuple[Offer, list[Finding]] | None = None
            machine_why = _Reasons([], [])
            for machine in card.processes[process].machines:
                fails = machine_limits(process, machine, features, material)
                if fails:
                    for code, msg in fails:
                        machine_why.add(code, f"{process.value} ({_machine_label(machine)}): {msg}")
                    continue
                overrides = card.dfm.get(process, {})
                try:
                    estimate = _call_model(model.estimate, features, material, machine.machine_class, overrides)
                except NotManufacturableError as err:
                    try:
                        findings = _call_model(model.check, features, material, machine.machine_class, overrides)
                    except MicrofabError:
                        findings = []
                    for f in findings:
                        dfm.setdefault((f.code, f.message), f)
                    machine_why.add("dfm_error", f"{process.value} ({_machine_label(machine)}): {err.message}")
                    continue
                except MicrofabError as err:  # e.g. a feature the process needs was not measured
                    machine_why.add("process_error", f"{process.value} ({_machine_label(machine)}): {err.message}")
                    continue
                ctx = PricingContext(
                    card=card, estimate=estimate, material=material, part_mass_kg=part_mass_kg,
                    distance_km=distance, today=today, machine=machine, features=features,
                    finish=request.finish, tolerance=request.tolerance, tier=request.tier,
                    need_by=request.need_by, threads=request.threads, cost_model=cost_models.get(card.id),
                )
                offer = _offer(ctx, request)
                if best is None or offer.lines[0].total_eur < best[0].lines[0].total_eur:
                    best = (offer, list(estimate.findings))
            if best is None:
                # one reason per distinct cause
                seen: set[str] = set()
                for code, msg in zip(machine_why.codes, machine_why.messages, strict=True):
                    if msg not in seen:
                        seen.add(msg)
                        why.add(code, msg)
                continue
            for f in best[1]:
                dfm.setdefault((f.code, f.message), f)
            offers.append(best[0])
            made = True
        if not made:
            ineligible.append(Ineligible(card.id, card.name, why.messages, why.codes))
    return offers, ineligible, list(dfm.values())


@cache
def _accepts_overrides(fn: Callable[..., Any]) -> bool:
    try:
        return "overrides" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def _call_model(fn: Callable[..., Any], features: PartFeatures, material: Material, machine_class: str,
                overrides: Mapping[str, Any]) -> Any:
    """Call a process model's check/estimate, passing the card's DFM overrides where it accepts them."""
    underlying = getattr(fn, "__func__", fn)
    if overrides and _accepts_overrides(underlying):
        return fn(features, material, machine_class, overrides=dict(overrides))
    return fn(features, material, machine_class)


def sort_offers(offers: Sequence[Offer], sort_by: str = "price") -> list[Offer]:
    """Offers best first by ``sort_by`` (at the first quantity), ties broken by price then workshop id."""
    keys: dict[str, Callable[[Offer], float]] = {
        "price": lambda o: o.lines[0].total_eur,
        "lead_time": lambda o: o.lines[0].lead_time_days,
        "distance": lambda o: o.distance_km if o.distance_km is not None else math.inf,
        "co2": lambda o: o.lines[0].co2_kg,
    }
    key = keys[sort_by]
    return sorted(offers, key=lambda o: (key(o), o.lines[0].total_eur, o.workshop_id, o.process))


def process_choice(offers: Sequence[Offer], request: QuoteRequest) -> list[ProcessChoice]:
    """Per quantity: the lowest total of each process over the workshops, and the cheapest process."""
    out: list[ProcessChoice] = []
    for i, q in enumerate(request.quantities):
        by_process: dict[str, tuple[float, str]] = {}
        for o in offers:
            line = o.lines[i]
            cur = by_process.get(o.process)
            if cur is None or (line.total_eur, o.workshop_id) < cur:
                by_process[o.process] = (line.total_eur, o.workshop_id)
        if not by_process:
            continue
        process, (total, workshop) = min(by_process.items(), key=lambda kv: (kv[1], kv[0]))
        out.append(ProcessChoice(q, process, workshop, total, {p: v[0] for p, v in sorted(by_process.items())}))
    return out


def quote_file(
    source: str | os.PathLike[str] | bytes,
    request: QuoteRequest,
    filename: str = "part",
    workshops: Sequence[RateCard] | None = None,
    now: dt.datetime | None = None,
    *,
    cost_models: Mapping[str, object] | None = None,
) -> tuple[PartFeatures, Quote]:
    """The service function: load a CAD file (path or bytes), measure it, quote it.

    A file with several solids (``geometry.split_solids``) is quoted as a kit:
    each distinct solid is quoted on its own at quantity x its count in the file
    (``Quote.components``), and the top-level offers are kit offers, one per
    workshop that can make every solid, whose lines (one per requested number
    of kits) add up the cheapest offer of that workshop for each solid. Each
    solid is its own order line, so minimum order and shipping count once per
    solid (a conservative price). The returned features are the whole file's.
    """
    validate_request(request)
    measured = measure(source, filename=filename if isinstance(source, bytes) else None, units=request.units,
                       thickness_mm=request.thickness_mm)
    return measured.features, quote_components(measured.features, list(measured.components), request, workshops,
                                               now, cost_models=cost_models)


def quote_components(
    whole: PartFeatures,
    components: Sequence[tuple[PartFeatures, int]],
    request: QuoteRequest,
    workshops: Sequence[RateCard] | None = None,
    now: dt.datetime | None = None,
    *,
    cost_models: Mapping[str, object] | None = None,
) -> Quote:
    """Quote a measured file: as one part, or as a kit of its distinct solids.

    ``components`` are the features of each distinct solid with its count in the
    file (``geometry.split_solids`` then ``extract``); empty, or one solid once,
    quotes ``whole`` as one part. Otherwise each solid is quoted at quantity x
    count (``Quote.components``) and the top-level offers are kit offers (see
    ``quote_file``). The CLI and the HTTP API (which measures in a worker
    process) both come here.
    """
    validate_request(request)
    now = now or dt.datetime.now(dt.UTC)
    cards = tuple(workshops) if workshops is not None else load_workshops()
    if not components or (len(components) == 1 and components[0][1] == 1):
        return quote(whole, request, cards, now, cost_models=cost_models)
    parts: list[Component] = []
    sub_quotes: list[Quote] = []
    for index, (sub, count) in enumerate(components):
        sub_request = replace(request, quantities=tuple(min(q * count, MAX_QUANTITY) for q in request.quantities))
        sub_quote = quote(sub, sub_request, cards, now, cost_models=cost_models)
        sub_quotes.append(sub_quote)
        parts.append(Component(index, count, sub_quote.part, sub_quote.offers, sub_quote.ineligible,
                               sub_quote.dfm))
    offers, ineligible = _kit_offers(parts, cards, request)
    first = sub_quotes[0]
    dfm: dict[tuple[str, str], Finding] = {}
    for sq in sub_quotes:
        for f in sq.dfm:
            dfm.setdefault((f.code, f.message), f)
    offers = _flag_best(sort_offers(offers, request.sort_by))
    return replace(
        first, part=part_summary(whole), request=request, components=parts, offers=offers,
        ineligible=ineligible, dfm=list(dfm.values()),
        process_choice=process_choice(offers, request) if request.process is None else [],
    )


def _kit_offers(components: Sequence[Component], cards: Sequence[RateCard],
                request: QuoteRequest) -> tuple[list[Offer], list[Ineligible]]:
    """One offer per workshop able to make every solid: per kit quantity, the sum of its cheapest offers."""
    offers: list[Offer] = []
    ineligible: list[Ineligible] = []
    for card in cards:
        chosen: list[Offer] = []
        why = _Reasons([], [])
        for comp in components:
            mine = [o for o in comp.offers if o.workshop_id == card.id]
            if mine:
                chosen.append(min(mine, key=lambda o: (o.lines[0].total_eur, o.process)))
                continue
            for item in comp.ineligible:
                if item.workshop_id == card.id:
                    for code, msg in zip(item.codes or ["not_eligible"] * len(item.reasons), item.reasons,
                                         strict=True):
                        why.add(code, f"solid {comp.index}: {msg}")
        if why.codes or len(chosen) != len(components):
            ineligible.append(Ineligible(card.id, card.name, why.messages, why.codes))
            continue
        lines = [_sum_lines([o.lines[i] for o in chosen], q) for i, q in enumerate(request.quantities)]
        head = chosen[0]
        offers.append(replace(
            head,
            process="+".join(dict.fromkeys(o.process for o in chosen)),
            machine_class="+".join(dict.fromkeys(o.machine_class for o in chosen)),
            machine="+".join(dict.fromkeys(o.machine for o in chosen)),
            lines=lines,
            operations=[op for o in chosen for op in o.operations],
            stock="; ".join(f"solid {c.index} x{c.count}: {o.stock}" for c, o in zip(components, chosen,
                                                                                     strict=True)),
            findings=[f for o in chosen for f in o.findings],
            assumptions=list(dict.fromkeys(a for o in chosen for a in o.assumptions)),
            calibrated=all(o.calibrated for o in chosen),
            best_for=[],
        ))
    return offers, ineligible


def _sum_lines(lines: Sequence[QuoteLine], kits: int) -> QuoteLine:
    """One kit line from the component lines: money and CO2 add up, dates and days take the latest."""
    items: dict[str, int] = {}
    details: dict[str, list[str]] = {}
    for line in lines:
        for b in line.breakdown:
            items[b.item] = items.get(b.item, 0) + round(b.amount_eur * 100)
            if b.detail:
                details.setdefault(b.item, []).append(b.detail)
    total_cents = sum(items.values())
    breakdown = [BreakdownLine(k, v / 100, " | ".join(details.get(k, []))) for k, v in items.items()]
    co2: dict[str, float] = {}
    days: dict[str, int] = {}
    for line in lines:
        for k, v in line.co2_detail.items():
            co2[k] = round(co2.get(k, 0.0) + v, 3)
        for k, d in line.lead_time_detail.items():
            days[k] = max(days.get(k, 0), d)
    needs = [line.meets_need_by for line in lines]
    return QuoteLine(
        quantity=kits,
        unit_price_eur=round_eur(total_cents / 100 / kits),
        total_eur=total_cents / 100,
        breakdown=breakdown,
        interval=Interval(round_eur(sum(line.interval.low_eur for line in lines)),
                          round_eur(sum(line.interval.high_eur for line in lines)),
                          level=min(line.interval.level for line in lines),
                          method="sum of the solids' intervals: " + lines[0].interval.method),
        lead_time_days=max(line.lead_time_days for line in lines),
        ship_date=max(line.ship_date for line in lines),
        delivery_date=max(line.delivery_date for line in lines),
        co2_kg=round(sum(line.co2_kg for line in lines), 3),
        tier=lines[0].tier,
        lead_time_detail=days,
        co2_detail=co2,
        machine_h=round(sum(line.machine_h for line in lines), 3),
        meets_need_by=None if needs[0] is None else all(bool(n) for n in needs),
    )


def _offer(ctx: PricingContext, request: QuoteRequest) -> Offer:
    estimate: ProcessEstimate = ctx.estimate
    card, machine = ctx.card, ctx.rates_machine
    model = ctx.cost_model
    return Offer(
        workshop_id=card.id,
        workshop_name=card.name,
        city=card.location.city,
        process=estimate.process.value,
        machine_class=estimate.machine_class,
        material=ctx.material.key,
        lines=[price_line(ctx, q).line for q in request.quantities],
        operations=[OperationSummary(op.name, round(op.time_min, 2), op.per_batch, op.inputs)
                    for op in estimate.operations],
        stock=estimate.stock.description,
        distance_km=round(ctx.distance_km, 1) if ctx.distance_km is not None else None,
        findings=list(estimate.findings),
        assumptions=list(estimate.assumptions),
        ratecard_hash=card.version_hash,
        calibrated=model is not None,
        demo=card.demo,
        machine=_machine_label(machine),
        model_version=str(getattr(model, "version", getattr(model, "model_version", ""))) if model else "",
    )


def _flag_best(offers: list[Offer]) -> list[Offer]:
    if not offers:
        return offers
    criteria: dict[str, Callable[[Offer], float]] = {
        "price": lambda o: o.lines[0].total_eur,
        "lead_time": lambda o: o.lines[0].lead_time_days,
        "co2": lambda o: o.lines[0].co2_kg,
    }
    if all(o.distance_km is not None for o in offers):
        criteria["distance"] = lambda o: o.distance_km  # type: ignore[assignment, return-value]
    best: dict[int, list[str]] = {}
    for name, key in criteria.items():
        i = min(range(len(offers)), key=lambda k: (key(offers[k]), offers[k].lines[0].total_eur, k))
        best.setdefault(i, []).append(name)
    return [replace(o, best_for=best.get(i, [])) for i, o in enumerate(offers)]


def _machine_label(machine: Machine) -> str:
    return machine.name or machine.machine_class
