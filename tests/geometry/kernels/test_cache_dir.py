"""The Numba cache folder is named by the hash of every kernel source: a change to any one file (a callee of
another file's kernel included) gives a fresh cache, never a stale compiled callee."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geometry.kernels import _config

ROOT = Path(__file__).resolve().parents[3]


def test_any_kernel_source_change_names_another_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "kernels"
    shutil.copytree(_config.KERNELS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(_config, "KERNELS_DIR", copy)
    monkeypatch.setattr(_config, "CACHE_ROOT", copy / "__pycache__")
    first = _config.kernel_cache_dir()
    assert first == _config.kernel_cache_dir()  # stable
    assert first.parent == copy / "__pycache__" and first.name.startswith("numba-")
    bvh = copy / "bvh.py"
    bvh.write_text(bvh.read_text() + "\n# a callee changed\n")
    second = _config.kernel_cache_dir()
    assert second != first
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    (copy / "__pycache__" / "other.pyc").write_bytes(b"")
    (copy / "__pycache__" / "bvh.trace-12.py311.nbi").write_bytes(b"")
    assert _config.prune_stale_caches() == 1
    assert not first.exists() and second.exists() and (copy / "__pycache__" / "other.pyc").exists()
    assert not (copy / "__pycache__" / "bvh.trace-12.py311.nbi").exists()


def test_kernels_cache_in_the_hashed_folder_unless_told_otherwise(tmp_path: Path) -> None:
    probe = ("import os; from geometry.kernels import _config; import numba; "
             "print(os.environ['NUMBA_CACHE_DIR']); print(numba.config.CACHE_DIR)")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"} | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(_config.kernel_cache_dir())] * 2
    env["NUMBA_CACHE_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(tmp_path)] * 2
