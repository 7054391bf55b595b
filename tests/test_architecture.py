"""The package floors of ARCHITECTURE.md, checked on the source: imports point one way, by any means.

An import counts whether it is a statement (``import x``, ``from x import y``,
relative or not) or a string handed to ``importlib.import_module``,
``importlib.util.find_spec`` or ``__import__``; in a module that calls one of
those, every other string constant naming a module of ours (``"api.db"``) counts too.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
_DYNAMIC = {"import_module", "find_spec", "__import__"}
_MODULE_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def imports_of(source: str, module: str) -> list[str]:
    """Every module ``source`` (the code of dotted ``module``) imports, statically or by name."""
    tree = ast.parse(source)
    names: list[str] = []
    dynamic = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(_absolute(node, module))
        elif isinstance(node, ast.Call):
            fn = node.func
            called = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if called in _DYNAMIC:
                dynamic = True
                names += [a.value for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if dynamic:  # module names kept in strings elsewhere (a table of lazy imports)
        names += [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                  and isinstance(node.value, str) and "." in node.value and _MODULE_PATH.match(node.value)
                  and node.value.split(".")[0] in PACKAGES + tuple(HEAVY)]
    return names


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")[: len(module.split(".")) - node.level]
    return ".".join(base + ([node.module] if node.module else []))


def violations(package: str, source: str, module: str) -> list[str]:
    bad = []
    for name in imports_of(source, module):
        top = name.split(".")[0]
        if top in PACKAGES and top not in ALLOWED[package]:
            bad.append(f"{module} imports {name}")
        if top in HEAVY and package not in HEAVY[top]:
            bad.append(f"{module} imports {name} (only geometry may)")
    return bad


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_point_one_way(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        bad += violations(package, path.read_text(encoding="utf-8"), module)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("source", "module"), [
    ("import api.db", "quoting.x"),
    ("from api import db", "quoting.x"),
    ("from ...api import db", "quoting.cli.x"),
    ("import importlib\nserver = importlib.import_module('api.server')", "quoting.x"),
    ("from importlib import import_module\nWHERE = {'a': 'api.auth'}\nimport_module(WHERE['a'])", "quoting.x"),
    ("db = __import__('api.db')", "quoting.x"),
    ("import importlib.util\nimportlib.util.find_spec('api.app')", "quoting.x"),
    ("import trimesh", "quoting.x"),
])
def test_checker_catches_an_upward_import_by_any_means(source: str, module: str) -> None:
    assert violations("quoting", source, module), source


def test_checker_lets_a_downward_import_pass() -> None:
    assert not violations("quoting", "import importlib\nimportlib.import_module('geometry.brep')\n"
                                     "from . import pricing\nNAME = 'api'", "quoting.x")


@pytest.mark.parametrize("package", PACKAGES)
def test_public_surface_is_sorted_and_resolves(package: str) -> None:
    mod = importlib.import_module(package)
    names = getattr(mod, "__all__", None)
    assert names, f"{package} declares no __all__"
    assert list(names) == sorted(names), f"{package}.__all__ is not sorted"
    for name in names:
        assert getattr(mod, name, None) is not None, f"{package}.__all__ names {name}, which it does not define"
