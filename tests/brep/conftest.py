"""Fixtures for the B-rep tests: cadquery parts loaded and measured once per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import geometry
from geometry.features import PartFeatures
from tests.cadparts import step_bytes


@pytest.fixture(scope="session")
def measure() -> Callable[..., PartFeatures]:
    """``measure(workplane_or_shape, unit="MM")``: export as STEP, load, extract (cached per object)."""
    cache: dict[tuple[int, str], PartFeatures] = {}
    keep: list[object] = []

    def run(shape: object, unit: str = "MM") -> PartFeatures:
        key = (id(shape), unit)
        if key not in cache:
            keep.append(shape)
            cache[key] = geometry.extract(geometry.load_bytes(step_bytes(shape, unit), "part.step"))  # type: ignore[arg-type]
        return cache[key]

    return run
