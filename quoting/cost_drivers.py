"""Cost drivers: what each feature of the part adds to its price, computed by re-pricing it relaxed.

``cost_drivers(features, request, offers, reprice)`` tries the relaxations of
``quoting/data/cost_drivers.toml`` (``quoting.driver_rules``) that apply to the part, at most
``max_relaxations`` of them, re-prices each relaxed part through ``reprice`` (the engine's own
offers function, bound to the same workshops, rate cards, cost models and date) and keeps the
drivers whose saving reaches ``min_fraction`` of the price at some quantity. The saving at a
quantity is the lowest total over the offers now minus the lowest total after the change, and the
same per process: what the buyer would see at the top of the list after changing the part.

The engine computes them when the request asks (``QuoteRequest.cost_drivers``): they cost one
re-pricing each (no measuring).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from geometry.features import PartFeatures
from quoting.data_files import read_data
from quoting.driver_records import CostDriver, DriverKind, DriverSaving
from quoting.driver_rules import PARAMETERS, RULES, Relaxation, Row
from quoting.errors import DataFileError
from quoting.money import to_cents
from quoting.quote import Offer
from quoting.request import QuoteRequest

#: re-prices a part: the offers of the same workshops for these features and this request
Repricer = Callable[[PartFeatures, QuoteRequest], Sequence[Offer]]


@dataclass(frozen=True)
class DriverTable:
    """``quoting/data/cost_drivers.toml``: the relaxation rows in order and the two bounds."""

    rows: tuple[tuple[DriverKind, Row], ...]
    #: the most re-pricings one quote does for its drivers
    max_relaxations: int
    #: savings below this fraction of the price (at every quantity) are left out
    min_fraction: float


@cache
def driver_table() -> DriverTable:
    """The table of ``quoting/data/cost_drivers.toml``, checked (``DataFileError`` names what is wrong)."""
    return parse_table(read_data("cost_drivers.toml"))


def parse_table(data: Mapping[str, Any]) -> DriverTable:
    """A ``DriverTable`` from the parsed TOML: known kinds with their parameters, sane bounds."""
    where = "quoting/data/cost_drivers.toml"
    try:
        bound, bar = int(data["max_relaxations"]), float(data["min_fraction"])
        rows = tuple((DriverKind(str(row["kind"])), row) for row in data["relaxation"])
    except (KeyError, TypeError, ValueError) as err:
        raise DataFileError(f"{where}: {err!r}: give max_relaxations, min_fraction and [[relaxation]] rows "
                            f"whose kind is one of {', '.join(DriverKind)}") from err
    if bound < 0 or not 0.0 <= bar < 1.0:
        raise DataFileError(f"{where}: max_relaxations must be >= 0 and min_fraction in [0, 1)")
    for kind, row in rows:
        missing = [name for name in PARAMETERS.get(kind, ()) if name not in row]
        if missing:
            raise DataFileError(f"{where}: the {kind} row lacks {', '.join(missing)}")
    return DriverTable(rows, bound, bar)


def relaxations(features: PartFeatures, request: QuoteRequest, table: DriverTable | None = None) -> list[Relaxation]:
    """The relaxations that apply to this part and request, in table order, at most ``max_relaxations``."""
    table = table or driver_table()
    plain = request
    if request.cost_drivers:  # the relaxed requests ask for no drivers of their own
        plain = replace(request, cost_drivers=False)
        object.__setattr__(plain, "material_record", request.material_record)
    out: list[Relaxation] = []
    for kind, row in table.rows:
        if len(out) >= table.max_relaxations:
            break
        relaxed = RULES[kind](features, plain, row)
        if relaxed is not None:
            out.append(_distinct(relaxed))
    return out


def _distinct(relaxed: Relaxation) -> Relaxation:
    """The relaxed part under a source hash of its own: a cache keyed by the file's hash never mixes them up."""
    source = relaxed.features.source
    digest = hashlib.sha256(f"{source.sha256}|{relaxed.kind}|{relaxed.change}".encode()).hexdigest()
    return replace(relaxed, features=replace(relaxed.features, source=replace(source, sha256=digest)))


def cost_drivers(
    features: PartFeatures,
    request: QuoteRequest,
    offers: Sequence[Offer],
    reprice: Repricer,
    table: DriverTable | None = None,
) -> list[CostDriver]:
    """The drivers of this part's price, biggest saving (at the first quantity) first."""
    if not offers:
        return []
    table = table or driver_table()
    drivers: list[CostDriver] = []
    for relaxed in relaxations(features, request, table):
        savings = compare(offers, reprice(relaxed.features, relaxed.request), request.quantities)
        if savings and max(s.delta_fraction for s in savings) >= table.min_fraction:
            drivers.append(CostDriver(relaxed.kind, relaxed.what, relaxed.change, relaxed.location, savings))
    return sorted(drivers, key=lambda d: (-d.savings[0].delta_cents, d.kind.value))


def _lowest(offers: Sequence[Offer], index: int) -> tuple[int | None, dict[str, int]]:
    """The lowest total over the offers at quantity ``index`` [cents], and per process."""
    by_process: dict[str, int] = {}
    for o in offers:
        cents = to_cents(o.lines[index].total_eur)
        key = str(o.process)
        by_process[key] = min(cents, by_process.get(key, cents))
    return (min(by_process.values()) if by_process else None), by_process


def compare(before: Sequence[Offer], after: Sequence[Offer], quantities: Sequence[int]) -> list[DriverSaving]:
    """Per quantity: the lowest total before and after, their difference, and per process."""
    out: list[DriverSaving] = []
    for i, quantity in enumerate(quantities):
        total, processes = _lowest(before, i)
        relaxed, relaxed_processes = _lowest(after, i)
        if total is None or relaxed is None or total <= 0:
            return []
        by_process = {p: c - relaxed_processes[p] for p, c in sorted(processes.items()) if p in relaxed_processes}
        delta = total - relaxed
        out.append(DriverSaving(
            quantity=quantity, total_cents=total, relaxed_total_cents=relaxed, delta_cents=delta,
            delta_eur=delta / 100, delta_fraction=round(delta / total, 6), by_process_cents=by_process,
            by_process_eur={p: c / 100 for p, c in by_process.items()},
        ))
    return out


__all__ = ["DriverTable", "Repricer", "compare", "cost_drivers", "driver_table", "parse_table", "relaxations"]
