"""weld_keys and weld_points against their twin, np.unique(axis=0) of numpy's grid keys: same order, same first
occurrences, same inverse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geometry.kernels.weld import lexicographic_order, weld_keys, weld_points


def _twin(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


@pytest.mark.parametrize("seed", range(20))
def test_weld_matches_row_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    spread = int(rng.integers(1, 6))
    keys = rng.integers(-spread, spread, size=(int(rng.integers(1, 400)), 3))
    first, inverse = weld_keys(keys)
    twin_first, twin_inverse = _twin(keys)
    assert np.array_equal(first, twin_first)
    assert np.array_equal(inverse, twin_inverse)


def test_weld_of_huge_and_negative_keys() -> None:
    big = np.iinfo(np.int64).max // 2
    keys = np.array([[big, -big, 0], [-big, big, 1], [big, -big, 0], [0, 0, 0], [-big, big, 1]], dtype=np.int64)
    first, inverse = weld_keys(keys)
    twin_first, twin_inverse = _twin(keys)
    assert np.array_equal(first, twin_first)
    assert np.array_equal(inverse, twin_inverse)


def test_weld_of_nothing() -> None:
    first, inverse = weld_keys(np.zeros((0, 3), dtype=np.int64))
    assert first.shape == (0,) and inverse.shape == (0,)


def _grid_twin(points: np.ndarray, step: float, shift: float) -> tuple[np.ndarray, np.ndarray]:
    return weld_keys(np.floor(points.astype(np.float64) / step + shift).astype(np.int64))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 300),
    step=st.sampled_from([1e-6, 1e-3, 0.1, 1.0]),
    shift=st.sampled_from([0.0, 0.5]),
    single=st.booleans(),
)
def test_weld_points_matches_numpy_grid_keys(seed: int, n: int, step: float, shift: float, single: bool) -> None:
    """Points on and beside grid lines, in float64 and float32, land in numpy's cells."""
    rng = np.random.default_rng(seed)
    lattice = rng.integers(-5, 5, size=(n, 3)) * step  # exactly on grid lines, many repeated
    points = np.where(rng.random((n, 3)) < 0.5, lattice, lattice + rng.normal(scale=step, size=(n, 3)))
    points = points.astype(np.float32 if single else np.float64)
    first, inverse = weld_points(points, step, shift)
    twin_first, twin_inverse = _grid_twin(points, step, shift)
    assert np.array_equal(first, twin_first)
    assert np.array_equal(inverse, twin_inverse)


def test_weld_points_of_nothing() -> None:
    first, inverse = weld_points(np.zeros((0, 3)), 1e-6)
    assert first.shape == (0,) and inverse.shape == (0,)


@settings(max_examples=80, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 500),
    bound=st.sampled_from([1, 3, 2**11, 2**40, 2**62, 2**63 - 1]),
)
def test_lexicographic_order_is_lexsort(seed: int, n: int, bound: int) -> None:
    """The radix sort against np.lexsort: ties (small bounds), spans past 2**63 (negative and huge keys)."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(-bound, bound, size=(n, 3), dtype=np.int64, endpoint=True)
    expected = np.lexsort((rows[:, 2], rows[:, 1], rows[:, 0]))
    assert np.array_equal(lexicographic_order(rows), expected)
