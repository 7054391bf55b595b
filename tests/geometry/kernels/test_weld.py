"""weld_keys against its twin, np.unique(axis=0): same order, same first occurrences, same inverse."""

from __future__ import annotations

import numpy as np
import pytest

from geometry.kernels.weld import weld_keys


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
