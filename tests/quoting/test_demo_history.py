"""Demo history helpers: demo part features are measured once and then read from the cache."""

from __future__ import annotations

import sys
from pathlib import Path

from geometry.features import PartFeatures
from quoting.demo_history import demo_features, demo_specs

ROOT = Path(__file__).resolve().parents[2]


def test_demo_features_are_measured_once_then_cached(tmp_path) -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks.demo_parts import build_step

    spec = demo_specs(1, seed=3)[0]
    built: list[str] = []

    def counting_build(s):  # the expensive step: building the STEP file
        built.append(s.name)
        return build_step(s)

    first = demo_features([spec], counting_build, tmp_path / "cache")
    again = demo_features([spec], counting_build, tmp_path / "cache")
    assert isinstance(first[spec.name], PartFeatures) and first[spec.name].volume_mm3
    assert again[spec.name] == first[spec.name]
    assert built == [spec.name]
