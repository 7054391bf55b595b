"""The per-workshop cost model the quote engine calls, and its save/load.

Engine interface (``quoting.pricing.price_line`` calls it per quantity line)::

    models = load_cost_models(model_dir)            # {workshop_id: WorkshopCostModel}
    total, low, high, level = models[card.id].predict(features, context, rule_total_eur)
    models[card.id].version                         # "50 jobs, 2026-11-26, data 1a2b3c4d"

``predict`` returns a ``Prediction`` named tuple (``total_eur``, ``low_eur``,
``high_eur``, ``level``) that also unpacks as above. ``context`` is the plain
dict the engine builds (``quoting.pricing.model_context``): ``process``,
``machine_class``, ``material``, ``quantity``, ``batch_time_min``,
``part_time_min``, ``stock_mass_kg``, ``machine_h`` and ``breakdown_eur`` (the
rule cost lines by name); see ``models.samples`` for every key read. The
model must see at prediction the same context it was trained on, so
``quoting.calibration`` records the context through ``price_line`` itself.

Files are deflated skops archives (``<model_dir>/<workshop_id>.skops``) holding the
fitted ``CostRatioRegressor`` and a metadata dict: format, library versions,
feature names, training-data sha256, history size and the cross-validated
figures. Loading refuses, with a ``ModelError`` that says to re-run
``microfab calibrate``, a file whose format, scikit-learn version, feature
names or training hash do not match, or that holds types from outside
microfab, scikit-learn, numpy and scipy. Files whose name starts with ``_``
(the marketplace prior) are not workshop models.

Beside each archive, ``save`` writes its compact form (``<workshop_id>.npz``,
``models.compact_io``): the learned parameters as numpy arrays, which predict
the same prices without scikit-learn or skops. ``load_cost_model`` reads the
compact file when it was made from the archive beside it (milliseconds,
no scikit-learn import), and otherwise the archive, with every check above,
and then writes the compact file for the next time (an archive stored before
compact files existed is migrated so on its first load).
"""

from __future__ import annotations

import datetime as dt
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np

from geometry.features import PartFeatures
from models._arrays import FloatArray
from models.compact_io import ArchiveId, compact_model, compact_path, read_compact, write_compact
from models.errors import ModelError
from models.rows import NUMERIC_FEATURES
from models.samples import CostSample

if TYPE_CHECKING:
    from models.regressor import CostRatioRegressor

#: bumped whenever the fitted internals change shape (older files are refused, not misread);
#: 3: CV+ intervals (the fold models, their fold of each job and the out-of-fold residuals are stored)
MODEL_FORMAT = "microfab.costmodel/3"
MODEL_SUFFIX = ".skops"
#: modules whose types a model file may contain
_TRUSTED_MODULES = ("models.", "sklearn.", "numpy.", "scipy.", "builtins.")


class Prediction(NamedTuple):
    """A calibrated price of one line with its interval [EUR]; unpacks as ``total, low, high, level``."""

    total_eur: float
    low_eur: float
    high_eur: float
    #: nominal coverage of [low, high] (0.8 = 80 %)
    level: float


def library_versions() -> dict[str, str]:
    out = {}
    for lib in ("scikit-learn", "skops", "numpy", "scipy"):
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "unknown"
    return out


class CostEstimator(Protocol):
    """What a workshop model predicts with: a ``CostRatioRegressor`` or its ``models.compact.CompactRegressor``."""

    @property
    def level(self) -> float: ...

    @property
    def n_samples_(self) -> int: ...

    @property
    def training_sha256_(self) -> str: ...

    @property
    def prior_(self) -> object | None: ...

    def predict(self, X: list[CostSample]) -> FloatArray: ...

    def predict_interval(self, X: list[CostSample]) -> tuple[FloatArray, FloatArray]: ...


@dataclass(frozen=True)
class WorkshopCostModel:
    """A fitted model of one workshop's prices, with the metadata stored beside it."""

    workshop_id: str
    estimator: CostEstimator
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, workshop_id: str, estimator: CostRatioRegressor, report: Mapping[str, Any] | None = None
              ) -> "WorkshopCostModel":
        """Wrap a fitted estimator with its metadata (versions, feature names, training hash)."""
        meta = {
            "format": MODEL_FORMAT,
            "workshop_id": workshop_id,
            "versions": library_versions(),
            "feature_names": [str(n) for n in estimator.get_feature_names_out()],
            "numeric_features": list(NUMERIC_FEATURES),
            "training_sha256": estimator.training_sha256_,
            "n_jobs": int(estimator.n_samples_),
            "prior": estimator.prior_ is not None,
            "level": float(estimator.level),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "report": dict(report or {}),
        }
        return cls(workshop_id, estimator, meta)

    def predict(self, features: PartFeatures, context: Mapping[str, Any], rule_total_eur: float) -> Prediction:
        """The calibrated total of one line and its interval, from the rule total and the engine's context."""
        sample = [CostSample(features, dict(context), float(rule_total_eur))]
        try:
            total = float(self.estimator.predict(sample)[0])
            low, high = self.estimator.predict_interval(sample)
        except ModelError:
            raise
        except Exception as err:  # a model that cannot price this line must say so, not crash the quote
            raise ModelError(f"the cost model of {self.workshop_id} cannot price this line ({type(err).__name__}: "
                             f"{err}): re-run `microfab calibrate` for this workshop",
                             workshop_id=self.workshop_id) from err
        if not (np.isfinite(total) and total > 0):
            raise ModelError(f"the cost model of {self.workshop_id} gave an unusable price ({total!r}): re-run "
                             "`microfab calibrate` for this workshop", workshop_id=self.workshop_id)
        return Prediction(
            total_eur=total,
            low_eur=float(min(low[0], total)),
            high_eur=float(max(high[0], total)),
            level=float(self.estimator.level),
        )

    @property
    def version(self) -> str:
        """Short description for offers: history size, prior, date, training hash."""
        n = self.meta.get("n_jobs", self.estimator.n_samples_)
        how = " + marketplace prior" if self.estimator.prior_ is not None else ""
        when = str(self.meta.get("created_at", ""))[:10]
        return f"{n} jobs{how}, {when}, data {self.estimator.training_sha256_[:8]}"

    def save(self, model_dir: str | os.PathLike[str]) -> Path:
        """Write ``<model_dir>/<workshop_id>.skops`` and its compact form ``<workshop_id>.npz``; returns the
        archive's path. The compact file is in place before the archive (the API processes watch archives)."""
        import skops.io as sio

        from models.regressor import CostRatioRegressor

        if not isinstance(self.estimator, CostRatioRegressor):
            raise ModelError(f"the model of {self.workshop_id} was loaded from its compact file and cannot be "
                             "stored again: re-run `microfab calibrate` for this workshop",
                             workshop_id=self.workshop_id)
        folder = Path(model_dir)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.workshop_id}{MODEL_SUFFIX}"
        tmp = path.with_suffix(".tmp")
        # deflated: the CV+ fold models make the archive ~8x larger raw (31.8 -> 3.8 MB for 200 jobs)
        sio.dump({"meta": dict(self.meta), "estimator": self.estimator}, tmp, compression=zipfile.ZIP_DEFLATED,
                 compresslevel=6)
        write_compact(compact_path(path), compact_model(self.estimator), self.meta, ArchiveId.of(tmp))
        tmp.replace(path)
        return path


def read_skops(p: Path) -> dict[str, Any]:
    """A skops archive of ours (a dict with "meta"), refusing types from outside our libraries."""
    import skops.io as sio

    again = "re-run `microfab calibrate` for this workshop"
    try:
        untrusted = sio.get_untrusted_types(file=p)
    except Exception as err:
        raise ModelError(f"{p}: not a readable cost model ({type(err).__name__}): {again}", file=str(p)) from err
    bad = [t for t in untrusted if not t.startswith(_TRUSTED_MODULES)]
    if bad:
        raise ModelError(f"{p}: the model file contains unexpected types ({', '.join(bad[:3])}): refusing to load "
                         f"it; {again}", file=str(p))
    try:
        doc = sio.load(p, trusted=untrusted)
    except Exception as err:
        raise ModelError(f"{p}: cannot read the cost model ({type(err).__name__}: {err}): {again}",
                         file=str(p)) from err
    if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict):
        raise ModelError(f"{p}: not a microfab cost model: {again}", file=str(p))
    return doc


def load_cost_model(path: str | os.PathLike[str], training_sha256: str | None = None) -> WorkshopCostModel:
    """Load one saved model, refusing a mismatched one (versions, features, training hash, format): from its
    compact file when that belongs to the archive at ``path``, else from the archive (then compacted)."""
    p = Path(path)
    model = _load_compact(p)
    if model is None:
        model = _load_archive(p)
        _write_compact_beside(p, model)
    if training_sha256 is not None and training_sha256 != model.estimator.training_sha256_:
        raise ModelError(f"{p}: the model was trained on other data (sha256 {model.estimator.training_sha256_[:12]}"
                         f"..., expected {training_sha256[:12]}...): re-run `microfab calibrate` for this workshop",
                         file=str(p))
    return model


def _load_compact(p: Path) -> WorkshopCostModel | None:
    """The model of the compact file beside the archive ``p``; None when there is none, it is unreadable, or it
    was made from another archive (the archive is then read, and checked, instead)."""
    compact = compact_path(p)
    if not compact.is_file() or not p.is_file():
        return None
    try:
        meta, archive, estimator = read_compact(compact)
        if not archive.matches(p):
            return None
    except (ModelError, OSError):
        return None
    if meta.get("format") != MODEL_FORMAT or list(meta.get("numeric_features", [])) != list(NUMERIC_FEATURES) \
            or meta.get("training_sha256") != estimator.training_sha256_:
        return None
    return WorkshopCostModel(str(meta.get("workshop_id", p.stem)), estimator, meta)


def _write_compact_beside(p: Path, model: WorkshopCostModel) -> None:
    """Store the compact form of a model read from its archive (best effort: a read-only folder keeps
    reading the archive)."""
    try:
        write_compact(compact_path(p), compact_model(model.estimator), model.meta, ArchiveId.of(p))
    except (OSError, ModelError):
        pass


def _load_archive(p: Path) -> WorkshopCostModel:
    """A model from its skops archive, refusing a mismatched one."""
    from models.regressor import CostRatioRegressor

    again = "re-run `microfab calibrate` for this workshop"
    doc = read_skops(p)
    meta, est = doc["meta"], doc.get("estimator")
    if meta.get("format") != MODEL_FORMAT or not isinstance(est, CostRatioRegressor):
        raise ModelError(f"{p}: model format {meta.get('format')!r}, expected {MODEL_FORMAT!r}: {again}",
                         file=str(p))
    saved = meta.get("versions", {}).get("scikit-learn", "?")
    now = library_versions()["scikit-learn"]
    if saved.split(".")[:2] != now.split(".")[:2]:
        raise ModelError(f"{p}: model trained with scikit-learn {saved}, this is {now}: {again}", file=str(p))
    if list(meta.get("numeric_features", [])) != list(NUMERIC_FEATURES) or \
            list(meta.get("feature_names", [])) != [str(n) for n in est.get_feature_names_out()]:
        raise ModelError(f"{p}: the model's feature names differ from this microfab's: {again}", file=str(p))
    if meta.get("training_sha256") != est.training_sha256_:
        raise ModelError(f"{p}: the training-data hash in the metadata does not match the model: {again}",
                         file=str(p))
    return WorkshopCostModel(str(meta.get("workshop_id", p.stem)), est, meta)


def load_cost_models(model_dir: str | os.PathLike[str] | None) -> dict[str, WorkshopCostModel]:
    """Every ``*.skops`` model in ``model_dir`` by workshop id ({} when the folder does not exist)."""
    if model_dir is None:
        return {}
    folder = Path(model_dir)
    if not folder.is_dir():
        return {}
    out = {}
    for path in sorted(folder.glob(f"*{MODEL_SUFFIX}")):
        if path.stem.startswith("_"):  # _marketplace-prior.skops and other non-workshop models
            continue
        model = load_cost_model(path)
        out[model.workshop_id] = model
    return out


