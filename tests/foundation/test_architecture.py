"""The package boundaries of ARCHITECTURE.md, checked on the source: imports point one way."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("geometry", "models", "quoting", "api")
#: what each package may import among ours (api -> quoting -> models -> geometry)
ALLOWED = {
    "geometry": {"geometry"},
    "models": {"models", "geometry"},
    "quoting": {"quoting", "models", "geometry"},
    "api": {"api", "quoting", "models", "geometry"},
}
#: only these packages may import the CAD/mesh kernels
HEAVY = {"OCP": {"geometry"}, "cadquery": {"geometry"}, "trimesh": {"geometry"}}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top not in ALLOWED[package]:
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
            if top in HEAVY and package not in HEAVY[top]:
                bad.append(f"{path.relative_to(ROOT)} imports {name} (only geometry may)")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", PACKAGES)
def test_public_surface_is_sorted_and_resolves(package: str) -> None:
    mod = importlib.import_module(package)
    names = list(getattr(mod, "__all__", []))
    assert names == sorted(names), f"{package}.__all__ is not sorted"
    for name in names:
        assert hasattr(mod, name), f"{package}.__all__ names {name}, which it does not define"
