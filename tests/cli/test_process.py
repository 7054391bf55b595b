"""One-shot commands: no cyclic GC while they run, no interpreter teardown when run as the program."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from api.cli.process import without_cyclic_gc
from tests import parts as cadparts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plate_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parts") / "plate.step"
    path.write_bytes(cadparts.step_bytes(cadparts.plate_with_holes()))
    return path


def _program(*args: str) -> subprocess.CompletedProcess[str]:
    """``microfab ARGS`` as the console script runs it (``main()`` reading ``sys.argv``)."""
    code = f"import sys; sys.argv = {['microfab', *args]!r}; from api.cli import main; sys.exit(main())"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)


def test_collector_is_off_inside_and_restored_after() -> None:
    seen = []

    @without_cyclic_gc
    def command() -> None:
        seen.append(gc.isenabled())
        raise ValueError("boom")

    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"):
        command()
    assert seen == [False] and gc.isenabled()


def test_in_process_call_returns(plate_file: Path, capsys) -> None:
    assert main(["features", str(plate_file), "--json"]) == 0  # returns: the test process goes on
    assert json.loads(capsys.readouterr().out)["schema"] == "microfab.features/1"
    assert gc.isenabled()


def test_program_writes_its_whole_answer_then_exits(plate_file: Path) -> None:
    out = _program("quote", str(plate_file), "--material", "al6061", "--json")
    assert out.returncode == 0, out.stderr
    quote = json.loads(out.stdout)  # flushed in full before the fast exit
    assert quote["schema"] == "microfab.quote/1" and quote["offers"]


def test_program_errors_keep_their_exit_status(plate_file: Path) -> None:
    out = _program("quote", str(plate_file), "--material", "unobtainium")
    assert out.returncode == 2 and "unknown material" in out.stderr


def test_a_closed_pipe_is_not_an_error(plate_file: Path) -> None:
    code = (f"import sys; sys.argv = {['microfab', 'quote', str(plate_file), '--material', 'al6061']!r}; "
            "from api.cli import main; sys.exit(main())")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away, like `| head -c 10`
    assert proc.wait(timeout=300) == 0
    with proc.stderr:
        assert b"Traceback" not in proc.stderr.read()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    from models import CostRatioRegressor, WorkshopCostModel
    from tests.models.synth import dataset

    samples, prices = dataset(40, seed=3)
    folder = tmp_path_factory.mktemp("models")
    WorkshopCostModel.build("lyon-usinage", CostRatioRegressor(n_estimators=30).fit(samples, prices)).save(folder)
    return folder


def test_a_calibrated_quote_imports_no_scikit_learn(plate_file: Path, model_dir: Path) -> None:
    argv = ["quote", str(plate_file), "--material", "al6061", "--json", "--model-dir", str(model_dir)]
    code = (f"import sys; from api.cli import main; main({argv!r}); "
            "print([m for m in ('sklearn', 'skops') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    answer, imported = out.stdout.rstrip("\n").rsplit("\n", 1)
    assert imported == "[]"
    versions = [o["model_version"] for o in json.loads(answer)["offers"] if o["workshop_id"] == "lyon-usinage"]
    assert versions and all(v.startswith("40 jobs") for v in versions)
