"""Global sensitivity analysis of a sweep through SALib: Sobol indices or Morris screening.

::

    from alignsim.workflows.sweep import run_sensitivity
    table = run_sensitivity("scenarios/sweeps/sobol.yaml", "sobol", out="results/sobol")

The sweep file's parameters must all be numeric ranges ``{low, high}``; its design method
is replaced by the one asked for (``sobol``: Saltelli's scheme, first and total order,
``samples`` base samples, default 64, at least 32; ``morris``: ``samples`` trajectories,
default 10, at least 4, on ``levels`` levels, default 4). The file's ``samples`` (and
``levels``) are used only when its design is already that method: 64 Sobol base samples
are not 64 Morris trajectories. The design is run with the ordinary sweep runner into
``DIR`` (so ``DIR`` is a sweep folder: manifest, runs, ``summary.csv``), each design
point's replications are averaged (the per-point mean, or probability, of
``summary.csv``), and every numeric column of the summary is analysed:

- Sobol: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (``SALib.analyze.sobol`` with
  ``calc_second_order=False``, as sampled; 95% bootstrap intervals, half-widths);
- Morris: ``mu_star``, ``mu_star_conf``, ``mu``, ``sigma`` (``SALib.analyze.morris`` on
  the sample matrix as SALib drew it, before integer parameters were rounded).

Results go to ``DIR/sensitivity.csv`` (``outcome, parameter``, the index columns, ``note``,
``warning``) and ``DIR/sensitivity.png`` (one bar chart per outcome, with error bars).

**Too few samples** show in the intervals. ``warning`` names every index that cannot be
read (:func:`index_warnings`): a Sobol index outside [0, 1] by more than its interval, or
an interval wider than the index (and than :data:`TARGET`) or than [0, 1] itself; a Morris
mu* whose interval is wider than itself (and than :data:`TARGET` × the outcome's largest
mu*). :func:`samples_needed` estimates, from the widest interval, the sample count that
would bring every interval under :data:`TARGET`.

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
from collections.abc import Callable
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
#: What one sample of each method is, in messages.
UNITS = {"sobol": "base samples", "morris": "trajectories"}
#: Fewest samples ``alignsim sensitivity`` runs (see "Too few samples" in docs/sweeps.md).
MIN_SAMPLES = {"sobol": 32, "morris": 4}
#: Each index with its 95% interval column (Morris' sigma has none).
INTERVALS = {
    "sobol": (("S1", "S1_conf"), ("ST", "ST_conf")),
    "morris": (("mu_star", "mu_star_conf"),),
}
#: The interval half-width that counts as precise: a share of the outcome's variance
#: (Sobol), or a fraction of the outcome's largest mu* (Morris).
TARGET = 0.10
CSV = "sensitivity.csv"
PNG = "sensitivity.png"
RESAMPLES = 100


@dataclasses.dataclass(frozen=True)
class Plan:
    """A sweep file loaded for a method. ``note`` tells the reader where the sample count
    came from when it is not the one the sweep file (or ``--samples``) gave: empty if it
    is."""

    sweep: Sweep
    note: str = ""


def too_few(method: str, samples: int) -> str | None:
    """Why ``samples`` is below :data:`MIN_SAMPLES` for ``method`` (the words after the
    number); None when it is not."""
    least = MIN_SAMPLES[method]
    if samples >= least:
        return None
    powers = f" (a power of two: {least}, {2 * least}, {4 * least}, …)" if method == "sobol" else ""
    return f"{samples} is too few {UNITS[method]} for {method}: at least {least}{powers}"


def plan_for_method(path: str | os.PathLike[str], method: str, samples: int | None = None) -> Plan:
    """Load a sweep file with its design replaced by ``method``; every problem (a parameter
    that is not a numeric range, low == high, too few samples, …) is reported at its line
    as a :class:`SweepError`.

    The sample count is ``samples`` if given, else the file's when its design is already
    ``method`` (a morris file keeps its levels too), else the method's default: a file's
    ``samples: 64`` for sobol is not 64 Morris trajectories."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if samples is not None and (reason := too_few(method, samples)) is not None:
        raise ValueError(f"samples: {reason}")
    filename = str(path)
    text, reason = read_file(filename)
    if text is None:
        raise SweepError([Problem(filename, 1, 1, TOP, reason)])
    loader = _Loader(text, filename, Path(filename).parent)
    note = ""
    if isinstance(loader.raw.data, dict):
        given = _given_design(loader.raw.data.get("design"))
        design, note = _design_for(method, given, samples)
        loader.raw.data["design"] = design
        loader.problems += _samples_problems(loader, method, design, samples)
    sweep = loader.load()
    sweep = dataclasses.replace(sweep, design=_design(sweep, method))
    return Plan(sweep, "; ".join(n for n in (note, _power_note(sweep)) if n))


def _given_design(design: Any) -> dict[str, Any]:
    """The file's design as a mapping (``design: sobol`` is short for ``{method: sobol}``)."""
    if isinstance(design, str):
        return {"method": design}
    return dict(design) if isinstance(design, dict) else {}


def _design_for(
    method: str, given: dict[str, Any], samples: int | None
) -> tuple[dict[str, Any], str]:
    """The design mapping to load, and the note on its sample count. A design of the same
    method is kept whole, so the loader checks its values (and typos) at their lines."""
    same = given.get("method") == method
    design: dict[str, Any] = dict(given) if same else {"method": method}
    note = ""
    if samples is not None:
        design["samples"] = samples
    elif not (same and "samples" in given):
        design["samples"] = DEFAULT_SAMPLES[method]
        note = _default_note(method, given)
    if method == "morris" and "levels" not in design:
        design["levels"] = DEFAULT_LEVELS
    return design, note


def _default_note(method: str, given: dict[str, Any]) -> str:
    """Say that the default sample count is used, and why the file's is not."""
    count = f"{DEFAULT_SAMPLES[method]} {UNITS[method]} (the default)"
    other = given.get("method")
    if "samples" in given and other != method:
        return (
            f"the sweep file's samples: {given['samples']} is for {other}; {method} uses "
            f"{count}; give --samples to choose"
        )
    return f"{method} uses {count}; give --samples to choose"


def _samples_problems(
    loader: _Loader, method: str, design: dict[str, Any], samples: int | None
) -> list[Problem]:
    """The file's ``samples`` below the minimum, at its line (other bad values are the
    loader's to report; ``--samples`` is checked before the file is read)."""
    value = design.get("samples")
    if samples is not None or isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return []
    reason = too_few(method, value)
    if reason is None:
        return []
    file, line, col = loader.pos(("design", "samples"))
    return [Problem(file, line, col, "design.samples", f"{reason}; raise it, or give --samples")]


def _power_note(sweep: Sweep) -> str:
    """SALib and SciPy draw Sobol' points balanced only in powers of two."""
    n = sweep.design.samples or 0
    if sweep.design.method != "sobol" or n & (n - 1) == 0:
        return ""
    return (
        f"{n} base samples is not a power of two: Sobol' points are balanced only at powers of two"
    )


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
    table = pd.DataFrame(rows, columns=["outcome", "parameter", *columns, "note"])
    table["warning"] = index_warnings(table, method)
    return table


# --- what the intervals say ---------------------------------------------------------------


def _widths(table: pd.DataFrame, method: str) -> pd.DataFrame:
    """One row per index with an interval: ``outcome, parameter, index, value, conf`` and
    ``width``, the half-width on the scale of :data:`TARGET` (Sobol: as it is; Morris:
    divided by the outcome's largest mu*). Outcomes without indices are left out."""
    scale = (
        table.groupby("outcome")["mu_star"].transform("max")
        if method == "morris"
        else pd.Series(1.0, index=table.index)
    )
    parts = []
    for index, conf in INTERVALS[method]:
        part = table[["outcome", "parameter"]].assign(
            name=index, value=table[index], conf=table[conf], width=table[conf] / scale
        )
        parts.append(part[np.isfinite(part["value"]) & np.isfinite(part["width"])])
    return pd.concat(parts).sort_index(kind="stable")


def _index_warning(index: str, value: float, conf: float, width: float, method: str) -> str:
    """An index too few samples leave unreliable, in words; empty when it is not."""
    shown = f"{index} {value:.3g} ±{conf:.3g}"
    if method == "sobol" and value - conf > 1:
        return f"{shown}: above 1 beyond its interval, too few samples"
    if method == "sobol" and value + conf < 0:
        return f"{shown}: below 0 beyond its interval, too few samples"
    if conf > abs(value) and width > TARGET:
        return f"{shown}: interval wider than the index, unreliable"
    if method == "sobol" and conf > 0.5:
        return f"{shown}: interval wider than all of [0, 1], unreliable"
    return ""


def index_warnings(table: pd.DataFrame, method: str) -> pd.Series:
    """The ``warning`` column: for each outcome and parameter, every index that too few
    samples leave unreliable, each starting with the index's column name, joined by "; "
    (empty when none). Sobol: an index outside [0, 1] by more than its interval, an
    interval wider than the index and than :data:`TARGET`, or one wider than [0, 1] itself
    (±0.5); Morris: an interval wider than mu* and than :data:`TARGET` × the outcome's
    largest mu*."""
    found: dict[Any, list[str]] = {}
    for row in _widths(table, method).itertuples():
        text = _index_warning(row.name, row.value, row.conf, row.width, method)
        if text:
            found.setdefault(row.Index, []).append(text)
    return pd.Series(["; ".join(found.get(i, [])) for i in table.index], index=table.index,
                     dtype=object)  # fmt: skip


def samples_needed(table: pd.DataFrame, method: str, samples: int) -> dict[str, int]:
    """For every outcome with indices, the sample count at which its widest interval would
    be under :data:`TARGET`. Bootstrap half-widths shrink as 1/√N, so N × (widest /
    TARGET)², rounded up (Sobol: to a power of two); ``samples`` when already under."""
    needed = {}
    for outcome, widest in (
        _widths(table, method).groupby("outcome", sort=False)["width"].max().items()
    ):
        count = round(samples * max(1.0, (widest / TARGET) ** 2), 6)  # 256.0000001 is 256
        needed[outcome] = (
            max(samples, 2 ** math.ceil(math.log2(count)))
            if method == "sobol"
            else math.ceil(count)
        )
    return needed


def format_table(table: pd.DataFrame, method: str) -> str:
    """A compact text table: one line per outcome and parameter; ``!`` and the indices'
    names mark a row with a warning (:func:`format_warnings` says what it is)."""
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

    for row, warning in zip(table.itertuples(index=False), _texts(table, "warning"), strict=True):
        outcome = row.outcome if len(row.outcome) <= width else row.outcome[: width - 1] + "…"
        start = f"{outcome:<{width}}  {row.parameter:<{pwidth}}  "
        if method == "sobol":
            text = f"{start}{pm(row.S1, row.S1_conf):>14}  {pm(row.ST, row.ST_conf):>14}"
        else:
            sigma = "—" if math.isnan(row.sigma) else f"{row.sigma:7.3f}"
            text = f"{start}{pm(row.mu_star, row.mu_star_conf):>14}  {sigma:>7}"
        flagged = ", ".join(w.split(" ", 1)[0] for w in warning.split("; ") if w)
        lines.append(
            text + (f"  ({row.note})" if row.note else "") + (f"  ! {flagged}" if flagged else "")
        )
    return "\n".join(lines)


def format_report(table: pd.DataFrame, manifest: dict[str, Any]) -> str:
    """What ``alignsim sensitivity`` prints of a sweep folder's indices: the table, the
    warnings under it, and how many samples would make every interval precise."""
    method = manifest["design"]["method"]
    parts = (format_table(table, method), format_warnings(table), format_needed(table, manifest))
    return "\n".join(p for p in parts if p)


def _texts(table: pd.DataFrame, column: str) -> list[str]:
    """A text column with empty text for missing values (also when read back from CSV, or
    absent from a table written before the column existed)."""
    if column not in table:
        return [""] * len(table)
    return list(table[column].astype("string").fillna(""))


def format_warnings(table: pd.DataFrame) -> str:
    """Every index with a warning, one line each, under a line that counts them; empty text
    when there are none."""
    pairs = zip(table.itertuples(index=False), _texts(table, "warning"), strict=True)
    lines = [f"  {r.outcome} × {r.parameter}: {w}" for r, text in pairs if text
             for w in text.split("; ")]  # fmt: skip
    if not lines:
        return ""
    what = "index needs" if len(lines) == 1 else "indices need"
    return "\n".join(
        [f"! {len(lines)} {what} more samples to be read (column warning of {CSV}):", *lines]
    )


def format_needed(
    table: pd.DataFrame,
    manifest: dict[str, Any],
    brief: bool = False,
    name: Callable[[str], str] = str,
) -> str:
    """How many samples would bring every interval under :data:`TARGET`, in one line (see
    :func:`samples_needed`); empty text when no outcome has indices. ``brief``: without the
    run count and the widest interval, for a chart's heading; ``name`` words an outcome."""
    design = manifest["design"]
    method, samples = design["method"], int(design["samples"])
    needed = samples_needed(table, method, samples)
    if not needed:
        return ""
    target = f"±{TARGET:.2f}" if method == "sobol" else f"{TARGET:g} × the outcome's largest mu*"
    widest = _widest(table, method)
    if max(needed.values()) <= samples:
        under = f"every interval is under {target} with {_count(method, samples)}"
        return under if brief else f"{under}; {widest}"
    worst = max(needed, key=needed.__getitem__)
    runs = int(manifest["runs"]) * needed[worst] // samples
    count = _count(method, needed[worst])
    text = f"about {count} would bring every interval under {target}"
    if not brief:
        text = f"about {count} ({runs:,} runs) would bring every interval under {target}; {widest}"
    others = max((n for o, n in needed.items() if o != worst), default=needed[worst])
    if others <= samples:
        text += "; the other outcomes' intervals are under it already"
    elif others < needed[worst]:
        fewer = _count(method, others, short=brief)
        text += f"; {fewer} without {name(worst)}" if brief else f"; {fewer} for the other outcomes"
    return text


def _widest(table: pd.DataFrame, method: str) -> str:
    """The widest interval, and whose it is."""
    widths = _widths(table, method)
    row = widths.iloc[int(np.argmax(widths["width"].to_numpy()))]
    relative = f", {row['width']:.2g} × the outcome's largest mu*" if method == "morris" else ""
    return (
        f"the widest is ±{row['conf']:.2g}{relative} ({row['name']} of {row['outcome']} "
        f"for {row['parameter']})"
    )


def _count(method: str, samples: int, short: bool = False) -> str:
    if method == "morris":
        return f"{samples}" if short else f"{samples} trajectories"
    return f"N = {samples}" if short else f"N = {samples} base samples"


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
