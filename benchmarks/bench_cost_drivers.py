"""What computing cost drivers adds to a quote (prints figures; not a test).

For each part (the SYNTHETIC demo parts of ``quoting.demo_history`` and the cost-driver block of
the tests: a 1 mm radius and a deep pocket), quoted in 7075 at ISO 2768-f for 1, 10, 100 pieces:

- measure: the STEP file measured (``geometry.measure``), least CPU time of ``--repeat`` runs;
- quote: the engine on the measured features without cost drivers, least CPU time of ``--repeat`` runs;
- drivers: the same with ``cost_drivers=True`` (one re-pricing per applicable relaxation);
- the overhead against the engine alone (a re-quote of a stored part) and against a quote from
  the file (measure + quote, what the CLI and a first API quote do).

    .venv/bin/python benchmarks/bench_cost_drivers.py [--parts 8] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from timing import best_of  # noqa: E402  (this folder is on a script's path)

from benchmarks.demo_parts import build_step  # noqa: E402
from geometry import measure  # noqa: E402
from quoting.cost_drivers import relaxations  # noqa: E402
from quoting.demo_history import demo_specs  # noqa: E402
from quoting.engine import quote  # noqa: E402
from quoting.request import QuoteRequest  # noqa: E402
from quoting.workshops import load_workshops  # noqa: E402
from tests.parts import cost_driver_block, step_bytes  # noqa: E402


def best_s(fn: Callable[[], object], repeat: int) -> float:
    """The least CPU time of ``repeat`` runs [s] (CPU time: the 2-core machine is shared, wall time is noise)."""
    return best_of(fn, repeat, time.process_time)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parts", type=int, default=8, help="demo parts besides the cost-driver block")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    files = [("cost_driver_block", step_bytes(cost_driver_block()))]
    files += [(spec.name, build_step(spec)) for spec in demo_specs(args.parts)]
    cards = load_workshops()
    plain = QuoteRequest.parse(material="al7075", quantities="1,10,100", tolerance="f")
    asked = QuoteRequest.parse(material="al7075", quantities="1,10,100", tolerance="f", cost_drivers=True)
    measure(files[0][1], filename="warm.step")  # Numba and OCP warm
    print(f"{'part':<22}{'measure ms':>11}{'quote ms':>10}{'drivers ms':>11}{'repricings':>11}{'shown':>6}"
          f"{'vs quote':>10}{'vs file':>9}")
    vs_quote, vs_file = [], []
    for name, data in files:
        t_measure = best_s(lambda data=data, name=name: measure(data, filename=f"{name}.step"), max(1, args.repeat // 2))
        features = measure(data, filename=f"{name}.step").features
        t_quote = best_s(lambda f=features: quote(f, plain, cards), args.repeat)
        t_drivers = best_s(lambda f=features: quote(f, asked, cards), args.repeat)
        shown = len(quote(features, asked, cards).cost_drivers)
        extra = t_drivers - t_quote
        vs_quote.append(extra / t_quote)
        vs_file.append(extra / (t_measure + t_quote))
        print(f"{name:<22}{t_measure * 1e3:>11.0f}{t_quote * 1e3:>10.1f}{t_drivers * 1e3:>11.1f}"
              f"{len(relaxations(features, asked)):>11}{shown:>6}{vs_quote[-1]:>10.0%}{vs_file[-1]:>9.1%}")
    print(f"median overhead: {statistics.median(vs_quote):.0%} of an engine quote, "
          f"{statistics.median(vs_file):.1%} of a quote from the file")


if __name__ == "__main__":
    main()
