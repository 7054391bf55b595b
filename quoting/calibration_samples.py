"""Past jobs as training samples: each row's part measured and priced by the rule, as the engine prices it.

``rule_sample`` runs ``quoting.pricing.price_line`` on the row and keeps what it
hands a learned cost model (``PricedLine.context``) and the rule total, so a
model is trained on exactly what it sees when quoting. Parts are measured with
``geometry.measure`` through a ``MeasureCache``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from geometry import MeasureCache, measure
from geometry.errors import InputError, MicrofabError
from geometry.features import PartFeatures
from models import CostSample
from quoting.calibration_history import HistoryRow, RowProblem
from quoting.errors import NotManufacturableError
from quoting.materials import get_material
from quoting.pricing import PricingContext, price_line
from quoting.process_kinds import Process
from quoting.processes import process_models
from quoting.ratecard import RateCard

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: today's date used for rule prices of past jobs (lead time does not enter the price)
_PRICING_DAY = dt.date(2025, 1, 6)
#: what a stored part's sha256 is looked up as: its features (or their dict), or the file to measure
Lookup = Callable[[str], "PartFeatures | Mapping[str, Any] | Path"]


def rule_sample(features: PartFeatures, card: RateCard, process: str, material: str, quantity: int,
                finish: str | None = None, tolerance: str | None = None) -> CostSample:
    """The rule-based price of a line at ``card`` and the context the quote engine gives a cost model."""
    proc = Process.parse(process)
    mat = get_material(material)
    if proc not in card.processes:
        raise NotManufacturableError(f"{card.id} does not offer {proc.value}: fix the row or the rate card")
    if mat.key not in card.materials:
        raise NotManufacturableError(f"{card.id} does not stock {mat.key}: fix the row or add it to the rate card")
    machine = card.processes[proc].machines[0]
    # the workshop's DFM overrides, as the engine passes them (turning's tailstock setup reads one)
    estimate = process_models()[proc].estimate(features, mat, machine.machine_class, overrides=card.dfm.get(proc))
    part_mass_kg = (features.volume_mm3 or 0.0) * mat.density_kg_mm3
    ctx = PricingContext(card, estimate, mat, part_mass_kg, None, _PRICING_DAY, machine=machine, features=features,
                         finish=finish, tolerance=tolerance)
    priced = price_line(ctx, quantity)
    return CostSample(features, dict(priced.context), priced.rule_total_eur)


def row_features(row: HistoryRow, folder: Path, lookup: Lookup | None = None,
                 cache: MeasureCache | None = None) -> PartFeatures:
    """The features of a row's part: a stored part by sha256 (``lookup``), else the file under ``folder``."""
    if _SHA256.match(row.file.lower()) and lookup is not None:
        found = lookup(row.file.lower())
        if isinstance(found, PartFeatures):
            return found
        if isinstance(found, Mapping):
            return PartFeatures.from_dict(dict(found))
        return measure(Path(found), cache=cache).features
    return measure(archive_member(folder, row.file), cache=cache).features


def archive_member(folder: Path, name: str) -> Path:
    """The file ``name`` inside ``folder`` (the uploaded archive, or ``--files``), and nothing else.

    Absolute paths, '..', links out of the folder and missing files all fail with the same
    message, which names neither the folder nor whether such a path exists elsewhere.
    """
    refused = InputError(f"{name[:200]!r} not found: it is not in the uploaded archive; name a file by its path "
                         "inside the archive (or the --files folder)", file=name[:200])
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or parts[0] == "/" or ".." in parts or any(":" in p for p in parts[:1]):
        raise refused
    root = folder.resolve()
    path = root.joinpath(*parts)
    try:
        inside = path.resolve(strict=True).is_relative_to(root) and path.is_file()
    except (OSError, RuntimeError):  # missing, a link loop, a name the file system refuses
        inside = False
    if not inside:
        raise refused
    return path


def build_samples(
    rows: Sequence[HistoryRow],
    card: RateCard,
    files_dir: str | os.PathLike[str] | None = None,
    lookup: Lookup | None = None,
    cache: MeasureCache | None = None,
) -> tuple[list[CostSample], list[float], list[HistoryRow], list[RowProblem]]:
    """Samples, prices and rows for the rows that load and price; a problem for each that does not."""
    folder = Path(files_dir) if files_dir is not None else Path(".")
    samples: list[CostSample] = []
    prices: list[float] = []
    used: list[HistoryRow] = []
    problems: list[RowProblem] = []
    for row in rows:
        try:
            features = row_features(row, folder, lookup, cache)
            sample = rule_sample(features, card, row.process, row.material, row.quantity, row.finish, row.tolerance)
        except MicrofabError as err:
            problems.append(RowProblem(row.line, row.file, err.message))
            continue
        except OSError as err:
            problems.append(RowProblem(row.line, row.file, f"cannot read the file ({err.strerror})"))
            continue
        except Exception as err:  # one bad part must not stop a whole history: report it with the row
            problems.append(RowProblem(row.line, row.file, f"could not be measured or priced "
                                                           f"({type(err).__name__}: {err}); check the file"))
            continue
        samples.append(sample)
        prices.append(row.price_eur)
        used.append(row)
    return samples, prices, used, problems


__all__ = ["Lookup", "archive_member", "build_samples", "row_features", "rule_sample"]
