"""A workshop's history of past jobs: the CSV file read into rows, and the rows left out with why.

Columns: ``file`` (path relative to the files folder, or the sha256 of a stored
part), ``process``, ``material``, ``quantity``, ``price_eur`` (total of the
line); optional ``lead_time_days``, ``date``, ``finish``, ``tolerance``. Lines
starting with ``#`` are comments. Format in the README, "## Calibration".
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

from geometry.errors import InputError
from quoting.errors import HistoryError
from quoting.materials import get_material
from quoting.process_kinds import Process

REQUIRED_COLUMNS = ("file", "process", "material", "quantity", "price_eur")
OPTIONAL_COLUMNS = ("lead_time_days", "date", "finish", "tolerance")


@dataclass(frozen=True)
class HistoryRow:
    line: int
    file: str
    process: str
    material: str
    quantity: int
    price_eur: float
    lead_time_days: float | None = None
    date: str | None = None
    finish: str | None = None
    tolerance: str | None = None


@dataclass(frozen=True)
class RowProblem:
    """A history row that was left out, and why."""

    line: int
    file: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line} ({self.file or 'no file'}): {self.message}"


def read_history(path: str | os.PathLike[str]) -> tuple[list[HistoryRow], list[RowProblem]]:
    """The good rows of a history CSV and a problem for each bad one (raises when a column is missing)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise HistoryError(f"{p}: cannot read the history ({err.strerror}): give the path of a CSV file",
                           file=str(p)) from err
    numbered = [(i + 1, line) for i, line in enumerate(text.splitlines())
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise HistoryError(f"{p}: the history is empty: give a CSV with a header line "
                           f"{','.join(REQUIRED_COLUMNS)} and one line per past job", file=str(p))
    reader = csv.reader([line for _, line in numbered])
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise HistoryError(f"{p}: missing column(s) {', '.join(missing)} (found: {', '.join(header)}); the "
                           f"header must name {', '.join(REQUIRED_COLUMNS)}", file=str(p), missing=missing)
    rows: list[HistoryRow] = []
    problems: list[RowProblem] = []
    for (line_no, _), values in zip(numbered[1:], reader, strict=True):
        rec = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
        file = rec["file"]
        try:
            rows.append(_row(line_no, rec))
        except (InputError, ValueError) as err:
            problems.append(RowProblem(line_no, file, getattr(err, "message", str(err))))
    return rows, problems


def _row(line: int, rec: dict[str, str]) -> HistoryRow:
    if not rec["file"]:
        raise ValueError("no file: give a path relative to --files, or the sha256 of a stored part")
    process = Process.parse(rec["process"]).value
    material = get_material(rec["material"]).key
    try:
        quantity = int(rec["quantity"])
    except ValueError:
        raise ValueError(f"quantity {rec['quantity']!r} is not a whole number") from None
    if quantity < 1:
        raise ValueError(f"quantity {quantity} must be at least 1")
    try:
        price = float(rec["price_eur"])
    except ValueError:
        raise ValueError(f"price_eur {rec['price_eur']!r} is not a number of EUR") from None
    if not math.isfinite(price) or price <= 0:
        raise ValueError(f"price_eur {rec['price_eur']!r} must be a positive number of EUR")
    lead = rec.get("lead_time_days") or None
    return HistoryRow(
        line=line,
        file=rec["file"],
        process=process,
        material=material,
        quantity=quantity,
        price_eur=price,
        lead_time_days=float(lead) if lead else None,
        date=rec.get("date") or None,
        finish=rec.get("finish") or None,
        tolerance=rec.get("tolerance") or None,
    )


__all__ = ["OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "HistoryRow", "RowProblem", "read_history"]
