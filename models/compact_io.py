"""Compact cost-model files: a fitted regressor's parameters as numpy arrays and JSON, no pickle.

``<workshop_id>.npz`` sits beside the ``<workshop_id>.skops`` archive it was
made from (``models.cost_model`` writes both; the archive stays the complete
fitted estimator). It is a compressed numpy archive read with
``allow_pickle=False``: the arrays, and one JSON document (the array ``doc``,
UTF-8 bytes) with the format, the model's metadata, the structure of the
model (which arrays hold which trees, folds and prior) and the archive it
was made from (sha256, size, modification time), so that a compact file that
does not belong to the archive beside it is never used. ``compact_model`` reads a fitted ``CostRatioRegressor``
by its attributes only, so this module imports no scikit-learn either.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from models.compact import CompactCore, CompactPrior, CompactRegressor, LogRatioPrior, Trees
from models.errors import ModelError

COMPACT_FORMAT = "microfab.costmodel-compact/1"
COMPACT_SUFFIX = ".npz"


def compact_path(skops_path: Path) -> Path:
    """The compact file that belongs beside a ``.skops`` model archive."""
    return skops_path.with_suffix(COMPACT_SUFFIX)


@dataclass(frozen=True)
class ArchiveId:
    """Which skops archive a compact file was made from."""

    sha256: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> ArchiveId:
        st = path.stat()
        return cls(hashlib.sha256(path.read_bytes()).hexdigest(), st.st_size, st.st_mtime_ns)

    def matches(self, path: Path) -> bool:
        """Whether ``path`` is this archive: the same size and modification time, or else the same sha256
        (an archive copied without its times); hashing a 26 MB archive takes ~40 ms, a stat microseconds."""
        st = path.stat()
        if (st.st_size, st.st_mtime_ns) == (self.size, self.mtime_ns):
            return True
        return st.st_size == self.size and hashlib.sha256(path.read_bytes()).hexdigest() == self.sha256


# --- from a fitted scikit-learn model ------------------------------------------------------------------------

def compact_model(est: Any) -> CompactRegressor:
    """The ``CompactRegressor`` of a fitted ``CostRatioRegressor`` (its prior too)."""
    prior = est.prior_
    return CompactRegressor(
        level=float(est.level), n_samples_=int(est.n_samples_), weight_=float(est.weight_),
        conformal_=bool(est.conformal_), residual_lo_=float(est.residual_lo_), residual_hi_=float(est.residual_hi_),
        training_sha256_=str(est.training_sha256_), core=_core(est.core_),
        fold_cores=tuple(_core(c) for c in est.fold_cores_),
        fold_of_=np.asarray(est.fold_of_, dtype=np.int64), oof_residuals_=np.asarray(est.oof_residuals_, np.float64),
        prior_=None if prior is None else _prior(prior),
    )


def _prior(prior: Any) -> LogRatioPrior:
    if hasattr(prior, "models_"):  # a MarketplacePrior
        return CompactPrior(tuple(compact_model(m) for m in prior.models_), float(prior.residual_lo_),
                            float(prior.residual_hi_))
    if hasattr(prior, "core_"):  # another CostRatioRegressor
        return compact_model(prior)
    raise ModelError(f"a prior of type {type(prior).__name__} has no compact form")


def _core(core: Any) -> CompactCore:
    v, rate = core.vectorizer, core.ratefit
    return CompactCore(
        categories=tuple(str(c) for c in v.categories),
        values={str(k): [str(x) for x in vals] for k, vals in v.categories_.items()},
        n_columns=int(v.n_features_out_),
        rate_keys=None if rate is None else tuple(str(k) for k in rate.keys_),
        rate_coef=None if rate is None else np.asarray(rate.coef_, dtype=np.float64),
        offset=float(core.offset),
        trees=None if core.gbr is None else _trees(core.gbr),
    )


def _trees(gbr: Any) -> Trees:
    trees = [e.tree_ for e in gbr.estimators_[:, 0]]
    shape = (len(trees), max(t.node_count for t in trees))
    feature = np.zeros(shape, dtype=np.int32)
    threshold = np.zeros(shape)
    left = np.full(shape, -1, dtype=np.int32)
    right = np.full(shape, -1, dtype=np.int32)
    value = np.zeros(shape)
    for i, t in enumerate(trees):
        k = t.node_count
        feature[i, :k] = np.maximum(t.feature, 0)  # leaves say -2; never followed
        threshold[i, :k] = t.threshold
        left[i, :k] = t.children_left
        right[i, :k] = t.children_right
        value[i, :k] = t.value[:, 0, 0]
    if isinstance(gbr.init_, str):  # init="zero"
        init = 0.0
    else:  # what the init estimator predicts, as float64 (its prediction is the same for every row)
        init = float(np.asarray(gbr.init_.predict(np.zeros((1, gbr.n_features_in_)))).astype(np.float64).ravel()[0])
    return Trees(init, float(gbr.learning_rate), max(int(t.max_depth) for t in trees), feature, threshold, left,
                 right, value)


# --- writing -------------------------------------------------------------------------------------------------

class _Arrays:
    """Arrays collected while the JSON structure is written: each is a slice of one flat array per dtype (a
    few members to inflate when reading, however many trees), named in the JSON by [dtype, start, shape]."""

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in _DTYPES}
        self.sizes = dict.fromkeys(_DTYPES, 0)

    def put(self, array: np.ndarray) -> list[Any]:
        kind = array.dtype.name
        self.parts[kind].append(array.ravel())
        start = self.sizes[kind]
        self.sizes[kind] += array.size
        return [kind, start, list(array.shape)]

    def flat(self) -> dict[str, np.ndarray]:
        return {kind: np.concatenate(parts) if parts else np.zeros(0, dtype=kind) for kind, parts in self.parts.items()}


#: the dtypes of the stored arrays (node indices and features, fold numbers, everything else)
_DTYPES = ("int32", "int64", "float64")


def _regressor_doc(m: CompactRegressor, arrays: _Arrays) -> dict[str, Any]:
    prior = m.prior_
    prior_doc: dict[str, Any] | None = None
    if isinstance(prior, CompactPrior):
        prior_doc = {"kind": "marketplace", "models": [_regressor_doc(x, arrays) for x in prior.models],
                     "residual_lo": prior.residual_lo_, "residual_hi": prior.residual_hi_}
    elif isinstance(prior, CompactRegressor):
        prior_doc = {"kind": "regressor", "model": _regressor_doc(prior, arrays)}
    return {
        "level": m.level, "n_samples": m.n_samples_, "weight": m.weight_, "conformal": m.conformal_,
        "residual_lo": m.residual_lo_, "residual_hi": m.residual_hi_, "training_sha256": m.training_sha256_,
        "core": _core_doc(m.core, arrays), "folds": [_core_doc(c, arrays) for c in m.fold_cores],
        "fold_of": arrays.put(m.fold_of_), "oof_residuals": arrays.put(m.oof_residuals_), "prior": prior_doc,
    }


def _core_doc(c: CompactCore, arrays: _Arrays) -> dict[str, Any]:
    t = c.trees
    trees = None if t is None else {
        "init": t.init, "learning_rate": t.learning_rate, "depth": t.depth,
        **{name: arrays.put(getattr(t, name)) for name in ("feature", "threshold", "left", "right", "value")},
    }
    return {"categories": list(c.categories), "values": {k: list(v) for k, v in c.values.items()},
            "n_columns": c.n_columns, "rate_keys": None if c.rate_keys is None else list(c.rate_keys),
            "rate_coef": None if c.rate_coef is None else arrays.put(c.rate_coef), "offset": c.offset, "trees": trees}


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def write_compact(path: Path, model: CompactRegressor, meta: Mapping[str, Any], archive: ArchiveId) -> Path:
    """Write ``model`` with ``meta`` to ``path`` (atomically), naming the skops archive it belongs to."""
    arrays = _Arrays()
    doc = {"format": COMPACT_FORMAT, "archive": dataclasses.asdict(archive), "meta": dict(meta),
           "model": _regressor_doc(model, arrays)}
    text = json.dumps(doc, default=_jsonable, sort_keys=True).encode()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    items = {"doc": np.frombuffer(text, dtype=np.uint8), **arrays.flat()}
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as npz:  # what np.savez_compressed writes
        for name, array in items.items():
            with npz.open(f"{name}.npy", "w") as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    tmp.replace(path)
    return path


# --- reading -------------------------------------------------------------------------------------------------

def read_compact(path: Path) -> tuple[dict[str, Any], ArchiveId, CompactRegressor]:
    """(metadata, the skops archive it was made from, model) of a compact file; ``ModelError`` when it is not
    one of ours or is damaged."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            doc = json.loads(npz["doc"].tobytes())
            if not isinstance(doc, dict) or doc.get("format") != COMPACT_FORMAT:
                raise ModelError(f"{path}: not a {COMPACT_FORMAT} file", file=str(path))
            flat = {kind: npz[kind] for kind in _DTYPES}
            model = _read_regressor(doc["model"], flat)
            a = doc["archive"]
            return dict(doc["meta"]), ArchiveId(str(a["sha256"]), int(a["size"]), int(a["mtime_ns"])), model
    except ModelError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile) as err:
        raise ModelError(f"{path}: not a readable compact cost model ({type(err).__name__}: {err})",
                         file=str(path)) from err


def _read_regressor(d: Mapping[str, Any], flat: Mapping[str, np.ndarray]) -> CompactRegressor:
    p = d["prior"]
    prior: LogRatioPrior | None = None
    if p is not None and p["kind"] == "marketplace":
        prior = CompactPrior(tuple(_read_regressor(m, flat) for m in p["models"]), float(p["residual_lo"]),
                             float(p["residual_hi"]))
    elif p is not None:
        prior = _read_regressor(p["model"], flat)
    m = CompactRegressor(
        level=float(d["level"]), n_samples_=int(d["n_samples"]), weight_=float(d["weight"]),
        conformal_=bool(d["conformal"]), residual_lo_=float(d["residual_lo"]), residual_hi_=float(d["residual_hi"]),
        training_sha256_=str(d["training_sha256"]), core=_read_core(d["core"], flat),
        fold_cores=tuple(_read_core(c, flat) for c in d["folds"]),
        fold_of_=_array(flat, d["fold_of"], np.int64), oof_residuals_=_array(flat, d["oof_residuals"], np.float64),
        prior_=prior,
    )
    if m.fold_of_.shape != m.oof_residuals_.shape or m.fold_of_.shape != (m.n_samples_,) or \
            (m.conformal_ and (m.fold_of_.min() < 0 or m.fold_of_.max() >= len(m.fold_cores))):
        raise ValueError("the CV+ folds do not match the history")
    return m


def _read_core(d: Mapping[str, Any], flat: Mapping[str, np.ndarray]) -> CompactCore:
    t = d["trees"]
    trees = None
    n_columns = int(d["n_columns"])
    if t is not None:
        ints = {k: _array(flat, t[k], np.int32) for k in ("feature", "left", "right")}
        trees = Trees(float(t["init"]), float(t["learning_rate"]), int(t["depth"]), ints["feature"],
                      _array(flat, t["threshold"], np.float64), ints["left"], ints["right"],
                      _array(flat, t["value"], np.float64))
        shapes = {a.shape for a in (trees.feature, trees.threshold, trees.left, trees.right, trees.value)}
        nodes = trees.feature.shape[1]
        if len(shapes) != 1 or trees.feature.ndim != 2 or trees.feature.max(initial=0) > n_columns or \
                trees.left.max(initial=-1) >= nodes or trees.right.max(initial=-1) >= nodes:
            raise ValueError("inconsistent tree arrays")
    coef = None if d["rate_coef"] is None else _array(flat, d["rate_coef"], np.float64)
    keys = None if d["rate_keys"] is None else tuple(str(k) for k in d["rate_keys"])
    return CompactCore(tuple(str(c) for c in d["categories"]),
                       {str(k): [str(x) for x in v] for k, v in d["values"].items()}, n_columns, keys, coef,
                       float(d["offset"]), trees)


def _array(flat: Mapping[str, np.ndarray], ref: list[Any], dtype: type[np.generic]) -> npt.NDArray[Any]:
    kind, start, shape = str(ref[0]), int(ref[1]), tuple(int(n) for n in ref[2])
    if kind != np.dtype(dtype).name:
        raise ValueError(f"an array of {kind}, expected {np.dtype(dtype)}")
    size = int(np.prod(shape, dtype=np.int64))
    if start < 0 or start + size > len(flat[kind]):
        raise ValueError("an array beyond the stored data")
    return flat[kind][start:start + size].reshape(shape)


__all__ = ["COMPACT_FORMAT", "COMPACT_SUFFIX", "ArchiveId", "compact_model", "compact_path", "read_compact",
           "write_compact"]
