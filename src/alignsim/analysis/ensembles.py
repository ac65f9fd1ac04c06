"""Comparing ensembles of runs: two sweep folders, or the levels of one factor of a sweep
(its scenario variants, or a parameter), outcome by outcome, with 95% intervals.

Each side of a comparison is the finished runs of one design point. Design points are
matched by the values of the parameters the two sides share (``point`` names them, "all"
when nothing else varies). For every outcome the table gives each side's mean (numbers) or
probability (0/1 outcomes, and each value of a category outcome), its 95% interval as
``summary.csv`` computes it (mean ± 1.96·sd/√n; Wilson), the difference B − A and the
difference's 95% interval:

- **paired** when replication ``r`` ran with the same seed on both sides (common random
  numbers, ``seeds: common``): the mean of the per-replication differences with a
  Student-t interval on them. Only what the two sides' inputs change can make them differ,
  so the interval is much narrower than an unpaired one, and exactly 0 wide where the runs
  are identical;
- **unpaired** otherwise: Welch's interval for a difference of means, Newcombe's hybrid
  score interval for a difference of probabilities (:mod:`alignsim.analysis.intervals`).

A step that may never come (``first_triangle_step``, ``first step when …``: the manifest's
``never_columns``) counts the runs where it came (``-1``, "never", is left out; paired
differences use the replications where it came on both sides).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alignsim.analysis.intervals import (
    mean_interval,
    newcombe_difference,
    student_mean_interval,
    tango_paired_difference,
    welch_difference,
    wilson,
)
from alignsim.analysis.sweep_columns import never_columns
from alignsim.sweep import storage

#: compare.csv: the columns every comparison has, then each side's interval and counts.
COLUMNS = [
    "outcome", "point", "a", "b", "difference", "ci_low", "ci_high", "paired",
    "a_ci_low", "a_ci_high", "b_ci_low", "b_ci_high", "n_a", "n_b", "n_pairs", "a_label",
    "b_label",
]  # fmt: skip
ALL_POINTS = "all"


class EnsembleError(ValueError):
    """Two ensembles that cannot be compared as asked (the message says why)."""


@dataclass(frozen=True)
class Ensemble:
    """The finished runs of one design point of a sweep folder."""

    label: str
    folder: Path
    point: int
    runs: pd.DataFrame
    failed: int


@dataclass(frozen=True)
class Matched:
    """Two ensembles compared with each other, at the parameter values ``point`` names."""

    point: str
    a: Ensemble
    b: Ensemble


@dataclass
class EnsembleComparison:
    table: pd.DataFrame
    """compare.csv (:data:`COLUMNS`)."""
    matches: list[Matched]
    kinds: dict[str, str]
    """{outcome column: kind} of the outcomes both sides have."""
    notes: list[str] = field(default_factory=list)
    """What was left out and why, in sentences."""
    never: frozenset[str] = frozenset()
    """The columns whose −1 means "never" (:func:`never_columns`)."""

    @property
    def paired(self) -> bool:
        return bool(len(self.table)) and bool(self.table["paired"].all())


# --- reading the sides ------------------------------------------------------------------


def _read(folder: Path) -> tuple[dict[str, Any], pd.DataFrame]:
    try:
        manifest = storage.read_manifest(folder)
    except storage.StorageError as error:
        raise EnsembleError(str(error)) from None
    runs = storage.read_runs(folder)
    if runs.empty:
        raise EnsembleError(f"{folder}: the sweep folder holds no runs yet")
    return manifest, runs


def _ensemble(label: str, folder: Path, runs: pd.DataFrame, point: int) -> Ensemble:
    mine = runs[runs["point"] == point]
    finished = mine[mine["status"] != "failed"].reset_index(drop=True)
    return Ensemble(label, folder, point, finished, len(mine) - len(finished))


def _key(value: Any) -> Any:
    """A design value as a dictionary key: floats compared to 12 significant digits."""
    if isinstance(value, float | np.floating):
        return float(f"{float(value):.12g}")
    return str(value)


def _point_name(values: dict[str, Any]) -> str:
    if not values:
        return ALL_POINTS
    return ", ".join(f"{name}={_text(v)}" for name, v in values.items())


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float | np.floating) else str(value)


def _design(runs: pd.DataFrame, parameters: list[str]) -> pd.DataFrame:
    """One row per design point: its number and parameter values."""
    return runs.drop_duplicates("point")[["point", *parameters]].sort_values("point")


def compare_sweeps(folder_a: Path, folder_b: Path) -> EnsembleComparison:
    """Sweep B against sweep A, design point by design point."""
    folder_a, folder_b = Path(folder_a), Path(folder_b)
    manifest_a, runs_a = _read(folder_a)
    manifest_b, runs_b = _read(folder_b)
    if manifest_a.get("steps") != manifest_b.get("steps"):
        raise EnsembleError(
            f"the sweeps ran different numbers of steps (A {manifest_a.get('steps')}, B "
            f"{manifest_b.get('steps')}): their outcomes are not measured at the same time"
        )
    params_a, params_b = list(manifest_a["parameters"]), list(manifest_b["parameters"])
    design_a, design_b = _design(runs_a, params_a), _design(runs_b, params_b)
    notes: list[str] = []
    matches: list[Matched] = []
    label_a, label_b = f"A ({folder_a.name})", f"B ({folder_b.name})"
    if len(design_a) == 1 and len(design_b) == 1:
        pa, pb = int(design_a["point"].iloc[0]), int(design_b["point"].iloc[0])
        matches.append(Matched(ALL_POINTS, _ensemble(label_a, folder_a, runs_a, pa),
                               _ensemble(label_b, folder_b, runs_b, pb)))  # fmt: skip
    else:
        if sorted(params_a) != sorted(params_b):
            raise EnsembleError(
                f"the sweeps vary different parameters (A: {', '.join(params_a) or 'none'}; "
                f"B: {', '.join(params_b) or 'none'}); compare sweeps over the same design, or "
                "sweeps of one design point each"
            )
        b_points = {
            tuple(_key(row[p]) for p in params_a): int(row["point"])
            for row in design_b.to_dict("records")
        }
        unmatched = 0
        for row in design_a.to_dict("records"):
            pb = b_points.get(tuple(_key(row[p]) for p in params_a))
            if pb is None:
                unmatched += 1
                continue
            values = {p: row[p] for p in params_a}
            matches.append(Matched(_point_name(values),
                                   _ensemble(label_a, folder_a, runs_a, int(row["point"])),
                                   _ensemble(label_b, folder_b, runs_b, pb)))  # fmt: skip
        if not matches:
            raise EnsembleError("no design point of A has the parameter values of one of B")
        if unmatched or len(b_points) > len(matches):
            notes.append(
                f"{unmatched} design points of A and {len(b_points) - len(matches)} of B have "
                "no counterpart with the same parameter values and are left out"
            )
    kinds = _shared_kinds(manifest_a, manifest_b, notes)
    never = set(never_columns(manifest_a)) | set(never_columns(manifest_b))
    return _compare(matches, kinds, notes, never)


def compare_by(folder: Path, by: str) -> EnsembleComparison:
    """Within one sweep: each other value of the factor ``by`` (``scenario`` for the
    scenario variants, or a parameter path) against its first value, at each combination of
    the other parameters."""
    folder = Path(folder)
    manifest, runs = _read(folder)
    parameters = list(manifest["parameters"])
    if by not in parameters:
        from alignsim.scenario.crossref import did_you_mean

        known = parameters or ["(the sweep varies nothing)"]
        raise EnsembleError(f"--by: {did_you_mean('factor', by, known)}")
    others = [p for p in parameters if p != by]
    design = _design(runs, parameters)
    levels = list(dict.fromkeys(design[by].tolist()))
    if len(levels) < 2:
        raise EnsembleError(f"--by {by}: the sweep has one value of it ({_text(levels[0])})")
    base = levels[0]
    matches = []
    for level in levels[1:]:
        for row in design[design[by] == level].to_dict("records"):
            values = {p: row[p] for p in others}
            same = design[design[by] == base]
            for p in others:
                same = same[[_key(v) == _key(row[p]) for v in same[p]]]
            if same.empty:
                continue
            pa = int(same["point"].iloc[0])
            matches.append(Matched(_point_name(values),
                                   _ensemble(f"{by}={_text(base)}", folder, runs, pa),
                                   _ensemble(f"{by}={_text(level)}", folder, runs,
                                             int(row["point"]))))  # fmt: skip
    kinds = dict(manifest["outcome_kinds"])
    if not matches:
        raise EnsembleError(
            f"--by {by}: no other value of it was run at the values of the other parameters "
            f"that {by}={_text(base)} was run at; --by needs a design crossed over {by} "
            "(a grid, or scenario variants)"
        )
    return _compare(matches, kinds, [], set(never_columns(manifest)))


def _shared_kinds(
    manifest_a: dict[str, Any], manifest_b: dict[str, Any], notes: list[str]
) -> dict[str, str]:
    kinds_a, kinds_b = manifest_a["outcome_kinds"], manifest_b["outcome_kinds"]
    shared = {c: k for c, k in kinds_a.items() if kinds_b.get(c) == k}
    only = sorted(set(kinds_a) ^ set(kinds_b))
    if only:
        notes.append(f"outcomes measured on one side only are left out: {', '.join(only)}")
    if not shared:
        raise EnsembleError("the two sweeps measured no outcome in common")
    return shared


# --- the differences --------------------------------------------------------------------


def _compare(
    matches: list[Matched], kinds: dict[str, str], notes: list[str], never: set[str]
) -> EnsembleComparison:
    if not matches:
        raise EnsembleError("no design point of A has a counterpart in B to compare it with")
    rows: list[dict[str, Any]] = []
    one_sided: dict[str, None] = {}
    for match in matches:
        for column, kind in kinds.items():
            if match.a.runs[column].isna().all() or match.b.runs[column].isna().all():
                one_sided[column] = None  # e.g. a pair only one scenario variant watches
                continue
            rows += outcome_rows(match, column, kind, never=column in never)
    table = pd.DataFrame(rows, columns=COLUMNS)
    if one_sided:
        notes.append("outcomes measured on one side only are left out: " + ", ".join(one_sided))
    for match in matches:
        for side in (match.a, match.b):
            if side.failed:
                notes.append(f"{side.label} at {match.point}: {side.failed} failed runs left out")
        if _paired(match.a, match.b):
            alone = set(match.a.runs["replication"]) ^ set(match.b.runs["replication"])
            if alone:
                notes.append(f"at {match.point}: {len(alone)} runs without a partner "
                             "(same replication on the other side) are left out")  # fmt: skip
    return EnsembleComparison(table, matches, kinds, notes, frozenset(never))


def _values(runs: pd.DataFrame, column: str, never: bool) -> pd.Series:
    """An outcome column by replication, as floats; with ``never``, −1 ("never") as NaN."""
    values = pd.Series(runs[column].to_numpy(dtype=float, na_value=np.nan),
                       index=runs["replication"].to_numpy())  # fmt: skip
    if never:
        values[values < 0] = np.nan
    return values


def _paired(a: Ensemble, b: Ensemble) -> bool:
    """Replication r ran with the same seed on both sides, for every shared replication."""
    seeds_a = dict(zip(a.runs["replication"], a.runs["seed"], strict=True))
    seeds_b = dict(zip(b.runs["replication"], b.runs["seed"], strict=True))
    shared = set(seeds_a) & set(seeds_b)
    return bool(shared) and all(seeds_a[r] == seeds_b[r] for r in shared)


def outcome_rows(
    match: Matched, column: str, kind: str, *, never: bool = False
) -> list[dict[str, Any]]:
    """The rows of compare.csv for one outcome column at one matched point; ``never``: the
    column holds a step, −1 when it never came (those runs are left out)."""
    a, b = match.a, match.b
    paired = _paired(a, b)
    if kind == "category":
        seen = pd.concat([a.runs[column], b.runs[column]]).dropna().astype(str)
        out = []
        for value in sorted(set(seen)):
            ya = (a.runs[column].astype("string") == value).astype(float)
            yb = (b.runs[column].astype("string") == value).astype(float)
            ya.index, yb.index = a.runs["replication"].to_numpy(), b.runs["replication"].to_numpy()
            out.append(_row(match, f"P({column}={value})", ya, yb, True, paired))
        return out
    ya, yb = _values(a.runs, column, never), _values(b.runs, column, never)
    name = f"P({column})" if kind == "binary" else column
    rows = [_row(match, name, ya, yb, kind == "binary", paired)]
    if never:  # how often the step never came: a change a mean over the others cannot show
        missed_a, missed_b = _missed(a.runs, column), _missed(b.runs, column)
        rows.append(_row(match, f"P({column}=never)", missed_a, missed_b, True, paired))
    return rows


def _missed(runs: pd.DataFrame, column: str) -> pd.Series:
    """1 where a step column is −1 ("never"), 0 where it came, by replication."""
    values = pd.Series(runs[column].to_numpy(dtype=float, na_value=np.nan),
                       index=runs["replication"].to_numpy())  # fmt: skip
    return (values < 0).astype(float).where(values.notna())


def _row(
    match: Matched, name: str, ya: pd.Series, yb: pd.Series, probability: bool, paired: bool
) -> dict[str, Any]:
    ya, yb = ya.dropna(), yb.dropna()
    n_pairs = 0
    if paired:  # both sides over the same replications, so that b − a is the difference
        both = ya.index.intersection(yb.index)
        ya, yb = ya.loc[both], yb.loc[both]
        n_pairs = int(both.size)
    side_a, side_b = _side(ya, probability), _side(yb, probability)
    if paired and probability:
        xa, xb = ya.to_numpy() >= 0.5, yb.to_numpy() >= 0.5
        difference, low, high = tango_paired_difference(
            int((xb & ~xa).sum()), int((xa & ~xb).sum()), n_pairs
        )
    elif paired:
        difference, low, high = student_mean_interval(yb.to_numpy() - ya.to_numpy())
    elif probability:
        difference, low, high = newcombe_difference(
            round(ya.sum()), ya.size, round(yb.sum()), yb.size
        )
    else:
        difference, low, high = welch_difference(ya.to_numpy(), yb.to_numpy())
    return {
        "outcome": name, "point": match.point, "a": side_a[0], "b": side_b[0],
        "difference": difference, "ci_low": low, "ci_high": high, "paired": paired,
        "a_ci_low": side_a[1], "a_ci_high": side_a[2], "b_ci_low": side_b[1],
        "b_ci_high": side_b[2], "n_a": int(ya.size), "n_b": int(yb.size), "n_pairs": n_pairs,
        "a_label": match.a.label, "b_label": match.b.label,
    }  # fmt: skip


def _side(values: pd.Series, probability: bool) -> tuple[float, float, float]:
    """One side's mean or probability with its 95% interval, as ``summary.csv`` gives it."""
    if probability:
        return wilson(round(float(values.sum())), int(values.size))
    if values.empty:
        return math.nan, math.nan, math.nan
    sd = float(values.std(ddof=1)) if values.size > 1 else math.nan
    return mean_interval(float(values.mean()), sd, int(values.size))


def paired_series_differences(
    match: Matched, a: pd.DataFrame, b: pd.DataFrame
) -> pd.DataFrame | None:
    """B − A per replication, series and step of the long-form series ``a`` and ``b`` of
    the two sides, when they are paired (:func:`_paired`); None otherwise."""
    if not _paired(match.a, match.b):
        return None
    keys = ["replication", "outcome", "step"]
    both = a.merge(b, on=keys, suffixes=("_a", "_b"))
    return pd.DataFrame({"run": both["replication"], "step": both["step"],
                         "date": both["date_a"], "outcome": both["outcome"],
                         "value": both["value_b"] - both["value_a"]})  # fmt: skip


# --- in words ---------------------------------------------------------------------------


def describe_ensembles(comparison: EnsembleComparison, shown: int = 8) -> list[str]:
    """A few lines for the terminal: what was compared, how, and the clearest differences."""
    table = comparison.table
    first = comparison.matches[0]
    runs_a = sum(len(m.a.runs) for m in comparison.matches)
    runs_b = sum(len(m.b.runs) for m in comparison.matches)
    points = len({m.point for m in comparison.matches})
    lines = [
        f"A: {first.a.label}, {runs_a} runs; B: {first.b.label}, {runs_b} runs; "
        f"{points} design point{'s' if points > 1 else ''}, {len(table)} differences B − A"
    ]
    if comparison.paired:
        lines.append("Paired: replication r ran with the same seed on both sides (common random "
                     "numbers); intervals are Student-t on the per-run differences (numbers) "
                     "and Tango's (probabilities).")  # fmt: skip
    elif not table["paired"].any():
        lines.append("Unpaired: the sides ran with different seeds; intervals are Welch "
                     "(means) and Newcombe (probabilities).")  # fmt: skip
    else:
        lines.append(f"{int(table['paired'].sum())} of {len(table)} differences are paired.")
    clear = table[(table["ci_low"] > 0) | (table["ci_high"] < 0)]
    lines.append(f"{len(clear)} of {len(table)} differences have a 95% interval that excludes 0.")
    top = clear.reindex(clear["difference"].abs().sort_values(ascending=False).index)[:shown]
    for row in top.itertuples(index=False):
        where = "" if row.point == ALL_POINTS else f" at {row.point}"
        lines.append(
            f"  {row.outcome}{where}: {row.a:.3g} → {row.b:.3g}, difference "
            f"{row.difference:+.3g} [{row.ci_low:+.3g}, {row.ci_high:+.3g}]"
        )
    lines += comparison.notes
    return lines
