"""Every mesh file of the shared corpus loads without a crash: features or a clear MicrofabError.

On meshes that both trimesh and microfab find closed, the volumes agree within 0.5 %.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geometry import extract, load
from geometry.errors import MicrofabError
from tests.conftest import corpus_path

_MESH_SUFFIXES = {".stl", ".3mf", ".obj", ".ply"}


def _files() -> list[str]:
    root = corpus_path()
    out = []
    for folder in ("trimesh-models", "voron-2"):
        base = root / folder
        if base.is_dir():
            out += sorted(str(p.relative_to(root)) for p in base.rglob("*") if p.suffix.lower() in _MESH_SUFFIXES)
    return out or ["(corpus absent)"]


@pytest.mark.slow
@pytest.mark.corpus
@pytest.mark.parametrize("name", _files())
def test_corpus_mesh(corpus_dir: Path, name: str) -> None:
    import trimesh

    path = corpus_dir / name
    if not path.is_file():
        pytest.skip(f"{name} not in the corpus")
    try:
        features = extract(load(path))
    except MicrofabError as err:
        assert err.message  # a clear, non-empty message is the contract
        return
    assert features.area_mm2 is not None and np.isfinite(features.area_mm2)
    if features.volume_mm3 is None:
        assert "volume_mm3" in features.unmeasured
        return
    assert features.volume_mm3 > 0
    reference = trimesh.load(path, force="mesh")
    if reference.is_watertight and reference.is_winding_consistent and len(reference.faces):
        scale = {"mm": 1.0, "in": 25.4, "m": 1000.0, "cm": 10.0}[features.source.units]
        assert features.volume_mm3 == pytest.approx(abs(reference.volume) * scale**3, rel=5e-3)
