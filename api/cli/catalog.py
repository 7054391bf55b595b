"""``microfab materials`` and ``microfab workshops``."""

from __future__ import annotations

import argparse

from api.cli.output import print_json, table


def register(sub: argparse._SubParsersAction) -> None:
    m = sub.add_parser("materials", help="list the materials table")
    m.add_argument("--json", action="store_true")
    m.set_defaults(func=materials_cmd)
    w = sub.add_parser("workshops", help="list the workshops and their processes")
    w.add_argument("--workshops", help="folder or file of rate cards (default: the demo workshops)")
    w.add_argument("--json", action="store_true")
    w.set_defaults(func=workshops_cmd)


def materials_cmd(args: argparse.Namespace) -> int:
    from geometry.codec import to_jsonable
    from quoting.materials import materials

    table_ = materials()
    if args.json:
        print_json({k: to_jsonable(v) for k, v in table_.items()})
        return 0
    rows = [(m.key, m.name, m.family, f"{m.density_kg_m3:.0f}", f"{m.price_eur_kg:.2f}", f"{m.co2_kg_per_kg:.2f}",
             ", ".join(m.processes)) for m in table_.values()]
    print(table(("key", "name", "family", "kg/m3", "EUR/kg", "CO2 kg/kg", "processes"), rows))
    return 0


def workshops_cmd(args: argparse.Namespace) -> int:
    from quoting.workshops import load_workshops

    cards = load_workshops(args.workshops)
    if args.json:
        print_json([c.to_dict() | {"ratecard_sha256": c.version_hash} for c in cards])
        return 0
    rows = [(c.id, c.name, f"{c.location.city} ({c.location.region})",
             ", ".join(f"{p.value} ({'/'.join(dict.fromkeys(m.machine_class for m in r.machines))})"
                       for p, r in c.processes.items()),
             len(c.materials), ", ".join(c.finishes) or "-", "demo" if c.demo else "") for c in cards]
    print(table(("id", "name", "location", "processes (machine classes)", "materials", "finishes", ""), rows))
    return 0
