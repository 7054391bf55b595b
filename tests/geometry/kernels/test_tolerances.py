"""Tolerances live in one documented dataclass (``geometry.tolerances.tol``): no stray epsilons in geometry."""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from pathlib import Path

import pytest

from geometry.tolerances import Tolerances, tol

GEOMETRY = Path(__file__).resolve().parents[3] / "geometry"
#: a float literal written with a negative exponent (1e-6, 2.5E-9): an epsilon
EPSILON = re.compile(r"^[0-9.]+[eE]-[0-9]+$")


def test_tol_is_frozen_and_every_field_is_documented() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        tol.merge_mm = 1.0  # type: ignore[misc]
    source = (GEOMETRY / "tolerances.py").read_text(encoding="utf-8").splitlines()
    for field in dataclasses.fields(Tolerances):
        line = next(i for i, text in enumerate(source) if re.match(rf"\s+{field.name}: ", text))
        above = source[line - 1].strip()
        assert above.startswith("#:") or source[line - 2].strip().startswith("#:"), f"{field.name} has no #: comment"


@pytest.mark.parametrize(
    "path", sorted(p for p in GEOMETRY.rglob("*.py") if p.name != "tolerances.py" or p.parent != GEOMETRY),
    ids=lambda p: str(p.relative_to(GEOMETRY)),
)
def test_no_literal_epsilon_outside_tolerances(path: Path) -> None:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    found = [f"line {t.start[0]}: {t.string}" for t in tokens if t.type == tokenize.NUMBER and EPSILON.match(t.string)]
    assert not found, f"{path.name}: literal epsilons, name them in geometry.tolerances.Tolerances: {found}"
