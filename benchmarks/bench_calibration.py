"""Benchmark: held-out price error against history size, on SYNTHETIC demo shops.

For each demo shop of ``quoting.demo_history.SHOPS`` (each priced against a
demo rate card with a behaviour the card does not describe) a pool of jobs is
generated; the last ``--test`` jobs are held out, and models are fitted on the
first 20, 50, 100 and 200. Reported per shop and history size, over
``--repeats`` draws:

- rule: MAPE of the rule-based price (the card alone);
- prior: MAPE of the marketplace prior (``models.MarketplacePrior``) fitted on
  the *other* shops' histories (what a new workshop gets before uploading anything);
- calibrated: MAPE and median APE of the workshop model (blended with that prior);
- coverage of its 80 % intervals on the held-out jobs, and their mean width
  (high - low, as a share of the real price);
- oracle: coverage of the interval that knows the shop's noise-free price and
  its noise (``exp(+-1.2816 noise_sd)`` around it) on the same held-out jobs:
  80 % in expectation, so its distance from 80 % is the luck of the draw that
  no model can do better than.

Features of the demo parts are cached in ``var/cache/demo-features`` (first run
builds them with cadquery). Run: ``.venv/bin/python benchmarks/bench_calibration.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.demo_parts import build_step  # noqa: E402
from models import CostRatioRegressor, MarketplacePrior, coverage, mape, median_ape  # noqa: E402
from quoting.calibration import find_card  # noqa: E402
from quoting.demo_history import SHOPS, demo_features, demo_history, demo_jobs, demo_specs  # noqa: E402

SIZES = (20, 50, 100, 200)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", type=int, default=60, help="distinct demo parts (default 60)")
    ap.add_argument("--test", type=int, default=200, help="held-out jobs per shop (default 200)")
    ap.add_argument("--repeats", type=int, default=3, help="independent draws of the histories (default 3)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="history sizes (default 20,50,100,200)")
    ap.add_argument("--cache", default=str(ROOT / "var" / "cache" / "demo-features"), help="feature cache folder")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    sizes = tuple(int(x) for x in args.sizes.split(","))
    t0 = time.perf_counter()
    specs = demo_specs(args.parts, seed=0)
    features = demo_features(specs, build_step, args.cache)
    t_features = time.perf_counter() - t0

    results: dict[str, dict[int, dict[str, list[float]]]] = {}
    for rep in range(args.repeats):
        data, clean = {}, {}
        for name, shop in SHOPS.items():
            card = find_card(shop.workshop_id)
            seed = 1000 * rep + sum(map(ord, name))
            jobs = demo_jobs(shop, card, specs, max(sizes) + args.test, seed=seed)
            data[name] = demo_history(shop, card, jobs, features, seed=seed)
            clean[name] = demo_history(dataclasses.replace(shop, noise_sd=0.0), card, jobs, features, seed=seed)[1]
        # each shop's model on its full training history, reused by the priors of the other shops
        full = {name: CostRatioRegressor(random_state=rep).fit(data[name][0][: max(sizes)], data[name][1][: max(sizes)])
                for name in SHOPS}
        for name in SHOPS:
            samples, prices = data[name]
            y = np.asarray(prices)
            test = slice(max(sizes), max(sizes) + args.test)
            held, y_test = samples[test], y[test]
            rule = np.array([s.rule_total_eur for s in held])
            # the marketplace prior: every other shop's full training history
            others = [o for o in SHOPS if o != name]
            other_x = [s for o in others for s in data[o][0][: max(sizes)]]
            other_y = [p for o in others for p in data[o][1][: max(sizes)]]
            other_g = [o for o in others for _ in data[o][0][: max(sizes)]]
            prior = MarketplacePrior(params={"random_state": rep}).fit(other_x, other_y, other_g, fitted=full)
            prior_pred = prior.predict(held)
            prior_lo, prior_hi = prior.predict_interval(held)
            half = 1.2816 * SHOPS[name].noise_sd  # the 80 % two-sided normal quantile
            y_clean = np.asarray(clean[name])[test]
            oracle = coverage(y_test, y_clean * np.exp(-half), y_clean * np.exp(half))
            for n in sizes:
                m = CostRatioRegressor(random_state=rep).fit(samples[:n], y[:n], prior=prior)
                pred = m.predict(held)
                lo, hi = m.predict_interval(held)
                row = results.setdefault(name, {}).setdefault(n, {})
                row.setdefault("rule_mape", []).append(mape(y_test, rule))
                row.setdefault("prior_mape", []).append(mape(y_test, prior_pred))
                row.setdefault("calibrated_mape", []).append(mape(y_test, pred))
                row.setdefault("calibrated_median_ape", []).append(median_ape(y_test, pred))
                row.setdefault("coverage_80", []).append(coverage(y_test, lo, hi))
                row.setdefault("width_80", []).append(float(np.mean((hi - lo) / y_test)))
                row.setdefault("oracle_coverage_80", []).append(oracle)
                row.setdefault("prior_coverage_80", []).append(coverage(y_test, prior_lo, prior_hi))
                row.setdefault("weight", []).append(m.weight_)
    elapsed = time.perf_counter() - t0

    summary = {name: {n: {k: float(np.mean(v)) for k, v in row.items()} for n, row in by_n.items()}
               for name, by_n in results.items()}
    mean = {n: {k: float(np.mean([summary[s][n][k] for s in summary])) for k in summary[next(iter(summary))][n]}
            for n in sizes}
    print(f"SYNTHETIC demo shops, {args.parts} parts, {args.test} held-out jobs per shop, {args.repeats} repeats; "
          f"features {t_features:.1f} s, total {elapsed:.1f} s")
    print(f"{'shop':<14}{'jobs':>6}{'rule MAPE':>11}{'prior MAPE':>12}{'calib MAPE':>12}{'calib MdAPE':>13}"
          f"{'cover 80%':>11}{'width':>8}{'oracle':>8}{'w own':>7}")
    for name, by_n in list(summary.items()) + [("mean", mean)]:
        for n in sizes:
            r = by_n[n]
            print(f"{name:<14}{n:>6}{r['rule_mape']:>11.1%}{r['prior_mape']:>12.1%}{r['calibrated_mape']:>12.1%}"
                  f"{r['calibrated_median_ape']:>13.1%}{r['coverage_80']:>11.0%}{r['width_80']:>8.1%}{r['oracle_coverage_80']:>8.0%}"
                  f"{r['weight']:>7.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"shops": summary, "mean": mean, "seconds": elapsed}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
