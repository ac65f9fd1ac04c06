"""Counterfactual comparison of two runs: where ties end up, where they first part ways,
and which payoff parts made them part ways there.

Works across seeds and across scenario variants that share states. With the same seed and
the same states, two runs draw the same random numbers, so everything before the first
change in the scenario is identical and the first divergence dates the change's effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alignsim.analysis.drivers import part_label, share_by_parts
from alignsim.io.reader import RunFolderReadError, read_run
from alignsim.model.recorder import Result
from alignsim.model.simulate import simulate

#: Strength differences at or below this are equal (the tables store full float precision).
TOLERANCE = 1e-12
#: Payoff parts that differ by less than this are not reported as differing.
PART_TOLERANCE = 1e-9
#: Changes at the end smaller than this (half of what two decimals show) are not listed.
SHOWN_CHANGE = 0.005


class CompareError(Exception):
    """The two runs cannot be compared."""


@dataclass
class Comparison:
    a: Result
    b: Result
    steps: int  # last step both runs have
    table: pd.DataFrame

    @property
    def diverging(self) -> pd.DataFrame:
        return self.table[self.table["first_divergence"].notna()]


def compare_runs(run_a: Path, run_b: Path) -> Comparison:
    try:
        a, b = read_run(Path(run_a)), read_run(Path(run_b))
    except RunFolderReadError as error:
        raise CompareError(str(error)) from error
    for result, path in ((a, run_a), (b, run_b)):
        try:
            result.require_complete("alignsim compare")
        except ValueError as error:
            raise CompareError(f"{path}: {error}") from error
    _check_comparable(a, b, Path(run_a), Path(run_b))
    shared = [name for name in a.names if name in b.names]
    steps = min(a.steps, b.steps)
    pairs = [(x, y) for k, x in enumerate(shared) for y in shared[k + 1 :]]
    first = {}
    for x, y in pairs:
        differs = np.abs(a.strength(x, y)[: steps + 1] - b.strength(x, y)[: steps + 1]) > TOLERANCE
        first[(x, y)] = int(np.argmax(differs)) if differs.any() else None
    diverging = [pair for pair, step in first.items() if step is not None]
    parts = _parts_at_divergence(a, b, diverging, first, steps) if diverging else {}
    rows = []
    for x, y in pairs:
        step = first[(x, y)]
        rows.append(
            {
                "source": x,
                "target": y,
                "strength_a": a.strength(x, y)[steps],
                "strength_b": b.strength(x, y)[steps],
                "level_a": a.levels(x, y)[steps],
                "level_b": b.levels(x, y)[steps],
                "first_divergence": step,
                "first_divergence_date": None if step is None else a.dates[step],
                "parts_differing": parts.get((x, y), ""),
                "change": b.strength(x, y)[steps] - a.strength(x, y)[steps],
            }
        )
    table = pd.DataFrame(rows)
    table["first_divergence"] = table["first_divergence"].astype("Int64")
    return Comparison(a, b, steps, table)


def _check_comparable(a: Result, b: Result, run_a: Path, run_b: Path) -> None:
    shared = [name for name in a.names if name in b.names]
    if len(shared) < 2:
        raise CompareError(
            f"{run_a} and {run_b} share {len(shared)} state(s); a comparison needs two or more"
        )
    cal_a, cal_b = a.scenario.calendar, b.scenario.calendar
    same = (cal_a is None and cal_b is None) or (
        cal_a is not None
        and cal_b is not None
        and (cal_a.start, cal_a.step) == (cal_b.start, cal_b.step)
    )
    if not same:
        raise CompareError(
            f"{run_a} ({_calendar_text(cal_a)}) and {run_b} ({_calendar_text(cal_b)}) use "
            "different calendars, so the same step is not the same date"
        )


def _calendar_text(calendar) -> str:
    return "no calendar" if calendar is None else f"{calendar.start} by {calendar.step}"


def _parts_at_divergence(a: Result, b: Result, pairs, first, steps) -> dict:
    """For each diverging pair, what made its tie differ at its first divergence.

    The same definition as a crossing's drivers (``analysis/drivers.py``): at that step both
    runs revised the tie from the same strength, so the difference B − A is the rule's step
    λ times the difference of the strengths their mutual payoffs sustain, shared among the
    parts in proportion to how much each part of M differs between the runs. Whatever a
    scenario event or a rule parameter did to the tie before the revision is the rest.
    """
    traced = {}
    for result, label in ((a, "a"), (b, "b")):
        rerun = simulate(result.scenario, seed=result.seed, steps=result.steps, trace=pairs)
        if not np.array_equal(
            rerun.recorder.strength, result.recorder.strength[: result.steps + 1]
        ):
            raise CompareError(
                f"re-simulating run {label} does not reproduce its ties; compare runs made "
                "with the same alignsim and numpy versions as this one"
            )
        traced[label] = {frozenset(key): trace for key, trace in rerun.extra["traces"].items()}
    out = {}
    for x, y in pairs:
        step = first[(x, y)]
        ta, tb = traced["a"][frozenset((x, y))], traced["b"][frozenset((x, y))]
        if step not in ta.rows or step not in tb.rows or ta.part_names != tb.part_names:
            out[(x, y)] = "payoff parts not comparable (different dimensions)"
            continue
        shares, rest = _divergence_shares(
            ta.rows[step], tb.rows[step], a.strength(x, y)[step], b.strength(x, y)[step]
        )
        shown = sorted(
            ((n, v) for n, v in zip(ta.part_names, shares, strict=True) if abs(v) > PART_TOLERANCE),
            key=lambda nv: -abs(nv[1]),
        )
        visible = [(n, v) for n, v in shown if abs(v) >= 0.0005][:4] or shown[:1]
        items = [f"{part_label(n)} {_signed(v)}" for n, v in visible]
        if abs(rest) > PART_TOLERANCE:
            items.append(f"a scenario event or the rule {_signed(rest)}")
        out[(x, y)] = ", ".join(items) or "no payoff part differs"
    return out


def _divergence_shares(
    row_a: tuple, row_b: tuple, after_a: float, after_b: float
) -> tuple[np.ndarray, float]:
    """Shares of a tie's difference B − A after one step's revisions, from both runs' trace
    rows (parts, payoffs, sustained strength, tie before): one share per payoff part, and the
    rest that no payoff part explains (the ties differed before the revision, or the rule)."""

    def mutual_parts(row: tuple) -> np.ndarray:
        ab, ba, total_ab, total_ba = row[:4]
        return ab if total_ab <= total_ba else ba

    def rate(row: tuple, after: float) -> float | None:
        """The rule's step λ: the share of the gap to the sustained strength it closed."""
        gap = row[4] - row[5]
        return None if gap == 0 else (after - row[5]) / gap

    step = rate(row_b, after_b)
    step = rate(row_a, after_a) if step is None else step
    step = 1.0 if step is None else step  # neither moved: the rule sets the tie (threshold)
    by_payoff = step * (row_b[4] - row_a[4])
    delta = mutual_parts(row_b) - mutual_parts(row_a)
    shares = share_by_parts(np.array([by_payoff]), delta[None])[0]
    return shares, (after_b - after_a) - float(shares.sum())


def _signed(value: float) -> str:
    return f"{value:+.3f}" if abs(value) >= 0.0005 else f"{value:+.1e}"


def write_comparison_table(comparison: Comparison, out: Path) -> Path:
    """``compare.csv`` in ``out`` (made if missing)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "compare.csv"
    comparison.table.to_csv(csv, index=False, lineterminator="\n")
    return csv


def describe(comparison: Comparison) -> list[str]:
    """A few lines for the terminal."""
    a, b = comparison.a, comparison.b
    table = comparison.table
    diverging = comparison.diverging
    lines = [
        f"A: {a.scenario.name} (seed {a.seed}); B: {b.scenario.name} (seed {b.seed}); "
        f"{len(table)} shared pairs compared over steps 0–{comparison.steps}",
    ]
    if diverging.empty:
        lines.append("The runs never diverge: every shared tie is identical at every step.")
        return lines
    earliest = int(diverging["first_divergence"].min())
    lines.append(
        f"{len(diverging)} pairs diverge; the first at step {earliest} ({a.dates[earliest]})."
    )
    changed = diverging[diverging["change"].abs() >= SHOWN_CHANGE]
    if changed.empty:
        lines.append(
            f"No tie differs by {SHOWN_CHANGE} or more at the end: the runs part ways and "
            "come back together."
        )
        return lines
    top = changed.reindex(changed["change"].abs().sort_values(ascending=False).index)[:5]
    lines.append("Largest changes at the end (B − A):")
    for row in top.itertuples(index=False):
        lines.append(
            f"  {row.source}–{row.target}: {row.strength_a:+.2f} ({row.level_a}) → "
            f"{row.strength_b:+.2f} ({row.level_b}); what made it differ first, in "
            f"{row.first_divergence_date}: {row.parts_differing}"
        )
    return lines
