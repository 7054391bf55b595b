"""``microfab features`` and ``microfab quote``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.cli.output import fmt_dims, fmt_num, print_json, table

if TYPE_CHECKING:
    from quoting.quote import Quote


#: commands that measure or quote one file and exit: run without the cyclic GC (``api.cli.process``)
ONE_SHOT_COMMANDS = frozenset({"features", "quote"})


def register(sub: argparse._SubParsersAction) -> None:
    from quoting.process_kinds import SortKey, Tier

    p = sub.add_parser("features", help="measure a CAD file (PartFeatures, schema microfab.features/1)")
    p.add_argument("file", help="STEP, STL, 3MF, OBJ, PLY or DXF (with --thickness) file")
    p.add_argument("--units", help="unit of a file that carries none (mm, cm, m, in); default mm")
    p.add_argument("--thickness", type=float, help="sheet thickness [mm] of a flat 2D DXF part (required for DXF)")
    p.add_argument("--json", action="store_true", help="print the PartFeatures as JSON")
    p.set_defaults(func=features_cmd)

    q = sub.add_parser("quote", help="quote a CAD file at every workshop able to make it")
    q.add_argument("file", help="STEP, STL, 3MF, OBJ, PLY or DXF (with --thickness) file")
    q.add_argument("--material", required=True, help="material key (see `microfab materials`)")
    q.add_argument("--process", help="process key (cnc_milling, ...); default: every process")
    q.add_argument("--qty", default="1", help="quantities, comma-separated (default 1)")
    q.add_argument("--ship-to", help="buyer location as LAT,LON")
    q.add_argument("--units", help="unit of a file that carries none (mm, cm, m, in); default mm")
    q.add_argument("--thickness", type=float, help="sheet thickness [mm] of a flat 2D DXF part (required for DXF)")
    q.add_argument("--workshops", help="folder or file of rate cards (default: the demo workshops)")
    q.add_argument("--finish", help="surface finish key (anodize_clear, bead_blast, powder_coat, ...)")
    q.add_argument("--tolerance", help="tolerance class (c, m, f, tight, or iso2768_f, ...); default iso2768_m")
    q.add_argument("--threads", help="extra threads per part, e.g. M6:4,M4:2")
    q.add_argument("--tier", default=Tier.STANDARD.value, choices=[t.value for t in Tier],
                   help="lead-time tier (default standard)")
    q.add_argument("--sort", dest="sort_by", default=SortKey.PRICE.value, choices=[k.value for k in SortKey],
                   help="order of the offers (default price)")
    q.add_argument("--need-by", help="delivery wanted by this date (YYYY-MM-DD)")
    q.add_argument("--drivers", action="store_true",
                   help="also compute the cost drivers: what each feature adds to the price (a re-pricing each)")
    q.add_argument("--json", action="store_true", help="print the Quote as JSON (schema microfab.quote/1)")
    q.add_argument("--model-dir", help="calibrated cost models (default $MICROFAB_MODEL_DIR or var/models; "
                                       "see `microfab calibrate`)")
    q.set_defaults(func=quote_cmd)


def features_cmd(args: argparse.Namespace) -> int:
    from geometry import extract, load
    from geometry.units import LengthUnit

    units = LengthUnit.parse(args.units) if args.units else None
    features = extract(load(args.file, units=units, thickness_mm=args.thickness))
    if args.json:
        print_json(features.to_dict())
        return 0
    f = features
    src = f.source
    rows = [
        ("file", f"{src.filename} ({src.format.value}, {src.size_bytes:,} bytes)"),
        ("units", f"{src.units} (from {src.units_source})"),
        ("bounding box", f"{fmt_dims(f.bbox_mm)} mm"),
        ("oriented box", f"{fmt_dims(f.obb_mm)} mm"),
        ("volume", f"{fmt_num(f.volume_mm3)} mm3"),
        ("area", f"{fmt_num(f.area_mm2)} mm2"),
        ("convex hull volume", f"{fmt_num(f.convex_hull_volume_mm3)} mm3"),
        ("mesh", f"{f.mesh.triangles:,} triangles, {'closed' if f.mesh.watertight else 'NOT closed'}, "
                 f"{f.mesh.bodies} body(ies)"),
        ("solids", str(f.solids)),
        ("holes", "-" if f.holes is None else str(len(f.holes))),
        ("min internal radius", f"{fmt_num(f.min_internal_radius_mm, 2)} mm"),
        ("min wall thickness", f"{fmt_num(f.min_wall_thickness_mm, 2)} mm"),
        ("3-axis setups", "-" if f.setups_3axis is None else ", ".join(f.setups_3axis)),
        ("sheet metal", "no" if f.sheet_metal is None else f"t={f.sheet_metal.thickness_mm:.2f} mm, "
                                                           f"{len(f.sheet_metal.bends)} bend(s)"),
        ("turning", "no" if f.turning is None else f"D{f.turning.max_diameter_mm:.1f} x {f.turning.length_mm:.1f} mm"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key.ljust(width)}  {value}")
    for finding in f.findings:
        print(f"{finding.severity.value}: {finding.code}: {finding.message}")
    if f.unmeasured:
        print("not measured:")
        for key, why in sorted(f.unmeasured.items()):
            print(f"  {key}: {why}")
    return 0


def _cost_models(model_dir: str | None) -> Mapping[str, Any]:
    """Calibrated models by workshop id, each loaded when a quote first prices that workshop."""
    import os

    folder = Path(model_dir or os.environ.get("MICROFAB_MODEL_DIR") or "var/models")
    paths = [p for p in sorted(folder.glob("*.skops")) if not p.stem.startswith("_")] if folder.is_dir() else []
    return _LazyCostModels({p.stem: p for p in paths})


class _LazyCostModels(Mapping[str, Any]):
    """``<workshop_id>.skops`` files, each read on first use (a cold quote loads only the models of the
    workshops it prices, from their compact ``.npz`` form: no scikit-learn or skops import); a model that
    cannot be used is skipped with a warning, its workshop quoted rule-based."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self._paths = paths
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, workshop_id: str) -> Any:
        if workshop_id not in self._loaded:
            self._loaded[workshop_id] = self._load(workshop_id)
        model = self._loaded[workshop_id]
        if model is None:
            raise KeyError(workshop_id)
        return model

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def _load(self, workshop_id: str) -> Any:
        import sys

        path = self._paths.get(workshop_id)
        if path is None:
            return None
        from models import load_cost_model
        from models.compact_io import compact_path
        from models.errors import ModelError

        compacted = compact_path(path).is_file()
        try:
            model = load_cost_model(path)
        except ModelError as err:
            print(f"microfab: warning: {err.message}; quoting that workshop rule-based", file=sys.stderr)
            return None
        if not compacted and compact_path(path).is_file():
            print(f"microfab: note: {path} was read with scikit-learn and stored in the fast format as "
                  f"{compact_path(path).name} (it loads in milliseconds from now on)", file=sys.stderr)
        if model.workshop_id != workshop_id:
            print(f"microfab: warning: {path} holds the model of {model.workshop_id!r}, not {workshop_id!r}; "
                  "quoting that workshop rule-based", file=sys.stderr)
            return None
        return model


def quote_cmd(args: argparse.Namespace) -> int:
    from quoting.engine import quote_file
    from quoting.request import QuoteRequest
    from quoting.workshops import load_workshops

    workshops = load_workshops(args.workshops)
    request = QuoteRequest.parse(
        material=args.material, quantities=args.qty, process=args.process, finish=args.finish,
        tolerance=args.tolerance, tier=args.tier, sort_by=args.sort_by, ship_to=args.ship_to, need_by=args.need_by,
        units=args.units, thickness_mm=args.thickness, threads=args.threads, cost_drivers=args.drivers,
        known_finishes={key for card in workshops for key in card.finishes},
    )
    _, q = quote_file(args.file, request, workshops=workshops, cost_models=_cost_models(args.model_dir))
    if args.json:
        print_json(q.to_dict())
    else:
        _print_quote(q)
    return 0


def _print_quote(q: Quote) -> None:
    """The quote as readable tables: offers, process choice, solids, ineligible workshops, DFM, breakdown."""
    p = q.part
    print(f"{p.filename}: {fmt_dims(p.bbox_mm)} mm ({p.units} from {p.units_source}), "
          f"volume {fmt_num(p.volume_mm3, 0)} mm3, material {q.request.material}")
    rows = []
    for o in q.offers:
        for line in o.lines:
            rows.append((
                o.workshop_id, o.city, o.process, line.quantity, f"{line.unit_price_eur:,.2f}",
                f"{line.total_eur:,.2f}", f"{line.interval.low_eur:,.0f}-{line.interval.high_eur:,.0f}",
                line.lead_time_days, line.ship_date.isoformat(), f"{line.co2_kg:.1f}",
                fmt_num(o.distance_km, 0), ",".join(o.best_for) if line is o.lines[0] else "",
            ))
    if rows:
        print(table(("workshop", "city", "process", "qty", "unit EUR", "total EUR", "interval", "days", "ships",
                     "CO2 kg", "km", "best"), rows))
    else:
        print("no workshop can make this part")
    if q.process_choice:
        print("\ncheapest process per quantity:")
        for c in q.process_choice:
            others = ", ".join(f"{p} {t:,.2f}" for p, t in c.by_process.items())
            print(f"  {c.quantity:>6} pc: {c.cheapest_process} at {c.cheapest_workshop}, {c.total_eur:,.2f} EUR"
                  f" ({others})")
    for comp in q.components:
        best = comp.offers[0] if comp.offers else None
        print(f"solid {comp.index} (x{comp.count}): {fmt_dims(comp.part.bbox_mm)} mm, "
              + (f"best {best.workshop_id} {best.lines[0].total_eur:,.2f} EUR for {best.lines[0].quantity} pc"
                 if best else "no workshop can make it"))
    if q.ineligible:
        print("\nnot eligible:")
        for item in q.ineligible:
            print(f"  {item.workshop_id}: {'; '.join(item.reasons)}")
    if q.dfm:
        print("\nmanufacturability:")
        for f in q.dfm:
            print(f"  {f.severity.value}: {f.process or 'part'}: {f.code}: {f.message}")
    _print_drivers(q)
    for o in q.offers[:1]:
        print(f"\ncheapest offer, {o.workshop_id}, breakdown for {o.lines[0].quantity} pc:")
        for b in o.lines[0].breakdown:
            print(f"  {b.item:<14} {b.amount_eur:>10,.2f}  {b.detail}")
        print(f"  {'total':<14} {o.lines[0].total_eur:>10,.2f}")


def _print_drivers(q: Quote) -> None:
    """The three biggest cost drivers: what each adds at every quantity (the lowest total now minus after)."""
    if not q.cost_drivers:
        return
    rows = [(d.kind.value, d.what, d.change,
             ", ".join(f"{s.quantity} pc {s.delta_eur:,.2f} ({s.delta_fraction:.0%})" for s in d.savings))
            for d in q.cost_drivers[:3]]
    print("\ncost drivers (saving on the lowest total, EUR):")
    print(table(("driver", "what", "change", "saving"), rows))
