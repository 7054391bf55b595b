"""``python -m benchmarks.realism``: microfab's prices against published prices (see cases.py)."""

from benchmarks.realism.run import run, table

if __name__ == "__main__":
    print(table(run()))
