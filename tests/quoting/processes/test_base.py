"""The shared ProcessModel base: one prologue, one calling convention for every family."""

from __future__ import annotations

import inspect

import pytest

from quoting.errors import NotManufacturableError
from quoting.materials import get_material
from quoting.process_kinds import Process
from quoting.processes import ProcessModel, process_models
from tests.quoting.processes.helpers import features

MODELS = process_models()


@pytest.mark.parametrize("process", list(Process), ids=lambda p: p.value)
def test_every_family_derives_from_the_base_and_takes_overrides_as_a_keyword(process: Process) -> None:
    model = MODELS[process]
    assert isinstance(model, ProcessModel)
    for method in (model.check, model.estimate):
        overrides = inspect.signature(method).parameters["overrides"]
        assert overrides.kind is inspect.Parameter.KEYWORD_ONLY and overrides.default is None


@pytest.mark.parametrize("process", list(Process), ids=lambda p: p.value)
def test_the_prologue_refuses_an_unknown_machine_class(process: Process) -> None:
    model = MODELS[process]
    material = get_material("al6061")
    codes = [f.code for f in model.check(features(), material, "no-such-machine", overrides={})]
    assert "machine_class_unknown" in codes
    with pytest.raises(NotManufacturableError):
        model.estimate(features(), material, "no-such-machine", overrides=None)


def test_an_unknown_override_is_refused_by_every_family() -> None:
    from quoting.errors import UnknownOptionError

    for model in MODELS.values():
        with pytest.raises(UnknownOptionError, match="unknown DFM threshold 'nope'"):
            model.check(features(), get_material("al6061"), "3axis", overrides={"nope": 1.0})
