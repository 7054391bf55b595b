"""Reading the TOML data files shipped in ``quoting/data/``."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def read_data(name: str) -> dict[str, Any]:
    """The parsed TOML file ``quoting/data/<name>`` (cached; treat as read-only)."""
    text = resources.files("quoting").joinpath("data", name).read_text(encoding="utf-8")
    return tomllib.loads(text)
