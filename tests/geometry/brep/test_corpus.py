"""Every STEP file of the shared corpus: features or a clear error, no crash, no hang; volumes vs the reference.

The files run in a worker process with a per-file time limit (``tests.geometry.brep.corpus``),
so a file that hangs or crashes OCCT fails its own test and nothing else.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import corpus_path
from tests.geometry.brep.corpus import run, step_files

pytestmark = [pytest.mark.slow, pytest.mark.corpus]

#: per-file limit for load + analysis [s]; the slowest file takes about 1 s here
FILE_TIMEOUT_S = 60.0

#: files where the reference volume is GProp of the whole file, free faces included
#: (OCC gives open faces a meaningless "volume"); the solids alone give ours exactly
REFERENCE_COUNTS_FREE_FACES = {
    "bug25381_test_assembly_invisible.step", "tr8_ha1_ct.stp", "tr8_ha1_tc.stp", "tr8_ha1_ug.stp",
    "trj10_ap209-eb.stp", "trj6_c1-ct-203.stp", "trj6_c1-ct-214.stp", "trj6_c1-ec-214.stp",
    "trj6_c1-id-214.stp", "trj6_c1-pe-214.stp", "trj6_c1-sd-214.stp", "trj6_c1-tc-214.stp",
    "trj6_c1-tu-214.stp", "trj6_c1-ug-214.stp",
}
KNOWN_CODES = {"geometry_unusable", "corrupt_file", "unsupported_format", "empty_file", "file_too_large"}


def _files() -> list[str]:
    root = corpus_path()
    if not root.is_dir():
        return []
    return [str(p.relative_to(root)) for p in step_files(root)]


def _reference(root: Path) -> dict[str, dict[str, str]]:
    path = root / "step_reference.csv"
    if not path.is_file():
        return {}
    with path.open(newline="") as fh:
        return {Path(row["path"]).name: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def sweep(corpus_dir: Path) -> dict[str, dict]:
    files = [corpus_dir / f for f in _files()]
    return {str(Path(rec["file"]).relative_to(corpus_dir)): rec for rec in run(files, FILE_TIMEOUT_S)}


@pytest.fixture(scope="module")
def reference(corpus_dir: Path) -> dict[str, dict[str, str]]:
    return _reference(corpus_dir)


@pytest.mark.parametrize("name", _files() or ["<no corpus>"])
def test_corpus_step_file(sweep, reference, name) -> None:
    rec = sweep[name]
    base = Path(name).name
    assert rec["status"] in ("ok", "error"), rec
    if rec["status"] == "error":
        assert rec["code"] in KNOWN_CODES, rec
        assert ": " in rec["message"], rec  # says what is wrong and what to do
        ref = reference.get(base)
        if ref and ref["brepcheck_valid"] == "True" and int(ref["solids"] or 0) > 0:
            pytest.fail(f"the reference finds {ref['solids']} solid(s) here, we found none: {rec['message']}")
        return
    assert rec["volume_mm3"] > 0 and rec["solids"] >= 1 and rec["triangles"] > 0
    ref = reference.get(base)
    if not ref or ref["brepcheck_valid"] != "True" or int(ref["solids"] or 0) == 0 or base in REFERENCE_COUNTS_FREE_FACES:
        return
    expected = abs(float(ref["volume_mm3"]))
    # the reference is printed to 3 decimals
    assert rec["volume_mm3"] == pytest.approx(expected, rel=1e-3, abs=5e-4), ref
