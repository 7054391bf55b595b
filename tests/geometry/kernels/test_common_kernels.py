"""The small shared kernels of ``kernels._common`` against the numpy they replace."""

from __future__ import annotations

import numpy as np
import pytest

from geometry.kernels._common import gather_triangles, least_by_group


def test_gather_triangles_is_fancy_indexing() -> None:
    rng = np.random.default_rng(3)
    v = rng.normal(size=(50, 3))
    f = rng.integers(0, 50, size=(200, 3)).astype(np.int64)
    out = gather_triangles(v, f)
    assert out.flags.c_contiguous and np.array_equal(out, v[f])
    with pytest.raises(IndexError):
        gather_triangles(v, np.array([[0, 1, 50]], dtype=np.int64))


def test_least_by_group_is_minimum_at() -> None:
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 40, size=1000).astype(np.int64)
    values = rng.normal(size=1000)
    values[::97] = np.inf
    values[500] = np.nan
    ours, twin = np.full(50, np.inf), np.full(50, np.inf)
    least_by_group(groups, values, ours)
    with np.errstate(invalid="ignore"):
        np.minimum.at(twin, groups, values)
    assert np.array_equal(ours, twin, equal_nan=True)
