"""Batch quoting: per-file rows, errors as rows, the feature cache and its geometry version, Dask, results files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from quoting import batch
from quoting.batch import BatchFile, RowStatus, discover, quote_batch_file, write_rows
from quoting.batch_dask import ClusterSpec, run_batch
from quoting.errors import BatchInputError
from quoting.request import QuoteRequest
from quoting.workshops import load_workshops

PARTS = ("unit_cube.STL", "angle_block.STL", "plate_holes.STL")


@pytest.fixture(scope="module")
def cards():
    return load_workshops()


@pytest.fixture(scope="module")
def request_(cards):
    return QuoteRequest.parse(material="al6061", quantities="1,10",
                              known_finishes={k for c in cards for k in c.finishes})


@pytest.fixture
def folder(tmp_path: Path, data_dir: Path) -> Path:
    parts = tmp_path / "parts"
    (parts / "sub").mkdir(parents=True)
    for name in PARTS[:2]:
        shutil.copy(data_dir / name, parts / name)
    shutil.copy(data_dir / PARTS[2], parts / "sub" / PARTS[2])
    (parts / "corrupt.step").write_bytes(b"ISO-10303-21;\nthis is not a STEP file\n")
    (parts / "notes.txt").write_text("not a part")
    return parts


@pytest.fixture(autouse=True)
def _fresh_caches():
    batch._caches.clear()
    yield
    batch._caches.clear()


def test_discover_folder_and_manifest(folder: Path, tmp_path: Path):
    found = [Path(f.path).name for f in discover(folder)]
    assert found == ["angle_block.STL", "corrupt.step", "plate_holes.STL", "unit_cube.STL"]
    manifest = folder / "manifest.csv"
    manifest.write_text("file,units,thickness_mm\nunit_cube.STL,in,\nsub/plate_holes.STL,,\n")
    items = discover(manifest)
    assert items == [BatchFile(str(folder / "unit_cube.STL"), "in", None),
                     BatchFile(str(folder / "sub" / "plate_holes.STL"), None, None)]
    with pytest.raises(BatchInputError):
        discover(tmp_path / "missing")
    (tmp_path / "bad.csv").write_text("path\nx.stl\n")
    with pytest.raises(BatchInputError):
        discover(tmp_path / "bad.csv")


def test_one_file_rows_and_errors(folder: Path, request_, cards):
    rows = quote_batch_file(BatchFile(str(folder / "unit_cube.STL")), request_, cards)
    offers = [r for r in rows if r.status == RowStatus.OFFER.value]
    assert offers and {r.quantity for r in offers} == {1, 10}
    assert all(r.total_eur is not None and r.total_eur > 0 and r.sha256 for r in offers)
    assert {r.workshop_id for r in rows} == {c.id for c in cards}  # every workshop: an offer or a reason
    assert all(r.code for r in rows if r.status == RowStatus.INELIGIBLE.value)
    bad = quote_batch_file(BatchFile(str(folder / "corrupt.step")), request_, cards)
    assert len(bad) == 1 and bad[0].status == RowStatus.ERROR.value and bad[0].code and bad[0].message
    gone = quote_batch_file(BatchFile(str(folder / "gone.stl")), request_, cards)
    assert gone[0].status == RowStatus.ERROR.value and gone[0].code == "file_unreadable"


def test_cache_measures_once_and_again_after_a_geometry_change(folder: Path, tmp_path: Path, request_, cards):
    cache_dir = str(tmp_path / "cache")
    item = BatchFile(str(folder / "unit_cube.STL"))
    first = quote_batch_file(item, request_, cards, cache_dir=cache_dir)
    assert all(r.measured for r in first)
    second = quote_batch_file(item, request_, cards, cache_dir=cache_dir)
    assert not any(r.measured for r in second)
    assert [r.total_eur for r in second] == [r.total_eur for r in first]
    # an entry written by an older geometry version is never priced from: measured again
    (entry,) = Path(cache_dir).glob("*.json")
    doc = json.loads(entry.read_text())
    doc["features"]["geometry_version"] = "0" * 16
    entry.write_text(json.dumps(doc))
    batch._caches.clear()  # a new process: nothing in memory
    third = quote_batch_file(item, request_, cards, cache_dir=cache_dir)
    assert all(r.measured for r in third) and third[0].geometry_version != "0" * 16
    assert json.loads(entry.read_text())["features"]["geometry_version"] == third[0].geometry_version


def test_dask_batch_keeps_going_past_a_bad_file(folder: Path, tmp_path: Path, request_, cards):
    files = discover(folder)
    seen: list[tuple[int, int]] = []
    rows = run_batch(files, request_, cards, cluster=ClusterSpec(workers=1, processes=False, warm_up=False),
                     cache_dir=str(tmp_path / "cache"), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (4, 4) and [d for d, _ in seen] == [1, 2, 3, 4]
    assert [r.file for r in rows] == sorted((r.file for r in rows), key=[f.path for f in files].index)
    by_file = {Path(r.file).name: r for r in rows}
    assert by_file["corrupt.step"].status == RowStatus.ERROR.value
    assert all(any(r.status == RowStatus.OFFER.value for r in rows if Path(r.file).name == name) for name in PARTS)
    for out in (tmp_path / "r.parquet", tmp_path / "r.csv"):
        write_rows(rows, out)
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "r.parquet")
    assert table.num_rows == len(rows) and table.column_names == list(batch.COLUMNS)
    assert pacsv.read_csv(tmp_path / "r.csv").num_rows == len(rows)
    with pytest.raises(BatchInputError):
        write_rows(rows, tmp_path / "r.xlsx")


def test_cli_batch_quote(folder: Path, tmp_path: Path, capsys):
    from api.cli import main

    out = tmp_path / "results.csv"
    code = main(["batch", "quote", str(folder), "--material", "al6061", "--qty", "1,5", "--out", str(out),
                 "--workers", "1", "--cache", str(tmp_path / "cache"), "--no-progress"])
    assert code == 0
    printed = capsys.readouterr()
    assert "4 file(s)" in printed.out and "1 failed" in printed.out and "corrupt.step" in printed.err
    assert out.is_file()


def test_two_batches_on_one_client(folder: Path, tmp_path: Path, request_, cards):
    from quoting.batch_dask import connect, map_files

    files = [BatchFile(str(folder / "unit_cube.STL")), BatchFile(str(folder / "corrupt.step"))]
    with connect(ClusterSpec(workers=1, processes=False)) as client:
        first = map_files(client, files, request_, cards, cache_dir=str(tmp_path / "c"))
        again = map_files(client, files, request_, cards, cache_dir=str(tmp_path / "c"))
    assert [r.total_eur for r in again] == [r.total_eur for r in first]
    assert not any(r.measured for r in again)


def test_a_file_whose_worker_died_is_an_error_row():
    from quoting.batch_dask import _lost

    class Dead:
        def exception(self):
            return RuntimeError("KilledWorker: the worker died three times")

    (row,) = _lost(BatchFile("crash.step"), Dead())
    assert row.status == RowStatus.ERROR.value and row.code == "worker_lost" and "KilledWorker" in row.message
