"""The realism benchmark as a test: no published price, cycle time or machinability ratio off by more than 3x."""

from __future__ import annotations

import pytest


@pytest.mark.slow
def test_every_realism_case_within_3x() -> None:
    from benchmarks.realism.run import run, table

    results = run()
    assert len(results) >= 30
    off = [r.case.name for r in results if r.ratio is None or not 1 / 3 <= r.ratio <= 3]
    assert off == [], table(results)
