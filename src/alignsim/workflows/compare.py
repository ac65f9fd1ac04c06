"""``alignsim compare``'s files: two runs (a table and its figure), or two ensembles (a
table with intervals, a forest plot and fan charts of the watched ties)."""

from __future__ import annotations

import re
from pathlib import Path

from alignsim.analysis.compare import Comparison, write_comparison_table
from alignsim.analysis.ensembles import (
    ALL_POINTS,
    EnsembleComparison,
    Matched,
    compare_by,
    compare_sweeps,
    paired_series_differences,
)
from alignsim.sweep import storage
from alignsim.viz.compare import plot_comparison
from alignsim.viz.ensembles import fan_figure, forest_figure, short_point, wrap
from alignsim.viz.style import save

#: Fan charts drawn at most (one per matched design point); the table has every point.
MAX_FANS = 6
FAN_SERIES = "strength."


def write_comparison(comparison: Comparison, out: Path) -> tuple[Path, Path]:
    """``compare.csv`` and ``compare.png`` in ``out``."""
    csv = write_comparison_table(comparison, out)
    return csv, plot_comparison(comparison, Path(out) / "compare.png")


def is_sweep_folder(path: Path) -> bool:
    """A folder written by ``alignsim sweep`` (its manifest says so)."""
    try:
        storage.read_manifest(Path(path))
    except storage.StorageError:
        return False
    return True


def compare_ensembles(
    a: Path, b: Path | None = None, *, out: Path, by: str | None = None
) -> tuple[EnsembleComparison, list[Path]]:
    """Compare sweep ``b`` with sweep ``a`` — or, with ``by`` and no ``b``, the levels of
    that factor within sweep ``a`` — and write ``compare.csv``, ``forest.png``, ``fans*.png``
    and (paired) ``differences*.png`` into ``out``; the comparison and the files written."""
    if (b is None) == (by is None):
        raise ValueError("give a second sweep folder b, or a factor by, but not both")
    comparison = compare_by(a, by) if by is not None else compare_sweeps(a, b)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "compare.csv"
    storage.write_atomic(csv, comparison.table.to_csv(index=False, lineterminator="\n",
                                                      float_format="%.6g").encode())  # fmt: skip
    files = [csv, save(forest_figure(comparison.table, _forest_heading(comparison)),
                       out / "forest.png")]  # fmt: skip
    for match in comparison.matches[:MAX_FANS]:
        files += _fans(match, out)
    if not any(p.name.startswith("fans") for p in files):
        comparison.notes.append("no fan charts: the sweeps kept no per-step tie strengths "
                                "(add `series: [strength]` to the sweep file)")  # fmt: skip
    elif len(comparison.matches) > MAX_FANS:
        comparison.notes.append(f"fan charts drawn for the first {MAX_FANS} of "
                                f"{len(comparison.matches)} design points")  # fmt: skip
    return comparison, files


def _forest_heading(comparison: EnsembleComparison) -> str:
    first = comparison.matches[0]
    how = ("paired: replication r ran with the same seed on both sides" if comparison.paired
           else "unpaired: Welch (means), Newcombe (probabilities)")  # fmt: skip
    sides = f"A: {first.a.label}    B: {first.b.label}"
    text = f"Differences B − A with 95% intervals, {how}\n{sides}    black: excludes 0"
    return wrap(text, 150)


def _fans(match: Matched, out: Path) -> list[Path]:
    """``fans*.png``: the watched ties of both sides over time; and, when the sides ran with
    the same seeds, ``differences*.png``: the per-replication differences B − A over time."""
    sides = []
    for side in (match.a, match.b):
        series = storage.read_series(side.folder, points=[side.point])
        series = series[series["outcome"].str.startswith(FAN_SERIES)]
        if series.empty:
            return []
        sides.append((side.label, series))
    dates = sides[0][1].drop_duplicates("step").sort_values("step")["date"].tolist()
    runs = ", ".join(f"{label}: {frame['run'].nunique()} runs" for label, frame in sides)
    where = "" if match.point == ALL_POINTS else f" at {short_point(match.point)}"
    heading = wrap(f"Watched ties over time{where}: median (line), middle 50% and 90% of "
                   f"replications (bands)\n{runs}")  # fmt: skip
    suffix = "" if match.point == ALL_POINTS else f"-{_slug(match.point)}"
    paths = [save(fan_figure(sides, dates, heading), out / f"fans{suffix}.png")]
    differences = paired_series_differences(match, sides[0][1], sides[1][1])
    if differences is not None:
        heading = wrap(f"B − A over time{where}, replication by replication (same seed on both "
                       f"sides): median, middle 50% and 90%\n"
                       f"A: {match.a.label}    B: {match.b.label}")  # fmt: skip
        figure = fan_figure([("B − A", differences)], dates, heading,
                            y_label="difference in tie strength")  # fmt: skip
        paths.append(save(figure, out / f"differences{suffix}.png"))
    return paths


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "_", text).strip("_")[:80]
