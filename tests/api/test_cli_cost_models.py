"""The CLI's calibrated models load lazily: only a workshop a quote prices reads its file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from api.cli.parts import _cost_models
from models.errors import ModelError


@pytest.fixture
def loads(monkeypatch) -> list[Path]:
    seen: list[Path] = []

    def fake_load(path: Path) -> SimpleNamespace:
        seen.append(Path(path))
        if path.stem == "broken":
            raise ModelError("broken model")
        return SimpleNamespace(workshop_id="renamed" if path.stem == "wrong" else path.stem)

    monkeypatch.setattr("models.load_cost_model", fake_load)
    return seen


def test_models_load_on_first_use_only(tmp_path, loads) -> None:
    for name in ("lyon", "paris", "_prior"):
        (tmp_path / f"{name}.skops").write_bytes(b"")
    models = _cost_models(str(tmp_path))
    assert sorted(models) == ["lyon", "paris"] and loads == []
    assert models.get("lyon").workshop_id == "lyon"
    assert models.get("lyon") is models.get("lyon")
    assert models.get("nowhere") is None
    assert [p.stem for p in loads] == ["lyon"]


def test_unusable_models_are_skipped_with_a_warning(tmp_path, loads, capsys) -> None:
    for name in ("broken", "wrong"):
        (tmp_path / f"{name}.skops").write_bytes(b"")
    models = _cost_models(str(tmp_path))
    assert models.get("broken") is None and models.get("wrong") is None
    assert "rule-based" in capsys.readouterr().err


def test_no_folder_no_models(tmp_path) -> None:
    assert len(_cost_models(str(tmp_path / "missing"))) == 0
