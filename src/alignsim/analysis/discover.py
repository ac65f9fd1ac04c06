"""Scenario discovery: the region of a sweep's parameters where an outcome holds.

PRIM (the Patient Rule Induction Method; Friedman & Fisher 1999), as used for scenario
discovery by Bryant & Lempert (2010), peels thin slices off a box of parameter limits, one
at a time, each time the slice whose removal most raises the share of *cases of interest*
(runs where the outcome holds) inside. Every box on the way is a trade-off:

* **coverage** — the share of all cases of interest that lie inside the box;
* **density** — the share of the box's runs that are cases of interest;
* **mass** — the share of all runs inside the box.

The peeling itself is EMA workbench's (``ema_workbench.analysis.prim``, BSD licence,
Kwakkel 2017) with its default settings; this module reads the sweep folder, decides which
runs are cases of interest, and turns the boxes into tables and sentences.

::

    from alignsim.analysis.discover import describe, discover
    found = discover("results/sweeps/phase", "triangle_alliance")
    print("\\n".join(describe(found)))
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alignsim.sweep import storage

#: The default box: the densest one that still holds this share of the cases of interest.
MIN_COVERAGE = 0.8
#: A parameter with at most this many distinct sampled values (a grid) is listed value by
#: value, so that a limit between two grid values is read as what it is.
LIST_VALUES = 12
#: Separator of the values in one cell of the tables (categories, listed grid values).
SEP = "; "
BOXES_CSV = "boxes.csv"
BOX_CSV = "box.csv"
PNG = "discover.png"
#: Numeric kinds of outcome columns (``manifest["outcome_kinds"]``).
_NUMERIC = ("int", "float")


class DiscoverError(ValueError):
    """Input discovery cannot use: the folder, the outcome, the threshold or the box."""


# --- the outcome -------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """An outcome column and what makes a run a case of interest."""

    column: str
    kind: str  # binary, int, float or category
    threshold: float | None = None
    value: str | None = None

    @property
    def condition(self) -> str:
        """The case of interest in words: ``triangle_alliance.… = 1``, ``… ≥ 0.5``."""
        if self.kind == "binary":
            return f"{self.column} = 1"
        if self.kind == "category":
            return f"{self.column} = {self.value}"
        return f"{self.column} ≥ {number(self.threshold)}"

    @property
    def slug(self) -> str:
        """Folder name of the outcome: the column, and ``-ge-X`` or ``-is-VALUE``."""
        suffix = {"binary": "", "category": f"-is-{self.value}"}.get(
            self.kind, f"-ge-{number(self.threshold)}"
        )
        return re.sub(r"[^A-Za-z0-9._=-]+", "_", f"{self.column}{suffix}")

    def holds(self, values: pd.Series) -> np.ndarray:
        """Which of ``values`` (none missing) are cases of interest."""
        if self.kind == "binary":
            return values.astype(int).to_numpy() == 1
        if self.kind == "category":
            return values.astype(str).to_numpy() == self.value
        return values.astype(float).to_numpy() >= float(self.threshold)


def resolve_outcome(manifest: dict[str, Any], name: str, threshold: float | None) -> Outcome:
    """The outcome ``name`` names: a column, an outcome with one column (``triangle_alliance``
    when the sweep watches one triangle), or ``COLUMN=VALUE`` for a category outcome."""
    kinds: dict[str, str] = manifest.get("outcome_kinds") or {}
    column, value = _match_column(kinds, name), None
    if column is None and "=" in name:
        head, value = (part.strip() for part in name.split("=", 1))
        column = _match_column(kinds, head)
    if column is None:
        raise DiscoverError(f"--outcome {name}: {_unknown(name, kinds)}")
    kind = kinds[column]
    return _checked(Outcome(column, kind, threshold, value), name)


def _match_column(kinds: dict[str, str], name: str) -> str | None:
    """The column ``name`` is, or the one column of the outcome ``name``; None if neither."""
    if name in kinds:
        return name
    columns = [c for c in kinds if c.split(".", 1)[0] == name]
    if len(columns) > 1:
        raise DiscoverError(
            f"--outcome {name}: the sweep has {len(columns)} columns of it; name one: "
            + ", ".join(columns)
        )
    return columns[0] if columns else None


def _unknown(name: str, kinds: dict[str, str]) -> str:
    names = sorted({*kinds, *(c.split(".", 1)[0] for c in kinds)})
    close = difflib.get_close_matches(name.split("=", 1)[0], names, n=3, cutoff=0.6)
    if close:
        return f"no such outcome in the sweep; did you mean {' or '.join(close)}?"
    outcomes = sorted({c.split(".", 1)[0] for c in kinds})
    return f"no such outcome in the sweep (its outcomes: {', '.join(outcomes) or 'none'})"


def _checked(outcome: Outcome, name: str) -> Outcome:
    """An outcome whose threshold or value fits its kind."""
    column, kind, threshold = outcome.column, outcome.kind, outcome.threshold
    if threshold is not None and not math.isfinite(threshold):
        raise DiscoverError(f"--threshold {threshold}: give a finite number")
    if kind == "binary":
        if outcome.value is not None:
            raise DiscoverError(f"--outcome {name}: {column} is 0/1; name it without =VALUE")
        if threshold is not None:
            raise DiscoverError(
                f"--threshold {number(threshold)}: {column} is 0/1 already (its runs with 1 "
                "are the cases of interest); leave out --threshold"
            )
    elif kind in _NUMERIC:
        if outcome.value is not None:
            raise DiscoverError(
                f"--outcome {name}: {column} is a number; give --threshold X instead of =VALUE"
            )
        if threshold is None:
            raise DiscoverError(
                f"--outcome {name}: {column} is a number ({kind}); give --threshold X, and "
                "the runs with a value of at least X are the cases of interest"
            )
    elif kind == "category":
        if threshold is not None:
            raise DiscoverError(
                f"--threshold {number(threshold)}: {column} is a category; name the value "
                f"of interest instead, e.g. --outcome {column}=VALUE"
            )
    else:
        raise DiscoverError(f"--outcome {name}: {column} is of kind {kind}, which PRIM cannot use")
    return outcome


def check_value(outcome: Outcome, values: pd.Series) -> None:
    """A category outcome names a value that some finished run has."""
    if outcome.kind != "category":
        return
    seen = sorted(set(values.dropna().astype(str)))
    if outcome.value is None:
        raise DiscoverError(
            f"--outcome {outcome.column}: a category; name the value of interest, e.g. "
            f"--outcome {outcome.column}={seen[0] if seen else 'VALUE'} "
            f"(its values: {', '.join(seen)})"
        )
    if outcome.value not in seen:
        close = difflib.get_close_matches(outcome.value, seen, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        raise DiscoverError(
            f"--outcome {outcome.column}={outcome.value}: no finished run has that value; "
            f"{hint}(its values: {', '.join(seen)})"
        )


# --- the runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Cases:
    """The finished runs' parameters and which of them are cases of interest."""

    x: pd.DataFrame  # one column per varied parameter, one row per finished run
    y: np.ndarray  # bool: the run is a case of interest
    failed: int  # runs that failed, left out
    missing: int  # finished runs without a value of the outcome, left out


def read_cases(sweep_dir: str | Path, outcome: Outcome, parameters: list[str]) -> Cases:
    """The runs of ``sweep_dir`` as PRIM reads them: failed runs left out and counted."""
    frame = storage.read_runs(sweep_dir, [*parameters, outcome.column, "status"])
    ok = (frame["status"] == "ok").to_numpy()
    finished = frame.loc[ok]
    values = finished[outcome.column]
    present = values.notna().to_numpy()
    check_value(outcome, values)
    rows = finished.loc[present]
    x = pd.DataFrame({p: _parameter_column(rows[p]) for p in parameters})
    y = outcome.holds(rows[outcome.column])
    return Cases(x.reset_index(drop=True), y, int((~ok).sum()), int((~present).sum()))


def _parameter_column(column: pd.Series) -> pd.Series:
    """Numbers as float64 or int64, and anything else (dates, names) as text categories,
    the dtypes EMA's PRIM peels as real, discrete and categorical parameters."""
    if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
        return column.astype(str).astype(object)
    if pd.api.types.is_integer_dtype(column):
        return column.astype("int64")
    return column.astype("float64")


def _check_cases(cases: Cases, outcome: Outcome, sweep_dir: Path) -> None:
    runs, hits = len(cases.y), int(cases.y.sum())
    left_out = _left_out(cases.failed, cases.missing)
    if runs == 0:
        raise DiscoverError(
            f"{sweep_dir}: no finished run has a value of {outcome.column}"
            f"{f' ({left_out})' if left_out else ''}"
        )
    if hits == 0 or hits == runs:
        which = "none" if hits == 0 else "every one"
        raise DiscoverError(
            f"--outcome {outcome.column}: {which} of the {runs} finished runs has "
            f"{outcome.condition}, so there is no region to tell apart"
            + (" (try another --threshold)" if outcome.kind in _NUMERIC else "")
        )


def _left_out(failed: int, missing: int) -> str:
    parts = []
    if failed:
        parts.append(f"{failed} failed run{'s' if failed != 1 else ''}")
    if missing:
        parts.append(f"{missing} run{'s' if missing != 1 else ''} without a value")
    return " and ".join(parts)


# --- PRIM --------------------------------------------------------------------------------


def library() -> str:
    """The PRIM implementation and its version, as the terminal and the docs name it."""
    from importlib.metadata import version

    return f"EMA workbench {version('ema_workbench')}"


def peel(x: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """EMA workbench's PRIM with its defaults on ``x`` and the 0/1 ``y``: its peeling
    trajectory and the limits of every box on it (rows 0 and 1: low and high; a set of
    kept values for a category)."""
    with warnings.catch_warnings():
        # Importing the workbench warns about optional parallel back-ends it cannot find.
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    with warnings.catch_warnings():
        # Deprecation notices of pandas about the workbench's own code are not the user's.
        warnings.filterwarnings("ignore", module=r"ema_workbench\.")
        box = prim.Prim(x, np.asarray(y, dtype=bool)).find_box()
    return box.peeling_trajectory.reset_index(drop=True), list(box.box_lims)


def find_boxes(x: pd.DataFrame, y: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PRIM on parameters ``x`` (one column each) and cases of interest ``y``: the peeling
    trajectory as ``boxes.csv`` holds it, and the sampled range of every parameter.
    Parameters with one value only are kept in the tables, never restricted."""
    varied = [name for name in x.columns if x[name].nunique() > 1]
    if not varied:
        raise DiscoverError(
            "no parameter takes more than one value in the finished runs: PRIM has nothing "
            "to restrict"
        )
    stats, limits = peel(x[varied], y)
    ranges = sampled_ranges(x)
    return trajectory_table(stats, limits, ranges), ranges


def _kind(column: pd.Series) -> str:
    return "numeric" if pd.api.types.is_numeric_dtype(column) else "category"


def sampled_ranges(x: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: its kind, the range of its sampled values, and the values themselves
    when there are few (a grid) or it is a category."""
    rows = []
    for name in x.columns:
        column = x[name]
        if _kind(column) == "category":
            values = sorted(set(column))
            rows.append({"parameter": name, "kind": "category", "low": np.nan,
                         "high": np.nan, "values": SEP.join(values)})  # fmt: skip
            continue
        distinct = np.unique(column.to_numpy(dtype=float))
        listed = SEP.join(number(v) for v in distinct) if len(distinct) <= LIST_VALUES else ""
        rows.append({"parameter": name, "kind": "numeric", "low": float(distinct[0]),
                     "high": float(distinct[-1]), "values": listed})  # fmt: skip
    return pd.DataFrame(rows, columns=["parameter", "kind", "low", "high", "values"])


def trajectory_table(
    stats: pd.DataFrame, limits: list[pd.DataFrame], ranges: pd.DataFrame
) -> pd.DataFrame:
    """``boxes.csv``: one row per box of the peeling trajectory, its statistics, how many
    parameters it restricts, and its limits (``P.low``/``P.high``, or ``P.values``). A
    parameter PRIM was not given (it has one value) keeps its full range."""
    rows = []
    for index, lims in enumerate(limits):
        row: dict[str, Any] = {
            "box": index,
            "coverage": float(stats.loc[index, "coverage"]),
            "density": float(stats.loc[index, "density"]),
            "mass": float(stats.loc[index, "mass"]),
            "runs": int(stats.loc[index, "n"]),
            "cases": int(stats.loc[index, "k"]),
        }
        limits_row: dict[str, Any] = {}
        restricted = 0
        for spec in ranges.itertuples(index=False):
            if spec.parameter not in lims.columns:
                lims = lims.assign(**{spec.parameter: _full_limits(spec)})
            if spec.kind == "category":
                kept = sorted(str(v) for v in lims.loc[0, spec.parameter])
                limits_row[f"{spec.parameter}.values"] = SEP.join(kept)
                restricted += len(kept) < len(spec.values.split(SEP))
            else:
                low, high = float(lims.loc[0, spec.parameter]), float(lims.loc[1, spec.parameter])
                limits_row[f"{spec.parameter}.low"] = low
                limits_row[f"{spec.parameter}.high"] = high
                restricted += low > spec.low or high < spec.high
        rows.append({**row, "restricted": restricted, **limits_row})
    return pd.DataFrame(rows)


def _full_limits(spec: Any) -> list[Any]:
    """Rows 0 and 1 of a box's limits that leave the parameter ``spec`` whole."""
    if spec.kind == "category":
        values = set(spec.values.split(SEP))
        return [values, values]
    return [spec.low, spec.high]


def choose_box(boxes: pd.DataFrame, min_coverage: float = MIN_COVERAGE) -> int:
    """The densest box with at least ``min_coverage``; of equally dense ones, the one with
    the highest coverage (the first box, the whole sweep, always qualifies)."""
    eligible = boxes[boxes["coverage"] >= min_coverage - 1e-12]
    best = eligible.sort_values(["density", "coverage", "box"], ascending=[False, False, True])
    return int(best["box"].iloc[0])


# --- the result --------------------------------------------------------------------------


@dataclass(frozen=True)
class Discovery:
    """PRIM's peeling trajectory over a sweep's runs, and the box chosen from it."""

    sweep_dir: Path
    sweep_name: str
    outcome: Outcome
    boxes: pd.DataFrame  # boxes.csv
    ranges: pd.DataFrame  # the sampled range of every parameter
    chosen: int
    rule: str  # why the chosen box: the default rule, or --box
    min_coverage: float | None  # the default rule's coverage; None when --box chose
    runs: int  # finished runs with a value: PRIM's data
    cases: int
    failed: int
    missing: int
    library: str

    def box(self, index: int | None = None) -> pd.DataFrame:
        """``box.csv`` of box ``index`` (default: the chosen one)."""
        return box_table(self.boxes, self.ranges, self.chosen if index is None else index)


def discover(
    sweep_dir: str | Path,
    name: str,
    *,
    threshold: float | None = None,
    box: int | None = None,
    min_coverage: float = MIN_COVERAGE,
) -> Discovery:
    """PRIM on the runs of ``sweep_dir`` for the outcome ``name``; raises
    :class:`DiscoverError` for input it cannot use, with the option or path to blame."""
    sweep_dir = Path(sweep_dir)
    try:
        manifest = storage.read_manifest(sweep_dir)
    except storage.StorageError as error:
        raise DiscoverError(str(error)) from None
    outcome = resolve_outcome(manifest, name, threshold)
    parameters = list(manifest.get("parameters") or [])
    cases = read_cases(sweep_dir, outcome, parameters)
    _check_cases(cases, outcome, sweep_dir)
    try:
        boxes, ranges = find_boxes(cases.x, cases.y)
    except DiscoverError as error:
        raise DiscoverError(f"{sweep_dir}: {error}") from None
    found = Discovery(
        sweep_dir=sweep_dir,
        sweep_name=Path(str(manifest.get("sweep_path", sweep_dir))).name,
        outcome=outcome,
        boxes=boxes,
        ranges=ranges,
        chosen=choose_box(boxes, min_coverage),
        rule=f"the densest box with coverage ≥ {number(min_coverage)}",
        min_coverage=min_coverage,
        runs=len(cases.y),
        cases=int(cases.y.sum()),
        failed=cases.failed,
        missing=cases.missing,
        library=library(),
    )
    return found if box is None else select(found, box)


def select(found: Discovery, index: int) -> Discovery:
    """``found`` with box ``index`` of its trajectory chosen (``--box``)."""
    last = len(found.boxes) - 1
    if not 0 <= index <= last:
        raise DiscoverError(
            f"--box {index}: the peeling trajectory has boxes 0 to {last}"
            + (" (box 0 is the whole sweep)" if last == 0 else "")
        )
    return dataclasses.replace(found, chosen=index, rule="chosen with --box", min_coverage=None)


def box_table(boxes: pd.DataFrame, ranges: pd.DataFrame, index: int) -> pd.DataFrame:
    """``box.csv`` of box ``index`` of the trajectory ``boxes``: one row per parameter of
    ``ranges`` with the box's limits, in words too, whether it restricts the parameter, the
    sampled range, and the box's coverage, density and mass (the same on every row)."""
    row = boxes.iloc[index]
    rows = []
    for spec in ranges.itertuples(index=False):
        if spec.kind == "category":
            kept = str(row[f"{spec.parameter}.values"])
            low = high = np.nan
            restricted = len(kept.split(SEP)) < len(spec.values.split(SEP))
        else:
            low, high = float(row[f"{spec.parameter}.low"]), float(row[f"{spec.parameter}.high"])
            kept = _kept_values(spec.values, low, high)
            restricted = low > spec.low or high < spec.high
        rows.append({
            "box": index, "parameter": spec.parameter, "kind": spec.kind,
            "restricted": bool(restricted), "low": low, "high": high, "values": kept,
            "full_low": spec.low, "full_high": spec.high, "full_values": spec.values,
            "coverage": float(row["coverage"]), "density": float(row["density"]),
            "mass": float(row["mass"]),
        })  # fmt: skip
    table = pd.DataFrame(rows)
    table.insert(4, "limits", [limits_text(spec) for spec in table.itertuples(index=False)])
    return table


def _kept_values(listed: str, low: float, high: float) -> str:
    """The listed (grid) values of a numeric parameter inside [low, high]."""
    if not listed:
        return ""
    values = [float(v) for v in listed.split(SEP)]
    return SEP.join(number(v) for v in values if low <= v <= high)


# --- files and words ---------------------------------------------------------------------


def default_out(sweep_dir: str | Path, outcome: Outcome) -> Path:
    """``SWEEP_DIR/discover/<outcome>[-ge-X]``."""
    return Path(sweep_dir) / "discover" / outcome.slug


def check_destination(out: Path, *, given: bool = True) -> None:
    """Discovery writes into a folder that does not exist yet or is empty; ``given``: the
    folder is the user's ``--out`` (else the default one, named by its path alone)."""
    name = f"--out {out}" if given else str(out)
    if out.exists() and not out.is_dir():
        raise DiscoverError(f"{name}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        again = "choose another --out or remove it" if given else "give --out or remove it"
        raise DiscoverError(f"{name}: the folder is not empty (discovered before?); {again}")


def write_tables(found: Discovery, out: Path) -> tuple[Path, Path]:
    """``boxes.csv`` (the peeling trajectory) and ``box.csv`` (the chosen box) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    boxes, box = out / BOXES_CSV, out / BOX_CSV
    found.boxes.to_csv(boxes, index=False)
    found.box().to_csv(box, index=False)
    return boxes, box


def number(value: float | None) -> str:
    """A limit or share as people write it: 0.4, 0.85, 1200, 0.0031."""
    if value is None:
        return "?"
    text = f"{float(value):.3g}"
    return "0" if text == "-0" else text


def limits_text(spec: Any) -> str:
    """A parameter's limits in a box, short: ``≥ 0.4``, ``between 0.2 and 0.6``, ``one of
    2015-03, 2016-09``, ``not restricted``. ``spec`` is a row of :func:`box_table`."""
    if not spec.restricted:
        return "not restricted"
    if spec.kind == "category":
        return f"one of {spec.values.replace(SEP, ', ')}"
    if spec.low > spec.full_low and spec.high < spec.full_high:
        return f"between {number(spec.low)} and {number(spec.high)}"
    if spec.low > spec.full_low:
        return f"≥ {number(spec.low)}"
    return f"≤ {number(spec.high)}"


def limit_words(spec: Any) -> str:
    """:func:`limits_text` and what it leaves out: the values sampled, and those kept."""
    short = limits_text(spec)
    full = spec.full_values.replace(SEP, ", ")
    if spec.kind == "category":
        if not spec.restricted:
            return f"{short} ({full})"
        dropped = [v for v in spec.full_values.split(SEP) if v not in spec.values.split(SEP)]
        return f"{short} (not {', '.join(dropped)})"
    if not spec.restricted:
        return f"{short} ({number(spec.full_low)} to {number(spec.full_high)})"
    if spec.full_values:
        kept = spec.values.replace(SEP, ", ") or "none"
        return f"{short} (the sweep's values {kept} of {full})"
    return f"{short} (sampled {number(spec.full_low)} to {number(spec.full_high)})"


def describe(found: Discovery) -> list[str]:
    """The chosen box in words, as ``alignsim discover`` prints it."""
    box = found.box()
    row = found.boxes.iloc[found.chosen]
    inside, cases = int(row["runs"]), int(row["cases"])
    share = found.cases / found.runs
    lines = [
        f"cases of interest: {found.outcome.condition} in {found.cases} of {found.runs} "
        f"finished runs ({share:.0%})" + _threshold_note(found.outcome),
    ]
    left_out = _left_out(found.failed, found.missing)
    if left_out:
        lines.append(f"left out: {left_out}")
    lines += [
        f"PRIM ({found.library}) peeled {len(found.boxes)} boxes (0 to {len(found.boxes) - 1}); "
        f"box {found.chosen} is {found.rule}",
        f"box {found.chosen}: coverage {row['coverage']:.2f} — it holds {cases} of the "
        f"{found.cases} cases of interest",
        f"{' ' * len(f'box {found.chosen}: ')}density {row['density']:.2f} — {cases} of "
        f"its {inside} runs are cases of interest ({share:.2f} in the whole sweep)",
        "limits:",
        *(f"  {spec.parameter} {limit_words(spec)}" for spec in box.itertuples(index=False)),
        f"in words: {in_words(found)}",
    ]
    return lines


def _threshold_note(outcome: Outcome) -> str:
    if outcome.kind in _NUMERIC:
        return f"; a number, so the runs at or above --threshold {number(outcome.threshold)}"
    return ""


def in_words(found: Discovery) -> str:
    """Where the outcome holds, how often, and what share of its cases that region has."""
    box = found.box()
    row = found.boxes.iloc[found.chosen]
    restricted = box[box["restricted"]]
    if restricted.empty:
        return f"box {found.chosen} restricts no parameter: it is the whole sweep"
    where = " and ".join(
        f"{spec.parameter} {'is ' if spec.kind == 'category' else ''}{spec.limits}"
        for spec in restricted.itertuples()
    )
    return (
        f"where {where}, {found.outcome.condition} in {row['density']:.0%} of the runs "
        f"(density); that region has {row['coverage']:.0%} of all the runs with "
        f"{found.outcome.condition} (coverage)"
    )


def figure_heading(found: Discovery) -> str:
    """The two heading lines of ``discover.png``."""
    row = found.boxes.iloc[found.chosen]
    left_out = _left_out(found.failed, found.missing)
    return (
        f"Where does {found.outcome.condition} hold? Scenario discovery with PRIM\n"
        f"sweep {found.sweep_name}: {found.cases} of {found.runs} finished runs are cases "
        f"of interest{f' ({left_out} left out)' if left_out else ''} · box {found.chosen}: "
        f"coverage {row['coverage']:.2f}, density {row['density']:.2f}"
    )
