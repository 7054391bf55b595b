"""Shared fixtures: the shared corpus (skipped when absent), test data, cadquery parts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
#: every API answer of the test run is checked against the OpenAPI document (tests/api/contract_plugin.py)
pytest_plugins = ("tests.api.contract_plugin",)


def corpus_path() -> Path:
    """``$MICROFAB_CORPUS`` or ``../shared/corpus`` beside the repository."""
    return Path(os.environ.get("MICROFAB_CORPUS", ROOT.parent / "shared" / "corpus")).resolve()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = corpus_path()
    if not path.is_dir():
        pytest.skip(f"shared corpus not found at {path} (set MICROFAB_CORPUS)")
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
