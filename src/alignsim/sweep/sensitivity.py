"""Global sensitivity analysis of a sweep through SALib: Sobol indices or Morris screening.

::

    from alignsim.workflows.sweep import run_sensitivity
    table = run_sensitivity("scenarios/sweeps/sobol.yaml", "sobol", out="results/sobol")

The sweep file's parameters must all be numeric ranges ``{low, high}``; its design method
is replaced by the one asked for (``sobol``: Saltelli's scheme, first and total order,
``samples`` base samples, default 64; ``morris``: ``samples`` trajectories, default 10, on
``levels`` levels, default 4). The design is run with the ordinary sweep runner into
``DIR`` (so ``DIR`` is a sweep folder: manifest, runs, ``summary.csv``), each design
point's replications are averaged (the per-point mean, or probability, of
``summary.csv``), and every numeric column of the summary is analysed:

- Sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (``SALib.analyze.sobol`` with
  ``calc_second_order=False``, as sampled; 95% bootstrap intervals, half-widths);
- Morris: ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma`` (``SALib.analyze.morris`` on
  the sample matrix as SALib drew it, before integer parameters were rounded).

Results go to ``DIR/sensitivity.csv`` (``outcome, parameter``, the index columns, ``note``)
and ``DIR/sensitivity.png`` (one bar chart per outcome, with error bars).

**Outcomes that do not vary** over the design (the same value at every point, e.g. a
probability that is 1 everywhere) have no variance to apportion. SALib is not called for
them (it would divide by zero and warn): Morris indices are exactly 0 (every elementary
effect is 0) and Sobol indices are NaN (0/0, undefined), and ``note`` says ``constant``.
Likewise an outcome with no value at some design point (every run there failed) gets NaN
indices and a ``note``. Neither is drawn in the chart; both are listed under it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from alignsim.scenario.loading import read_file
from alignsim.scenario.problems import TOP, Problem

from .spec import DEFAULT_LEVELS, Design, Sweep, SweepError, _Loader

METHODS = ("sobol", "morris")
DEFAULT_SAMPLES = {"sobol": 64, "morris": 10}
INDICES = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "mu", "sigma"),
}
CSV = "sensitivity.csv"
PNG = "sensitivity.png"
RESAMPLES = 100


def load_for_method(path: str | os.PathLike[str], method: str, samples: int | None = None) -> Sweep:
    """Load a sweep file with its design replaced by ``method``; every problem (a parameter
    that is not a numeric range, low == high, …) is reported at its line as a
    :class:`SweepError`."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    filename = str(path)
    text, reason = read_file(filename)
    if text is None:
        raise SweepError([Problem(filename, 1, 1, TOP, reason)])
    loader = _Loader(text, filename, Path(filename).parent)
    data = loader.raw.data
    given: dict[str, Any] = {}
    if isinstance(data, dict):
        design = data.get("design")
        given = dict(design) if isinstance(design, dict) else {}
        replaced: dict[str, Any] = {"method": method}
        file_samples = given.get("samples")
        if samples is not None:
            replaced["samples"] = samples
        elif isinstance(file_samples, int) and not isinstance(file_samples, bool):
            replaced["samples"] = file_samples
        else:
            replaced["samples"] = DEFAULT_SAMPLES[method]
        if method == "morris":
            levels = given.get("levels")
            replaced["levels"] = levels if "levels" in given else DEFAULT_LEVELS
        data["design"] = replaced
    sweep = loader.load()
    return dataclasses.replace(sweep, design=_design(sweep, method))


def _design(sweep: Sweep, method: str) -> Design:
    levels = sweep.design.levels if method == "morris" else None
    return Design(method, sweep.design.samples, levels)  # type: ignore[arg-type]


# --- analysis ---------------------------------------------------------------------------


def _problem(manifest: dict[str, Any]) -> dict[str, Any]:
    names = list(manifest["parameters"])
    given = manifest["sweep"]["parameters"]
    bounds = [[float(given[n]["low"]), float(given[n]["high"])] for n in names]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _value_columns(summary: pd.DataFrame, parameters: list[str]) -> list[str]:
    """The summary's per-point means and probabilities (not intervals, counts or keys)."""
    skip = {"point", "runs", "failed", *parameters}
    return [
        c
        for c in summary.columns
        if c not in skip and not c.endswith((".ci_low", ".ci_high"))
        and pd.api.types.is_numeric_dtype(summary[c])
    ]  # fmt: skip


def _outcome_name(column: str) -> str:
    return column[: -len(".mean")] if column.endswith(".mean") else column


def analyse(out: str | Path) -> pd.DataFrame:
    """Sensitivity indices of every outcome of the sobol or morris sweep folder ``out``."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    from alignsim.sweep import storage
    from alignsim.sweep.aggregate import summarize

    manifest = storage.read_manifest(Path(out))
    design = manifest["design"]
    method = design["method"]
    if method not in METHODS:
        raise storage.StorageError(f"{out}: a {method} sweep; sensitivity needs sobol or morris")
    problem = _problem(manifest)
    names = problem["names"]
    seed = int(manifest["seed"])
    summary = summarize(out).sort_values("point").reset_index(drop=True)
    points = int(manifest["points"])
    if len(summary) != points or list(summary["point"]) != list(range(points)):
        raise storage.StorageError(
            f"{out}: {len(summary)} of {points} design points have runs; finish the sweep "
            f"first (alignsim sweep --resume {out})"
        )
    levels = int(design.get("levels") or DEFAULT_LEVELS)
    matrix = None
    if method == "morris":
        from SALib.sample import morris as morris_sample

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matrix = morris_sample.sample(
                problem, int(design["samples"]), num_levels=levels, seed=seed
            )
    columns = INDICES[method]
    rows: list[dict[str, Any]] = []
    for column in _value_columns(summary, list(manifest["parameters"])):
        y = summary[column].to_numpy(dtype=float)
        outcome = _outcome_name(column)
        missing = int(np.isnan(y).sum())
        if missing:
            note = f"no value at {missing} design point{'s' if missing > 1 else ''}"
            result = {k: [math.nan] * len(names) for k in columns}
        elif np.ptp(y) == 0:
            note = "constant"
            fill = 0.0 if method == "morris" else math.nan
            result = {k: [fill] * len(names) for k in columns}
        else:
            note = ""
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                if method == "sobol":
                    result = sobol_analyze.analyze(
                        problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                        conf_level=0.95, seed=seed,
                    )  # fmt: skip
                else:
                    result = morris_analyze.analyze(
                        problem, matrix, y, num_resamples=RESAMPLES, conf_level=0.95,
                        num_levels=levels, seed=seed,
                    )  # fmt: skip
        for i, name in enumerate(names):
            row: dict[str, Any] = {"outcome": outcome, "parameter": name}
            row.update({k: float(np.asarray(result[k], dtype=float)[i]) for k in columns})
            row["note"] = note
            rows.append(row)
    return pd.DataFrame(rows, columns=["outcome", "parameter", *columns, "note"])


def format_table(table: pd.DataFrame, method: str) -> str:
    """A compact text table: one line per outcome and parameter."""
    if table.empty:
        return "(no outcomes)"
    width = min(max(len(o) for o in table["outcome"]), 52)
    pwidth = max(len(p) for p in table["parameter"])
    if method == "sobol":
        head = f"{'outcome':<{width}}  {'parameter':<{pwidth}}  {'S1':>14}  {'ST':>14}"
    else:
        head = f"{'outcome':<{width}}  {'parameter':<{pwidth}}  {'mu*':>14}  {'sigma':>7}"
    lines = [head]

    def pm(value: float, conf: float) -> str:
        return "—" if math.isnan(value) else f"{value:7.3f} ±{conf:5.3f}"

    for row in table.itertuples(index=False):
        outcome = row.outcome if len(row.outcome) <= width else row.outcome[: width - 1] + "…"
        start = f"{outcome:<{width}}  {row.parameter:<{pwidth}}  "
        if method == "sobol":
            text = f"{start}{pm(row.S1, row.S1_conf):>14}  {pm(row.ST, row.ST_conf):>14}"
        else:
            sigma = "—" if math.isnan(row.sigma) else f"{row.sigma:7.3f}"
            text = f"{start}{pm(row.mu_star, row.mu_star_conf):>14}  {sigma:>7}"
        lines.append(text + (f"  ({row.note})" if row.note else ""))
    return "\n".join(lines)


# --- the table ----------------------------------------------------------------------------


def write_sensitivity_table(out: str | Path) -> pd.DataFrame:
    """Analyse the sweep folder ``out`` and write ``sensitivity.csv``; the table. The chart
    is drawn above this layer (:func:`alignsim.workflows.sweep.run_sensitivity`)."""
    from alignsim.sweep import storage

    out = Path(out)
    table = analyse(out)
    text = table.to_csv(index=False, float_format="%.6g")
    storage.write_atomic(out / CSV, text.encode("utf-8"))
    return table
