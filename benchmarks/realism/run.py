"""Run the realism cases through microfab and compare with the published figures."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass
from functools import cache

from benchmarks.realism.cases import CASES, Case, Kind
from benchmarks.realism.parts import BUILDERS, step_bytes
from geometry.features import PartFeatures
from geometry.measure import measure
from quoting.engine import quote
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import process_models
from quoting.request import QuoteRequest

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
#: Targets of issue 13
#: operations that cut (machining time as machinability tables and cycle times count it)
CUTTING = ("roughing", "finishing", "five_axis_finishing", "drill_", "tap_")
QTY1_LIMIT = 3.0
QTY10_LIMIT = 2.0
FAMILY_MEDIAN = (0.75, 1.33)


@dataclass(frozen=True)
class Result:
    case: Case
    cheapest: float | None
    median: float | None
    #: the order minimum of the cheapest offer (its own breakdown line), EUR per unit; unit prices
    #: exclude it and shipping (published unit prices exclude both)
    minimum: float
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if self.median is None else self.median / self.case.published

    @property
    def ok(self) -> bool:
        r = self.ratio
        if r is None:
            return False
        limit = QTY1_LIMIT if self.case.kind is Kind.PRICE and self.case.quantity < 10 else QTY10_LIMIT
        return 1 / limit <= r <= limit


@cache
def features(part: str) -> PartFeatures:
    return measure(step_bytes(BUILDERS[part]()), filename=f"{part}.step").features


def _price(case: Case) -> Result:
    request = QuoteRequest.parse(material=case.material, quantities=(case.quantity,), process=case.process)
    offers = quote(features(case.part), request, now=NOW).offers
    if not offers:
        return Result(case, None, None, 0.0, "no offer")
    units = []
    minimums = []
    for o in offers:
        line = o.lines[0]
        minimum = sum(b.amount_eur for b in line.breakdown if b.item == "minimum_order") / case.quantity
        shipping = sum(b.amount_eur for b in line.breakdown if b.item == "shipping") / case.quantity
        units.append(line.unit_price_eur - minimum - shipping)
        minimums.append(minimum)
    best = min(range(len(units)), key=units.__getitem__)
    return Result(case, units[best], statistics.median(units), minimums[best])


def _cutting_min(case: Case, material: str) -> float:
    model = process_models()[Process(case.process)]
    est = model.estimate(features(case.part), get_material(material), "3axis")
    return sum(op.time_min for op in est.operations if op.name.startswith(CUTTING))


def run_case(case: Case) -> Result:
    if case.kind is Kind.PRICE:
        return _price(case)
    if case.kind is Kind.MINUTES:
        minutes = _cutting_min(case, case.material)
        return Result(case, minutes, minutes, 0.0)
    ratio = _cutting_min(case, case.material) / _cutting_min(case, "al6061")
    return Result(case, ratio, ratio, 0.0)


def run() -> list[Result]:
    return [run_case(c) for c in CASES]


def family_stats(results: list[Result]) -> dict[str, tuple[float, float, float]]:
    """Per family: (median ratio, median |log ratio|, worst |log ratio|)."""
    out: dict[str, tuple[float, float, float]] = {}
    for family in sorted({r.case.family for r in results}):
        ratios = [r.ratio for r in results if r.case.family == family and r.ratio is not None]
        logs = [abs(math.log(x)) for x in ratios]
        if ratios:
            out[family] = (statistics.median(ratios), statistics.median(logs), max(logs))
    return out


def table(results: list[Result]) -> str:
    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:9.2f}"

    lines = [f"{'case':36s} {'unit':>5s} {'published':>9s} {'cheapest':>9s} {'median':>9s} {'min.ord':>8s}"
             f" {'ratio':>6s}  ok  source"]
    for r in results:
        c = r.case
        ratio = "-" if r.ratio is None else f"{r.ratio:6.2f}"
        lines.append(f"{c.name:36s} {c.kind.value:>5s} {c.published:9.2f} {num(r.cheapest)} {num(r.median)}"
                     f" {r.minimum:8.2f} {ratio:>6s}  {'yes' if r.ok else 'NO '} {c.source.url} {r.note}")
    lines.append("")
    lines.append(f"targets: every case within {1 / QTY10_LIMIT:.2g}x-{QTY10_LIMIT:g}x at quantity >= 10, within "
                 f"{QTY1_LIMIT:g}x at quantity 1 (order minimum shown apart); family median ratio within "
                 f"{FAMILY_MEDIAN[0]}x-{FAMILY_MEDIAN[1]}x")
    lines.append(f"{'family':8s} {'median ratio':>12s} {'median |log|':>12s} {'worst |log|':>12s}  target met")
    for family, (med, mlog, worst) in family_stats(results).items():
        fam_ok = FAMILY_MEDIAN[0] <= med <= FAMILY_MEDIAN[1]
        lines.append(f"{family:8s} {med:12.2f} {mlog:12.2f} {worst:12.2f}  {'yes' if fam_ok else 'NO'}")
    passed = sum(r.ok for r in results)
    lines.append(f"{passed}/{len(results)} cases within their bound")
    return "\n".join(lines)


def markdown(results: list[Result]) -> str:
    """The table and the family summary as Markdown, as benchmarks/README.md shows them."""
    def num(x: float | None) -> str:
        return "-" if x is None else f"{x:.2f}"

    lines = ["| case | unit | published | microfab cheapest | median | order min./unit | ratio | ok | source |",
             "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for r in results:
        c = r.case
        ok = "yes" if r.ok else "**no**"
        lines.append(f"| {c.name} | {c.kind.value} | {c.published:.2f} | {num(r.cheapest)} | {num(r.median)} | "
                     f"{r.minimum:.2f} | {num(r.ratio)} | {ok} | {c.source.url} |")
    lines += ["", "| family | median ratio | median abs(log ratio) | worst abs(log ratio) | target met |",
              "|---|---:|---:|---:|---|"]
    for family, (med, mlog, worst) in family_stats(results).items():
        fam_ok = FAMILY_MEDIAN[0] <= med <= FAMILY_MEDIAN[1]
        lines.append(f"| {family} | {med:.2f} | {mlog:.2f} | {worst:.2f} | {'yes' if fam_ok else '**no**'} |")
    lines += ["", f"{sum(r.ok for r in results)} of {len(results)} cases within their bound."]
    return "\n".join(lines)

