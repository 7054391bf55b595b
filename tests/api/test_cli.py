"""The ``microfab`` command line, run as a subprocess like a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests import parts as cadparts


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api", *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


@pytest.fixture(scope="module")
def plate_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parts") / "plate.step"
    path.write_bytes(cadparts.step_bytes(cadparts.plate_with_holes()))
    return path


def test_help_lists_commands() -> None:
    out = run("--help")
    assert out.returncode == 0
    for cmd in ("features", "quote", "materials", "workshops", "serve"):
        assert cmd in out.stdout


def test_features_json(plate_file: Path) -> None:
    out = run("features", str(plate_file), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["schema"] == "microfab.features/1"
    assert data["volume_mm3"] == pytest.approx(cadparts.plate_with_holes_volume(), rel=1e-6)
    assert data["source"]["filename"] == "plate.step"


def test_features_table(plate_file: Path) -> None:
    out = run("features", str(plate_file))
    assert out.returncode == 0, out.stderr
    assert "volume" in out.stdout and "100.0 x 60.0 x 8.0" in out.stdout


def test_quote_table_has_offers_and_ineligible(plate_file: Path) -> None:
    out = run("quote", str(plate_file), "--material", "al6061", "--qty", "1,10", "--ship-to", "48.85,2.35")
    assert out.returncode == 0, out.stderr
    assert "lyon-usinage" in out.stdout
    assert "not eligible" in out.stdout
    assert "total" in out.stdout


def test_quote_json_is_a_quote(plate_file: Path) -> None:
    out = run("quote", str(plate_file), "--material", "al6061", "--qty", "1,10,100", "--json")
    assert out.returncode == 0, out.stderr
    q = json.loads(out.stdout)
    assert q["schema"] == "microfab.quote/1"
    assert q["offers"], "demo workshops mill aluminium"
    for offer in q["offers"]:
        units = [line["unit_price_eur"] for line in offer["lines"]]
        assert units == sorted(units, reverse=True)
        for line in offer["lines"]:
            assert round(sum(b["amount_eur"] for b in line["breakdown"]), 2) == pytest.approx(line["total_eur"])
    assert {i["workshop_id"] for i in q["ineligible"]} >= {"nantes-tolerie"}


def test_quote_with_workshops_folder(plate_file: Path, tmp_path: Path) -> None:
    from quoting.workshops import demo_workshops

    src = next(c for c in demo_workshops() if c.id == "lyon-usinage")
    import importlib.resources as res

    text = res.files("quoting").joinpath("data", "workshops", "lyon-usinage.toml").read_text()
    (tmp_path / "one.toml").write_text(text)
    out = run("quote", str(plate_file), "--material", "al6061", "--workshops", str(tmp_path), "--json")
    assert out.returncode == 0, out.stderr
    q = json.loads(out.stdout)
    assert [o["workshop_id"] for o in q["offers"]] == [src.id]


def test_materials_and_workshops_json() -> None:
    mats = run("materials", "--json")
    assert mats.returncode == 0 and "al6061" in json.loads(mats.stdout)
    shops = run("workshops", "--json")
    assert shops.returncode == 0 and len(json.loads(shops.stdout)) >= 8


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("quote", "{plate}", "--material", "unobtainium"), "unknown material"),
        (("quote", "{empty}", "--material", "al6061"), "empty"),
        (("quote", "{missing}", "--material", "al6061"), "no such file"),
        (("features", "{plate}", "--units", "furlong"), "unknown unit"),
        (("quote", "{plate}", "--material", "al6061", "--qty", "ten"), "whole numbers"),
        (("quote", "{plate}", "--material", "al6061", "--qty", "0"), "between 1 and"),
        (("quote", "{plate}", "--material", "al6061", "--ship-to", "north"), "LAT,LON"),
        (("quote", "{plate}", "--material", "al6061", "--process", "welding"), "unknown process"),
        (("quote", "{plate}", "--material", "al6061", "--workshops", "{missing}"), "no such file"),
    ],
)
def test_bad_input_one_line_exit_2(plate_file: Path, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    empty = tmp_path / "empty.stl"
    empty.write_bytes(b"")
    paths = {"plate": str(plate_file), "empty": str(empty), "missing": str(tmp_path / "missing.step")}
    out = run(*(a.format(**paths) for a in args))
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_invalid_rate_card_is_named(plate_file: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('schema = "microfab.ratecard/1"\nid = "x-shop"\nname = "X"\n')
    out = run("quote", str(plate_file), "--material", "al6061", "--workshops", str(tmp_path))
    assert out.returncode == 2
    assert "bad.toml" in out.stderr and "location" in out.stderr
