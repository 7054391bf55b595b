"""The quote engine: one part, every workshop, offers and reasons.

``quote`` prices measured features; ``quote_file`` is the service function the
CLI and the HTTP API call (load, measure, price).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from geometry import extract, load, load_bytes
from geometry.errors import InvalidRequestError, NotManufacturableError
from geometry.features import FEATURES_SCHEMA, PartFeatures
from geometry.findings import Finding
from quoting.geo import great_circle_km
from quoting.materials import get_material
from quoting.pricing import PricingContext, price_line
from quoting.process_kinds import Process
from quoting.processes import ProcessEstimate, process_models
from quoting.quote import Ineligible, Offer, OperationSummary, PartSummary, Quote, QuoteRequest
from quoting.ratecard import RateCard
from quoting.workshops import load_workshops

MAX_QUANTITY = 1_000_000


def microfab_version() -> str:
    try:
        return version("microfab")
    except PackageNotFoundError:
        return "0+unknown"


def validate_request(request: QuoteRequest) -> None:
    if not request.quantities:
        raise InvalidRequestError("give at least one quantity, e.g. --qty 1,10,100", field="quantities")
    for q in request.quantities:
        if not isinstance(q, int) or q < 1 or q > MAX_QUANTITY:
            raise InvalidRequestError(
                f"quantity {q!r} is not a whole number between 1 and {MAX_QUANTITY}", field="quantities"
            )
    if request.ship_to is not None:
        lat, lon = request.ship_to
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise InvalidRequestError(f"ship_to {request.ship_to!r} is not a latitude,longitude pair", field="ship_to")
    get_material(request.material)
    if request.process is not None:
        Process.parse(request.process)


def quote(
    features: PartFeatures,
    request: QuoteRequest,
    workshops: Sequence[RateCard] | None = None,
    now: dt.datetime | None = None,
) -> Quote:
    """Offers from every workshop able to make the part, and the reasons of the others."""
    validate_request(request)
    now = now or dt.datetime.now(dt.UTC)
    cards = tuple(workshops) if workshops is not None else load_workshops()
    material = get_material(request.material)
    wanted = Process.parse(request.process) if request.process else None
    models = process_models()
    part_mass_kg = (features.volume_mm3 or 0.0) * material.density_kg_mm3

    offers: list[Offer] = []
    ineligible: list[Ineligible] = []
    dfm: dict[tuple[str, str], Finding] = {(f.code, f.message): f for f in features.findings}
    for card in cards:
        reasons: list[str] = []
        distance = (
            great_circle_km(card.location.lat, card.location.lon, *request.ship_to) if request.ship_to else None
        )
        if distance is not None and card.commercial.max_distance_km and distance > card.commercial.max_distance_km:
            ineligible.append(Ineligible(card.id, card.name, [
                f"too far: {distance:.0f} km, the workshop ships up to {card.commercial.max_distance_km:.0f} km"]))
            continue
        if material.key not in card.materials:
            ineligible.append(Ineligible(card.id, card.name, [f"material not stocked: {material.name}"]))
            continue
        processes = [wanted] if wanted else list(card.processes)
        made = False
        for process in processes:
            if process not in card.processes:
                reasons.append(f"process not offered: {process.value}")
                continue
            model = models.get(process)
            if model is None:
                reasons.append(f"{process.value}: microfab cannot estimate this process yet")
                continue
            rates = card.processes[process]
            if not _fits(features.bbox_mm, rates.envelope_mm):
                reasons.append(
                    f"{process.value}: part {_dims(features.bbox_mm)} mm is outside the machine envelope "
                    f"{_dims(rates.envelope_mm)} mm"
                )
                continue
            try:
                estimate = model.estimate(features, material, rates.machine_class)
            except NotManufacturableError as err:
                reasons.append(f"{process.value}: {err.message}")
                for f in model.check(features, material, rates.machine_class):
                    dfm.setdefault((f.code, f.message), f)
                continue
            for f in estimate.findings:
                dfm.setdefault((f.code, f.message), f)
            offers.append(_offer(card, estimate, material, part_mass_kg, distance, request, now.date()))
            made = True
        if not made:
            ineligible.append(Ineligible(card.id, card.name, reasons))

    offers.sort(key=lambda o: (o.lines[0].total_eur, o.workshop_id))
    offers = _flag_best(offers)
    validity = min((c.commercial.validity_days for c in cards), default=30)
    cards_hash = hashlib.sha256("".join(sorted(c.version_hash for c in cards)).encode()).hexdigest()
    return Quote(
        id=uuid.uuid4().hex,
        created_at=now,
        valid_until=now + dt.timedelta(days=validity),
        request=request,
        part=PartSummary(
            filename=features.source.filename,
            sha256=features.source.sha256,
            format=features.source.format.value,
            units=features.source.units,
            units_source=features.source.units_source,
            bbox_mm=features.bbox_mm,
            volume_mm3=features.volume_mm3,
            area_mm2=features.area_mm2,
        ),
        offers=offers,
        ineligible=ineligible,
        dfm=list(dfm.values()),
        versions={
            "microfab": microfab_version(),
            "features_schema": FEATURES_SCHEMA,
            "ratecards_sha256": cards_hash,
            "cost_model": "rule-based",
        },
    )


def quote_file(
    source: str | os.PathLike[str] | bytes,
    request: QuoteRequest,
    filename: str = "part",
    workshops: Sequence[RateCard] | None = None,
    now: dt.datetime | None = None,
) -> tuple[PartFeatures, Quote]:
    """The service function: load a CAD file (path or bytes), measure it, quote it."""
    validate_request(request)
    if isinstance(source, bytes):
        part = load_bytes(source, filename, units=request.units)
    else:
        part = load(Path(source), units=request.units)
    features = extract(part)
    return features, quote(features, request, workshops, now)


def _offer(
    card: RateCard,
    estimate: ProcessEstimate,
    material,
    part_mass_kg: float,
    distance: float | None,
    request: QuoteRequest,
    today: dt.date,
) -> Offer:
    ctx = PricingContext(card, estimate, material, part_mass_kg, distance, today)
    return Offer(
        workshop_id=card.id,
        workshop_name=card.name,
        city=card.location.city,
        process=estimate.process.value,
        machine_class=estimate.machine_class,
        material=material.key,
        lines=[price_line(ctx, q) for q in request.quantities],
        operations=[OperationSummary(op.name, round(op.time_min, 2), op.per_batch, op.inputs)
                    for op in estimate.operations],
        stock=estimate.stock.description,
        distance_km=round(distance, 1) if distance is not None else None,
        findings=list(estimate.findings),
        assumptions=list(estimate.assumptions),
        ratecard_hash=card.version_hash,
        demo=card.demo,
    )


def _flag_best(offers: list[Offer]) -> list[Offer]:
    from dataclasses import replace

    if not offers:
        return offers
    criteria = {
        "price": lambda o: o.lines[0].total_eur,
        "lead_time": lambda o: o.lines[0].lead_time_days,
        "co2": lambda o: o.lines[0].co2_kg,
    }
    if all(o.distance_km is not None for o in offers):
        criteria["distance"] = lambda o: o.distance_km
    best: dict[int, list[str]] = {}
    for name, key in criteria.items():
        i = min(range(len(offers)), key=lambda k: (key(offers[k]), k))
        best.setdefault(i, []).append(name)
    return [replace(o, best_for=best.get(i, [])) for i, o in enumerate(offers)]


def _fits(part_mm: Sequence[float], envelope_mm: Sequence[float]) -> bool:
    """Whether a box fits the envelope in some axis-aligned orientation."""
    return all(p <= e for p, e in zip(sorted(part_mm), sorted(envelope_mm), strict=True))


def _dims(d: Sequence[float]) -> str:
    return " x ".join(f"{x:.0f}" for x in d)
