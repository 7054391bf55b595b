"""Fixtures for the B-rep tests: cadquery parts loaded and measured once per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import geometry
from geometry.features import PartFeatures
from tests.parts import step_bytes


@pytest.fixture(scope="session")
def measure() -> Callable[..., PartFeatures]:
    """``measure(workplane_or_shape)``: export as STEP (mm), load, extract (cached per object)."""
    cache: dict[int, PartFeatures] = {}
    keep: list[object] = []

    def run(shape: object) -> PartFeatures:
        key = id(shape)
        if key not in cache:
            keep.append(shape)
            cache[key] = geometry.extract(geometry.load_bytes(step_bytes(shape), "part.step"))  # type: ignore[arg-type]
        return cache[key]

    return run
