"""``python -m benchmarks.realism``: microfab's prices against published prices (see cases.py), then the
published points kept out of the targets (``cases_quantity.KEPT_OUT``, imported through ``cases``, which
registers the module's other points), in a table of their own."""

from benchmarks.realism.cases import KEPT_OUT
from benchmarks.realism.run import run, run_case, table

if __name__ == "__main__":
    print(table(run()))
    print("\nkept out of the targets (benchmarks/README.md says why):")
    print(table([run_case(c) for c in KEPT_OUT]))
