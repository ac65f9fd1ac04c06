"""Parameter recovery: calibrate histories the model made with known parameters.

For each of ``--cases`` cases, true values of the balance weight, the interest weight and
the learning rate are drawn uniformly from their prior ranges; one run of the recovery world
(tests/calibrate/data/recovery.yaml: eight states in two camps, a stance change every three
quarters and ties reset every year, so that each parameter leaves its own trace and a longer
history brings new ones) with them gives an observed history (the level of every pair at
every step), of ``--short`` and of ``--long`` steps; each history is calibrated back.

The search runs until a generation accepts fewer than ``--min-acceptance-rate`` of its
evaluations (at most ``--generations``): the tolerance then stands near the loss the runs'
noise leaves even at the best parameters, so an interval's width is what the history tells,
not how many generations were run. With a fixed number of generations each generation
halves the posterior's volume whatever the history says, and a longer history only moves
the width from one parameter to another.

The table (recovery.csv, summary.txt) says, per case and length, each parameter's truth,
estimate and 90% interval as the calibration reports them (its last generation), whether
the interval holds the truth, and its width; the summary counts the cases whose intervals
hold every truth and the intervals per parameter, and compares the widths of the two
lengths. An acceptance rate that stays high can carry the search past the truth: on a long
history some other values fit this one history better than the truth does on average, and
the last generations close in on them. So the study also reads each case at the last
generation whose tolerance is at least the *self loss*, the loss the model's runs score
against histories the model makes at the final estimate (recovery_self_loss.csv,
summary_self_loss.txt; no truth is read). ``--reread`` reads a finished study that way again.

    .venv/bin/python benchmarks/recovery.py --out results/recovery

(docs/calibration.md, "Parameter recovery", has the table and the command that made it.)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alignsim.calibrate import storage
from alignsim.calibrate.loss import level_distribution, loss, observations_from_table
from alignsim.calibrate.runner import execute, run_context
from alignsim.calibrate.runs import Job, level_codes, particle_seeds
from alignsim.calibrate.spec import Calibration, load_calibration
from alignsim.calibrate.synthetic import RECOVERY_RANGES, recovery_case, synthetic_history

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "tests" / "calibrate" / "data" / "recovery.yaml"
#: Histories the model makes at an estimate to tell the loss it scores against itself.
SELF_HISTORIES = 20


def truths(cases: int, seed: int) -> list[dict[str, float]]:
    """True values of each case, uniform on the prior ranges."""
    rng = np.random.default_rng(seed)
    return [
        {p: float(np.round(rng.uniform(lo, hi), 3)) for p, (lo, hi) in RECOVERY_RANGES.items()}
        for _ in range(cases)
    ]


def recover(
    out: Path, case: int, truth: dict[str, float], steps: int, args: argparse.Namespace
) -> pd.DataFrame:
    """Calibrate one case's history of ``steps`` steps; its rows of the table."""
    folder = out / f"case{case:02d}-{steps}steps"
    calibration = recovery_case(
        folder / "input", WORLD.read_text(encoding="utf-8"), truth, seed=1000 + case,
        steps=steps, replications=args.replications, population=args.population,
        generations=args.generations, min_acceptance_rate=args.min_acceptance_rate,
    )  # fmt: skip
    clock = time.perf_counter()
    done = execute(calibration, folder / "calibration", workers=args.workers)
    seconds = time.perf_counter() - clock
    table = done.estimates.copy()
    table.insert(0, "steps", steps)
    table.insert(0, "case", case)
    table["truth"] = table["parameter"].map(truth)
    table["inside"] = (table["low"] <= table["truth"]) & (table["truth"] <= table["high"])
    table["width"] = table["high"] - table["low"]
    table["generations"] = done.generations
    table["evaluations"] = done.evaluations
    table["seconds"] = round(seconds, 1)
    table["per_evaluation"] = done.seconds_per_evaluation
    return table


def self_loss(calibration: Calibration, values: dict[str, float], steps: int) -> float:
    """The mean loss of the model's runs at ``values`` against histories the model itself
    makes there: the loss the true values would score on average against the observed
    history, were ``values`` the truth. No truth is read."""
    scores = []
    for k in range(SELF_HISTORIES):
        history = synthetic_history(calibration.scenario, values, 10_000 + k,
                                    steps=range(1, steps + 1))  # fmt: skip
        context = run_context(calibration, history.table, steps)
        seeds = particle_seeds(calibration.seed, 10_000, k, calibration.replications)
        codes = level_codes(Job(k, values, tuple(seeds)), context)
        observed = observations_from_table(history.table)
        scores.append(loss(level_distribution(codes), observed, calibration.loss))
    return float(np.mean(scores))


def at_self_loss(folder: Path, steps: int) -> pd.DataFrame:
    """One finished case read at the last generation whose tolerance is at least the self
    loss at the final estimate (:func:`self_loss`): past it the search keeps only particles
    that fit this history better than the model fits its own runs, and closes in on the
    history's noise rather than on the parameters."""
    calibration = load_calibration(folder / "input" / "calibration.yaml")
    evaluations = storage.read_evaluations(folder / "calibration")
    names = list(calibration.parameters)
    last = storage.estimates(storage.posterior(evaluations), names)
    estimate = dict(zip(last["parameter"], last["estimate"], strict=True))
    threshold = self_loss(calibration, estimate, steps)
    accepted = evaluations[evaluations["accepted"]]
    tolerances = accepted.groupby("generation")["epsilon"].first()
    generation = int(tolerances[tolerances >= threshold].index.max())
    table = storage.estimates(accepted[accepted["generation"] == generation], names)
    table["generation"] = generation
    table["self_loss"] = threshold
    return table


def reread(out: Path, table: pd.DataFrame) -> pd.DataFrame:
    """The study's cases read at the self loss (:func:`at_self_loss`) instead of at the last
    generation: the same columns as ``table``'s first ones."""
    rows = []
    for (case, steps), group in table.groupby(["case", "steps"]):
        read = at_self_loss(out / f"case{case:02d}-{steps}steps", int(steps))
        truth = dict(zip(group["parameter"], group["truth"], strict=True))
        read.insert(0, "steps", steps)
        read.insert(0, "case", case)
        read["truth"] = read["parameter"].map(truth)
        read["inside"] = (read["low"] <= read["truth"]) & (read["truth"] <= read["high"])
        read["width"] = read["high"] - read["low"]
        rows.append(read)
    return pd.concat(rows, ignore_index=True)


def summary(table: pd.DataFrame) -> str:
    """Per length: cases with every truth inside, intervals holding their truth per
    parameter, mean widths; then how the widths change from the shorter to the longer."""
    lines = []
    for steps, group in table.groupby("steps"):
        cases = group.groupby("case")["inside"].all()
        held = group.groupby("parameter")["inside"].agg(["sum", "size"])
        widths = group.groupby("parameter")["width"].mean()
        lines.append(
            f"{steps} steps: the 90% intervals hold every truth in {int(cases.sum())} of "
            f"{len(cases)} cases ({int(held['sum'].sum())} of {len(group)} intervals: "
            + ", ".join(f"{p} {int(r['sum'])} of {int(r['size'])}" for p, r in held.iterrows())
            + "); mean widths: "
            + ", ".join(f"{p} {w:.3f}" for p, w in widths.items())
        )
    lines.extend(narrowing(table))
    return "\n".join(lines)


def narrowing(table: pd.DataFrame) -> list[str]:
    """Per parameter: the mean width at the longest length over that at the shortest, and in
    how many cases the longer history's interval is the narrower one."""
    lengths = sorted(table["steps"].unique())
    if len(lengths) < 2:
        return []
    width = table.pivot_table(index=["parameter", "case"], columns="steps", values="width")
    short, long = lengths[0], lengths[-1]
    lines = []
    for parameter, rows in width.groupby(level="parameter"):
        ratio = rows[long].mean() / rows[short].mean()
        narrower = int((rows[long] < rows[short]).sum())
        lines.append(
            f"{parameter}: mean width at {long} steps is {ratio:.2f} of that at {short} steps; "
            f"narrower in {narrower} of {len(rows)} cases"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/recovery"))
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--short", type=int, default=6)
    parser.add_argument("--long", type=int, default=24)
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--population", type=int, default=60)
    parser.add_argument("--generations", type=int, default=20, help="at most")
    parser.add_argument("--min-acceptance-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--reread", action="store_true",
                        help="only read the study in --out again at the self loss")  # fmt: skip
    args = parser.parse_args(argv)
    if not args.reread:
        study(args)
    table = pd.read_csv(args.out / "recovery.csv")
    again = reread(args.out, table)
    again.to_csv(args.out / "recovery_self_loss.csv", index=False, float_format="%.4g")
    text = "Read at the self loss:\n" + summary(again)
    (args.out / "summary_self_loss.txt").write_text(text + "\n", encoding="utf-8")
    print(again.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    print(text)
    return 0


def study(args: argparse.Namespace) -> None:
    """Calibrate every case at both lengths; write recovery.csv and summary.txt."""
    clock = time.perf_counter()
    rows = []
    for case, truth in enumerate(truths(args.cases, args.seed)):
        for steps in (args.short, args.long):
            rows.append(recover(args.out, case, truth, steps, args))
            print(rows[-1].to_string(index=False), file=sys.stderr)
    table = pd.concat(rows, ignore_index=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "recovery.csv", index=False, float_format="%.4g")
    minutes = (time.perf_counter() - clock) / 60
    text = summary(table) + f"\n{2 * args.cases} calibrations in {minutes:.1f} minutes"
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    print(text)


if __name__ == "__main__":
    raise SystemExit(main())
