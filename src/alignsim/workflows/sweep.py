"""Sweeps from end to end: runs → ``summary.csv`` → figures, and sensitivity → chart.

::

    from alignsim.workflows.sweep import run_sensitivity, run_sweep
    done = run_sweep("scenarios/sweeps/alliance_phase_diagram.yaml", out="results/phase")
    table = run_sensitivity("scenarios/sweeps/sobol.yaml", "sobol", out="results/sobol")
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from alignsim.sweep import storage
from alignsim.sweep.runner import SweepRun, execute
from alignsim.sweep.sensitivity import (
    PNG,
    format_needed,
    plan_for_method,
    write_sensitivity_table,
)
from alignsim.viz.ensembles import fan_figure, wrap
from alignsim.viz.style import save
from alignsim.viz.sweep_plots import (
    Series,
    columns_drawn,
    write_sensitivity_plot,
    write_sweep_plots,
)

#: The sweep folder's figures.
PLOTS = "plots"
#: Design points whose series get a fan chart (the series files have them all).
MAX_SERIES_FIGURES = 12


def run_sweep(sweep_or_path: Any = None, out: str | Path | None = None, *, plots: bool = True,
              **options: Any) -> SweepRun:  # fmt: skip
    """Run (or resume) a sweep into ``out`` and draw its figures into ``out/plots/``.

    ``options`` are those of :func:`alignsim.sweep.runner.execute` (``workers``,
    ``scheduler``, ``chunk``, ``resume``, ``progress``, ``command``, ``batch``).
    ``plots=False`` stores the runs and the summary only.
    """
    done = execute(sweep_or_path, out, **options)
    if not plots:
        return done
    return dataclasses.replace(done, plots=draw_sweep_figures(done.out))


def draw_sweep_figures(out: str | Path) -> list[Path]:
    """The figures of the sweep folder ``out``, drawn into ``out/plots/`` from its finished
    runs. One that cannot be drawn is reported on stderr and does not fail the sweep (the
    runs and summary are stored, and the figures can be drawn again)."""
    out = Path(out)
    try:
        manifest = storage.read_manifest(out)
        runs = storage.read_runs(out, columns_drawn(manifest))
        paths = write_sweep_plots(runs, manifest, out / PLOTS)
        return paths + draw_series_figures(out, runs, manifest)
    except Exception as error:  # the runs and summary are stored; figures can be redrawn
        print(f"alignsim sweep: the figures could not be drawn: {error}", file=sys.stderr)
        return []


def draw_series_figures(out: Path, runs: pd.DataFrame, manifest: dict[str, Any]) -> list[Path]:
    """Fan charts of the stored series (``series:``), one figure per design point (the
    first :data:`MAX_SERIES_FIGURES`), read one point at a time so that memory stays flat."""
    if not manifest.get("series"):
        return []
    parameters = list(manifest["parameters"])
    design = runs.drop_duplicates("point").sort_values("point")
    paths = []
    for row in design.head(MAX_SERIES_FIGURES).to_dict("records"):
        series = storage.read_series(out, points=[int(row["point"])])
        if series.empty:  # every run of the point failed
            continue
        values = ", ".join(f"{p.rsplit('.', 1)[-1]}={_text(row[p])}" for p in parameters)
        dates = series.drop_duplicates("step").sort_values("step")["date"].tolist()
        heading = wrap(
            f"Point {row['point']}" + (f" ({values})" if values else "") + ": median (line), "
            f"middle 50% and 90% of {series['run'].nunique()} replications (bands)"
        )
        figure = fan_figure([(f"point {row['point']}", series)], dates, heading, y_label=None)
        paths.append(save(figure, out / PLOTS / f"series_point{row['point']:03d}.png"))
    if len(design) > MAX_SERIES_FIGURES:
        print(f"alignsim sweep: series figures drawn for the first {MAX_SERIES_FIGURES} of "
              f"{len(design)} design points", file=sys.stderr)  # fmt: skip
    return paths


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def run_sensitivity(
    sweep_path: str | os.PathLike[str],
    method: str,
    out: str | Path,
    *,
    samples: int | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Run the ``method`` design of a sweep file into ``out`` and analyse it; the table.

    Writes ``out/sensitivity.csv`` and ``out/sensitivity.png`` beside the sweep folder's
    files. ``options`` go to :func:`alignsim.sweep.runner.execute`. Raises
    :class:`~alignsim.sweep.spec.SweepError` for a bad sweep file (with lines, also for too
    few samples in it), ``ValueError`` for too few ``samples`` and
    :class:`~alignsim.sweep.storage.StorageError` for an unusable folder.
    """
    sweep = plan_for_method(sweep_path, method, samples).sweep
    execute(sweep, out, **options)
    return write_sensitivity(out)


def write_sensitivity(out: str | Path) -> pd.DataFrame:
    """Analyse the sweep folder ``out``: ``sensitivity.csv`` and its chart, whose heading
    says how many samples would make every interval precise; the table."""
    out = Path(out)
    table = write_sensitivity_table(out)
    manifest = storage.read_manifest(out)
    note = format_needed(table, manifest, brief=True, name=_measure)
    write_sensitivity_plot(table, manifest["design"]["method"], manifest, out / PNG, note=note)
    return table


def _measure(outcome: str) -> str:
    """An outcome column as the chart's panels name it ("P(China–Russia–Pakistan triangle
    formed)")."""
    return Series.of_summary(outcome).measure()
