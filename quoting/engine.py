"""The quote engine: one part, every workshop, offers and reasons.

``quote`` prices measured features; ``quote_file`` is the service function the
CLI calls (load, measure, price); ``quote_components`` prices a measured file,
one part or a kit of distinct solids (``quote_file`` and the HTTP API share it).
Each takes a request built by ``QuoteRequest.parse`` and checks nothing again.

Which workshop can make the part, and its offers: ``quoting.offers``; kits of
several solids: ``quoting.kits``. The same features, request and versions
(rate-card hashes, data files, feature schema, cost models) give the same prices.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version

from geometry import measure
from geometry.features import FEATURES_SCHEMA, PartFeatures
from geometry.findings import Finding
from quoting.cost_drivers import cost_drivers
from quoting.driver_records import CostDriver
from quoting.kits import kit_offers
from quoting.money import to_cents
from quoting.offers import EstimateMemo, Inquiry, workshop_offers
from quoting.pricing import CostModel
from quoting.process_kinds import SortKey
from quoting.quote import Component, Offer, PartSummary, ProcessChoice, Quote
from quoting.ratecard import RateCard
from quoting.request import QuoteRequest
from quoting.workshops import load_workshops

_DATA_FILES = ("pricing.toml", "materials.toml", "processes.toml", "cutting.toml", "finishes.toml", "dfm.toml",
               "cost_drivers.toml")
#: how each sort key measures an offer (at the first quantity); lower is better
_CRITERIA: dict[SortKey, Callable[[Offer], float]] = {
    SortKey.PRICE: lambda o: o.lines[0].total_eur,
    SortKey.LEAD_TIME: lambda o: o.lines[0].lead_time_days,
    SortKey.DISTANCE: lambda o: o.distance_km if o.distance_km is not None else math.inf,
    SortKey.CO2: lambda o: o.lines[0].co2_kg,
}
#: the order of ``Offer.best_for`` (distance only when every offer has one)
_BEST_FOR = (SortKey.PRICE, SortKey.LEAD_TIME, SortKey.CO2, SortKey.DISTANCE)


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


def quote(
    features: PartFeatures,
    request: QuoteRequest,
    workshops: Sequence[RateCard] | None = None,
    now: dt.datetime | None = None,
    *,
    cost_models: Mapping[str, CostModel] | None = None,
    memo: EstimateMemo | None = None,
) -> Quote:
    """Offers from every workshop able to make the part, and the reasons of the others.

    ``cost_models`` maps a workshop id to a learned model with
    ``predict(features, context, rule_total_eur) -> (total_eur, low_eur, high_eur, level)``;
    its offers get a ``calibration`` breakdown line and the model's interval.
    ``memo`` keeps the process estimates and priced lines of a part across quotes (a server re-quoting
    stored parts).
    """
    now = now or dt.datetime.now(dt.UTC)
    cards = tuple(workshops) if workshops is not None else load_workshops()
    inquiry = Inquiry(features, request, now.date(), cost_models or {}, memo.of(features) if memo else {},
                      memo.lines(features) if memo else None)
    offers, ineligible, dfm = workshop_offers(inquiry, cards)
    days = {c.id: c.commercial.validity_days for c in cards}
    ranked = sort_offers(offers, request.sort_by)
    offers = [replace(o, valid_until=now + dt.timedelta(days=days[o.workshop_id]), best_for=best)
              for o, best in zip(ranked, best_flags(ranked), strict=True)]
    validity = min(days.values(), default=30)  # no offer: the shortest validity of all
    drivers: list[CostDriver] = []
    if request.cost_drivers:  # one re-pricing per relaxation, by the same workshops: what the buyer would see
        drivers = cost_drivers(features, request, offers, lambda f, r: workshop_offers(
            Inquiry(f, r, now.date(), cost_models or {}, memo.of(f) if memo and f is features else {},
                    memo.lines(f) if memo and f is features else None), cards)[0])
    return Quote(
        id=uuid.uuid4().hex,
        created_at=now,
        valid_until=min((o.valid_until for o in offers if o.valid_until), default=now + dt.timedelta(days=validity)),
        request=request,
        part=part_summary(features),
        offers=offers,
        ineligible=ineligible,
        dfm=dfm,
        versions=versions(cards, offers),
        process_choice=process_choice(offers, request.quantities) if request.process is None else [],
        cost_drivers=drivers,
    )


def versions(cards: Sequence[RateCard], offers: Sequence[Offer]) -> dict[str, str]:
    """What a quote's prices depend on: code, feature schema, rate cards, data files, cost models."""
    cards_hash = hashlib.sha256("".join(sorted(c.version_hash for c in cards)).encode()).hexdigest()
    used_models = sorted({f"{o.workshop_id}:{o.model_version}" for o in offers if o.calibrated})
    return {
        "microfab": microfab_version(),
        "features_schema": FEATURES_SCHEMA,
        "ratecards_sha256": cards_hash,
        "data_sha256": data_version(),
        "cost_model": ",".join(used_models) if used_models else "rule-based",
    }


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


def sort_offers(offers: Sequence[Offer], sort_by: SortKey = SortKey.PRICE) -> list[Offer]:
    """Offers best first by ``sort_by`` (at the first quantity), ties broken by price then workshop id."""
    key = _CRITERIA[sort_by]
    return sorted(offers, key=lambda o: (key(o), o.lines[0].total_eur, o.workshop_id, o.process))


def flag_best(offers: list[Offer]) -> list[Offer]:
    """Each offer with the criteria (price, lead_time, co2, distance) on which it is the best."""
    return [replace(o, best_for=best) for o, best in zip(offers, best_flags(offers), strict=True)]


def best_flags(offers: Sequence[Offer]) -> list[list[str]]:
    """Per offer, the criteria (price, lead_time, co2, distance) on which it is the best."""
    if not offers:
        return []
    criteria = [k for k in _BEST_FOR if k is not SortKey.DISTANCE or all(o.distance_km is not None for o in offers)]
    best: dict[int, list[str]] = {}
    for name in criteria:
        key = _CRITERIA[name]
        i = min(range(len(offers)), key=lambda k: (key(offers[k]), offers[k].lines[0].total_eur, k))
        best.setdefault(i, []).append(name)
    return [best.get(i, []) for i in range(len(offers))]


def process_choice(offers: Sequence[Offer], quantities: Sequence[int]) -> list[ProcessChoice]:
    """Per quantity: the lowest total of each process over the workshops, and the cheapest process."""
    out: list[ProcessChoice] = []
    for i, q in enumerate(quantities):
        by_process: dict[str, tuple[float, str]] = {}
        for o in offers:
            line = o.lines[i]
            cur = by_process.get(o.process)
            if cur is None or (line.total_eur, o.workshop_id) < cur:
                by_process[o.process] = (line.total_eur, o.workshop_id)
        if not by_process:
            continue
        process, (total, workshop) = min(by_process.items(), key=lambda kv: (kv[1], kv[0]))
        by_cents = {p: to_cents(v[0]) for p, v in sorted(by_process.items())}
        out.append(ProcessChoice(q, process, workshop, total, {p: v[0] for p, v in sorted(by_process.items())},
                                 total_cents=to_cents(total), by_process_cents=by_cents))
    return out


def quote_file(
    source: str | os.PathLike[str] | bytes,
    request: QuoteRequest,
    filename: str = "part",
    workshops: Sequence[RateCard] | None = None,
    now: dt.datetime | None = None,
    *,
    cost_models: Mapping[str, CostModel] | None = None,
) -> tuple[PartFeatures, Quote]:
    """The service function: load a CAD file (path or bytes), measure it, quote it.

    A file with several solids (``geometry.split_solids``) is quoted as a kit
    (see ``quote_components`` and ``quoting.kits``). The returned features are
    the whole file's.
    """
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
    cost_models: Mapping[str, CostModel] | None = None,
    memo: EstimateMemo | None = None,
) -> Quote:
    """Quote a measured file: as one part, or as a kit of its distinct solids.

    ``components`` are the features of each distinct solid with its count in the
    file (``geometry.split_solids`` then ``extract``); empty, or one solid once,
    quotes ``whole`` as one part. Otherwise each solid is quoted at quantity x
    count (``Quote.components``) and the top-level offers are kit offers, one per
    workshop that can make every solid (``quoting.kits``). The CLI and the HTTP
    API (which measures in a worker process) both come here.
    """
    now = now or dt.datetime.now(dt.UTC)
    cards = tuple(workshops) if workshops is not None else load_workshops()
    if not components or (len(components) == 1 and components[0][1] == 1):
        return quote(whole, request, cards, now, cost_models=cost_models, memo=memo)
    parts: list[Component] = []
    dfm: dict[tuple[str, str], Finding] = {}
    first: Quote | None = None
    for index, (sub, count) in enumerate(components):
        sub_quote = quote(sub, replace(request.per_kit(count), cost_drivers=False), cards, now,
                          cost_models=cost_models, memo=memo)  # cost drivers of kits: not computed yet
        first = first or sub_quote
        parts.append(Component(index, count, sub_quote.part, sub_quote.offers, sub_quote.ineligible,
                               sub_quote.dfm))
        for f in sub_quote.dfm:
            dfm.setdefault((f.code, f.message), f)
    assert first is not None
    offers, ineligible = kit_offers(parts, cards, request.quantities)
    offers = flag_best(sort_offers(offers, request.sort_by))
    return replace(
        first, part=part_summary(whole), request=request, components=parts, offers=offers,
        ineligible=ineligible, dfm=list(dfm.values()),
        process_choice=process_choice(offers, request.quantities) if request.process is None else [],
    )


__all__ = [
    "best_flags",
    "data_version",
    "flag_best",
    "microfab_version",
    "part_summary",
    "process_choice",
    "quote",
    "quote_components",
    "quote_file",
    "sort_offers",
    "versions",
]
