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
estimate and 90% interval as the calibration reports them in parameters.csv, whether the
interval holds the truth, and its width; the summary counts the cases whose intervals
hold every truth and the intervals per parameter, and compares the widths of the two
lengths. The calibration reads its posterior at the last generation whose tolerance is at
least the self loss, the loss the model's runs score against histories the model makes at
the estimate (alignsim.calibrate.noise_floor; no truth is read): past it, on a long history,
the search closes in on values that fit this one history's noise better than the truth
does. The table gives that generation and the last one run.

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
from alignsim.calibrate.runner import execute
from alignsim.calibrate.synthetic import RECOVERY_RANGES, recovery_case

ROOT = Path(__file__).resolve().parents[1]
WORLD = ROOT / "tests" / "calibrate" / "data" / "recovery.yaml"


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
    manifest = storage.read_manifest(folder / "calibration")
    table["generation"] = manifest["posterior_generation"]
    table["generations"] = done.generations
    table["self_loss"] = manifest["self_loss"]
    table["evaluations"] = done.evaluations
    table["seconds"] = round(seconds, 1)
    table["per_evaluation"] = done.seconds_per_evaluation
    return table


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
    study(parser.parse_args(argv))
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
