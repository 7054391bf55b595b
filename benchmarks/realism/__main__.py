"""``python -m benchmarks.realism [--markdown]``: microfab's prices against published prices (see cases.py), then the
published points kept out of the targets (``cases_quantity.KEPT_OUT``, imported through ``cases``, which
registers the module's other points, and the turning floor ``cases_sla_turning.TURNING_FLOOR``), in a table of
their own."""

import sys

from benchmarks.realism.cases import KEPT_OUT
from benchmarks.realism.cases_sla_turning import TURNING_FLOOR
from benchmarks.realism.run import markdown, run, run_case, table

if __name__ == "__main__":
    render = markdown if "--markdown" in sys.argv[1:] else table
    print(render(run()))
    print("\nkept out of the targets (benchmarks/README.md says why):\n")
    print(render([run_case(c) for c in (*KEPT_OUT, *TURNING_FLOOR)]))
