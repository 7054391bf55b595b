"""Synthetic cost samples with known pricing (no CAD): features, contexts and prices from a formula."""

from __future__ import annotations

import hashlib

import numpy as np

from geometry.features import FileFormat, MeshInfo, PartFeatures, SourceInfo
from models import CostSample

#: the "true" workshop behind the synthetic prices
TRUE = {"rate_eur_h": 92.0, "setup_rate_eur_h": 140.0, "markup_fraction": 0.3, "margin_fraction": 0.2}
#: what its rate card says
CARD = {"rate_eur_h": 75.0, "setup_rate_eur_h": 60.0, "markup_fraction": 0.1, "margin_fraction": 0.2}


def features(i: int, rng: np.random.Generator) -> PartFeatures:
    dims = tuple(sorted((float(x) for x in rng.uniform(10, 200, 3)), reverse=True))
    volume = dims[0] * dims[1] * dims[2] * float(rng.uniform(0.3, 0.9))
    return PartFeatures(
        source=SourceInfo(f"part{i}.step", FileFormat.STEP, hashlib.sha256(str(i).encode()).hexdigest(), 1000, "mm",
                          "file"),
        bbox_mm=dims,  # type: ignore[arg-type]
        mesh=MeshInfo(100, 50, True, 1),
        volume_mm3=volume,
        area_mm2=2 * (dims[0] * dims[1] + dims[1] * dims[2] + dims[0] * dims[2]),
    )


def context(rng: np.random.Generator, material: str, quantity: int, rates: dict[str, float]) -> dict[str, float | str]:
    batch_min = float(rng.uniform(30, 240))
    part_min = float(rng.uniform(2, 90))
    run_min = part_min * quantity * max(0.6, quantity ** np.log2(0.92))
    stock_kg = float(rng.uniform(0.05, 3.0))
    base_eur_kg = {"al6061": 4.0, "ss304": 7.0, "pom": 9.0}[material]
    setup = batch_min / 60 * rates["setup_rate_eur_h"]
    machining = run_min / 60 * rates["rate_eur_h"]
    mat = stock_kg * quantity * base_eur_kg * (1 + rates["markup_fraction"])
    margin = (setup + machining + mat) * rates["margin_fraction"]
    return {
        "process": "cnc_milling", "machine_class": "3axis", "material": material, "quantity": quantity,
        "batch_time_min": batch_min, "part_time_min": part_min, "run_time_min": run_min, "stock_mass_kg": stock_kg,
        "material_base_eur_kg": base_eur_kg, "rate_eur_h": CARD["rate_eur_h"],
        "setup_rate_eur_h": CARD["setup_rate_eur_h"], "markup_fraction": CARD["markup_fraction"],
        "margin_fraction": CARD["margin_fraction"],
        "setup_eur": setup, "machining_eur": machining, "material_eur": mat, "margin_eur": margin,
        "shipping_eur": 15.0,
    }


def dataset(n: int, seed: int = 0, noise_sd: float = 0.05) -> tuple[list[CostSample], np.ndarray]:
    """``n`` samples priced by the card (rule) and by the TRUE workshop (prices, with lognormal noise)."""
    rng = np.random.default_rng(seed)
    samples, prices = [], []
    for i in range(n):
        material = ["al6061", "ss304", "pom"][int(rng.integers(3))]
        quantity = int(rng.choice([1, 2, 5, 10, 25, 50]))
        state = rng.bit_generator.state
        card_ctx = context(rng, material, quantity, CARD)
        rng.bit_generator.state = state  # same part and times, priced at the true rates
        true_ctx = context(rng, material, quantity, TRUE)
        rule = sum(float(card_ctx[k]) for k in ("setup_eur", "machining_eur", "material_eur", "margin_eur",
                                                  "shipping_eur"))
        price = sum(float(true_ctx[k]) for k in ("setup_eur", "machining_eur", "material_eur", "margin_eur",
                                                   "shipping_eur"))
        samples.append(CostSample(features(i, rng), card_ctx, rule))
        prices.append(price * float(np.exp(rng.normal(0, noise_sd))))
    return samples, np.array(prices)
