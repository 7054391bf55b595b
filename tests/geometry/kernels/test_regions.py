"""crease_regions against its twin (scipy's connected components over sorted edge keys): the same labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geometry.export import REGION_CREASE_DEG, mesh_regions
from geometry.kernels.regions import crease_regions
from tests.conftest import corpus_path
from tests.geometry.kernels import naive


@pytest.mark.parametrize("seed", range(20))
def test_regions_match_the_twin_on_random_meshes(seed: int) -> None:
    """Random triangles over few vertices: shared, non-manifold and degenerate edges, every crease angle."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 30))
    vertices = rng.normal(size=(n, 3))
    faces = rng.integers(0, n, size=(int(rng.integers(1, 200)), 3))
    crease = float(rng.choice([5.0, REGION_CREASE_DEG, 60.0, 120.0]))
    assert np.array_equal(crease_regions(vertices, faces, crease), naive.crease_regions(vertices, faces, crease))


@pytest.mark.parametrize("subdivisions", [1, 3])
def test_regions_of_a_noisy_sphere(subdivisions: int) -> None:
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
    vertices = np.asarray(sphere.vertices) * np.random.default_rng(1).uniform(0.7, 1.3, size=(len(sphere.vertices), 1))
    faces = np.asarray(sphere.faces, dtype=np.int64)
    got = mesh_regions(vertices, faces)
    assert np.array_equal(got, naive.crease_regions(vertices, faces, REGION_CREASE_DEG))
    assert got[0] == 0 and len(set(got)) > 1


def test_regions_of_nothing() -> None:
    assert crease_regions(np.zeros((3, 3)), np.zeros((0, 3), dtype=np.int64), 30.0).shape == (0,)


def _mesh_files() -> list[str]:
    root = corpus_path()
    names: list[str] = []
    for folder in ("trimesh-models", "voron-2"):
        if (root / folder).is_dir():
            names += sorted(str(p.relative_to(root)) for p in (root / folder).rglob("*")
                            if p.suffix.lower() in {".stl", ".obj", ".ply", ".3mf"})
    return names or ["(corpus absent)"]


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("name", _mesh_files())
def test_regions_match_the_twin_on_corpus_meshes(corpus_dir: Path, name: str) -> None:
    from geometry import load
    from geometry.errors import MicrofabError

    path = corpus_dir / name
    if not path.is_file():
        pytest.skip(f"{name} not in the corpus")
    try:
        part = load(path)
    except MicrofabError:
        pytest.skip("the loader refuses this file (tested in test_corpus.py)")
    got = mesh_regions(part.vertices_mm, part.faces)
    assert np.array_equal(got, naive.crease_regions(part.vertices_mm, part.faces, REGION_CREASE_DEG))
