"""Parameter recovery: calibrate histories the model made with known parameters.

For each of ``--cases`` cases, true values of the balance weight, the interest weight and
the learning rate are drawn uniformly from their prior ranges; one run of the small test
world (tests/calibrate/data/small.yaml) with them gives an observed history (the level of
every pair at every step), of ``--short`` and of ``--long`` steps; each history is
calibrated back. The table says, per case and length, each parameter's truth, estimate and
90% interval, whether the interval holds the truth, and its width; the summary counts the
cases whose intervals hold every truth and compares the mean widths of the two lengths.

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

from alignsim.calibrate.runner import execute
from alignsim.calibrate.synthetic import RECOVERY_RANGES, recovery_case

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "calibrate" / "data" / "small.yaml"


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
        folder / "input", SMALL.read_text(encoding="utf-8"), truth, seed=1000 + case,
        steps=steps, replications=args.replications, population=args.population,
        generations=args.generations,
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
    table["evaluations"] = done.evaluations
    table["seconds"] = round(seconds, 1)
    table["per_evaluation"] = done.seconds_per_evaluation
    return table


def summary(table: pd.DataFrame) -> str:
    lines = []
    for steps, group in table.groupby("steps"):
        cases = group.groupby("case")["inside"].all()
        held = int(group["inside"].sum())
        widths = group.groupby("parameter")["width"].mean()
        lines.append(
            f"{steps} steps: the 90% intervals hold every truth in {int(cases.sum())} of "
            f"{len(cases)} cases ({held} of {len(group)} intervals); mean widths: "
            + ", ".join(f"{p} {w:.3f}" for p, w in widths.items())
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("results/recovery"))
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--short", type=int, default=6)
    parser.add_argument("--long", type=int, default=24)
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--population", type=int, default=100)
    parser.add_argument("--generations", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    rows = []
    for case, truth in enumerate(truths(args.cases, args.seed)):
        for steps in (args.short, args.long):
            rows.append(recover(args.out, case, truth, steps, args))
            print(rows[-1].to_string(index=False), file=sys.stderr)
    table = pd.concat(rows, ignore_index=True)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "recovery.csv", index=False, float_format="%.4g")
    text = summary(table)
    (args.out / "summary.txt").write_text(text + "\n", encoding="utf-8")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3g}"))
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
