"""Where a cold ``microfab quote`` of a STEP file spends its CPU, stage by stage, next to the bare cadquery
process (import, importStep, Volume), each in a fresh process (issue 17's cold-start figure).

    PYTHONPATH=$PWD python benchmarks/cold_stages.py FILE.step [--rounds 3]

Stages follow ``microfab quote``'s order (the CLI runs without the cyclic GC, so these do too); the least
of ``--rounds`` processes per stage, CPU time (user + system), which a busy machine disturbs less than
wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_OURS = """
import gc, json, sys, time
gc.disable()
marks = [("interpreter start", time.process_time())]
def mark(name): marks.append((name, time.process_time()))
import numpy; mark("numpy")
from api.cli import build_parser; build_parser(); mark("CLI and geometry imports")
from quoting.engine import quote_components; from quoting.request import QuoteRequest
from quoting.workshops import load_workshops; mark("quoting imports")
cards = load_workshops(None); mark("demo rate cards (14 TOML, validated)")
import OCP.OCP; mark("OCP import")
from geometry import load; part = load(sys.argv[1]); mark("STEP read + tessellation")
import numba; mark("numba import")
import geometry.kernels as k, numpy as np; k.mass_properties(np.zeros((1, 3, 3))); mark("Numba target init (+ scipy.linalg)")
from geometry.measure import measure_part; m = measure_part(part); mark("features (B-rep + mesh kernels)")
r = QuoteRequest.parse(material="al6061", known_finishes={key for c in cards for key in c.finishes})
q = quote_components(m.features, list(m.components), r, cards); q.to_dict(); mark("pricing")
print(json.dumps([(n, t) for n, t in marks]))
"""

_PEER = """
import json, sys, time
marks = [("interpreter start", time.process_time())]
import OCP.OCP; marks.append(("OCP import", time.process_time()))
import cadquery as cq; marks.append(("rest of cadquery (vtk, ezdxf, numpy...)", time.process_time()))
s = cq.importers.importStep(sys.argv[1]); s.val().Volume(); marks.append(("importStep + Volume", time.process_time()))
print(json.dumps(marks))
"""


def stages(code: str, path: Path, rounds: int) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
        marks = json.loads(out.stdout.strip().splitlines()[-1])
        for (_, t0), (name, t1) in zip(marks, marks[1:], strict=False):
            best[name] = min(best.get(name, t1 - t0), t1 - t0)
        best["interpreter start"] = min(best.get("interpreter start", marks[0][1]), marks[0][1])
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for title, code in (("microfab quote", _OURS), ("cadquery baseline", _PEER)):
        best = stages(code, args.file, args.rounds)
        print(f"{title} ({args.file.name}; load {os.getloadavg()[0]:.1f}):")
        for name, cpu_s in best.items():
            print(f"  {name:<42} {cpu_s:6.3f} s CPU")
        print(f"  {'sum of the least of each':<42} {sum(best.values()):6.3f} s CPU")


if __name__ == "__main__":
    main()
