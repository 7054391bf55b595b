"""``microfab calibrate``: learn a workshop's pricing from its past prices."""

from __future__ import annotations

import argparse

from api.cli.output import print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "calibrate",
        help="learn a workshop's prices from its history CSV (cross-validated errors, implied rate card)",
        description="Fit a cost model on a workshop's past prices, report its cross-validated error against the "
                    "rule-based price and the rate card the prices imply, and store it for `microfab quote`.",
    )
    p.add_argument("workshop_id", help="workshop id (see `microfab workshops`)")
    p.add_argument("history", help="history CSV: file,process,material,quantity,price_eur[,lead_time_days,date,"
                                   "finish,tolerance] (see the README, Calibration)")
    p.add_argument("--files", help="folder the history's file paths are relative to (default: the CSV's folder)")
    p.add_argument("--workshops", help="folder or file of rate cards (default: the demo workshops)")
    p.add_argument("--model-dir", help="where models are stored (default $MICROFAB_MODEL_DIR or var/models)")
    p.add_argument("--cache", help="folder to cache measured features in (default: none)")
    p.add_argument("--no-save", action="store_true", help="report only, do not store the model")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=calibrate_cmd)

    m = sub.add_parser(
        "calibrate-prior",
        help="fit the marketplace prior on several workshops' histories (used by `calibrate` for small histories)",
    )
    m.add_argument("histories", nargs="+", metavar="WORKSHOP_ID=CSV", help="a workshop and its history CSV")
    m.add_argument("--files", help="folder the histories' file paths are relative to (default: each CSV's folder)")
    m.add_argument("--workshops", help="folder or file of rate cards (default: the demo workshops)")
    m.add_argument("--model-dir", help="where models are stored (default $MICROFAB_MODEL_DIR or var/models)")
    m.add_argument("--cache", help="folder to cache measured features in (default: none)")
    m.set_defaults(func=prior_cmd)


def calibrate_cmd(args: argparse.Namespace) -> int:
    from quoting.calibration import calibrate
    from quoting.workshops import load_workshops

    result = calibrate(
        args.workshop_id,
        args.history,
        files_dir=args.files,
        workshops=load_workshops(args.workshops),
        model_dir=args.model_dir,
        cache_dir=args.cache,
        save=not args.no_save,
    )
    if args.json:
        print_json(result.to_dict())
        return 0
    cv = result.cv
    print(f"{result.workshop_id}: {result.used} of {result.rows} jobs used"
          + (" (marketplace prior blended in)" if result.prior_used else ""))
    if result.problems:
        print(f"left out {len(result.problems)} row(s):")
        for problem in result.problems:
            print(f"  {problem}")
    print(f"\n{cv.folds}-fold cross-validated error on held-out jobs:")
    print(f"  {'':<12}{'MAPE':>8}{'median APE':>12}")
    print(f"  {'rule-based':<12}{cv.rule_mape:>8.1%}{cv.rule_median_ape:>12.1%}")
    print(f"  {'calibrated':<12}{cv.calibrated_mape:>8.1%}{cv.calibrated_median_ape:>12.1%}")
    print(f"  {cv.level:.0%} interval coverage: {cv.coverage:.0%}")
    print("\nimplied rate card:")
    for sentence in result.implied.sentences():
        print(f"  {sentence}")
    for note in result.notes:
        print(f"note: {note}")
    if result.model_path is not None:
        print(f"\nmodel stored in {result.model_path}; `microfab quote` now uses it for {result.workshop_id}")
    return 0


def prior_cmd(args: argparse.Namespace) -> int:
    from quoting.calibration import PRIOR_FILE, default_model_dir, fit_prior_from_histories
    from quoting.errors import InvalidRequestError
    from quoting.workshops import load_workshops

    histories = {}
    for item in args.histories:
        workshop_id, sep, path = item.partition("=")
        if not sep or not workshop_id or not path:
            raise InvalidRequestError(f"{item!r}: give WORKSHOP_ID=CSV, e.g. lyon-usinage=lyon.csv")
        histories[workshop_id] = path
    folder = args.model_dir or default_model_dir()
    prior, problems = fit_prior_from_histories(histories, args.files, load_workshops(args.workshops), folder,
                                               args.cache)
    for problem in problems:
        print(f"left out: {problem}")
    print(f"marketplace prior fitted on {prior.n_samples_} jobs of {len(prior.workshops_)} workshops "
          f"({', '.join(prior.workshops_)}); stored in {folder}/{PRIOR_FILE}")
    return 0
