"""Figures of a sweep folder: ``write_sweep_plots(DIR)`` writes ``DIR/plots/``.

What is drawn depends on how many parameters the sweep varies:

- one: every outcome against the parameter, with 95% interval bands, one figure per outcome
  group (``triangle.png``, ``final_strength.png``, ``first_triangle_step.png``,
  ``bloc_of.png``, …; a category outcome such as ``bloc_of`` gets one panel per state);
- two: a heat-map phase diagram per outcome column (``phase_<outcome>.png``): the first
  parameter across, the second up, the mean or probability as colour, annotated;
- more: small multiples per outcome group (``<group>_by_parameter.png``): the outcome
  against each parameter, averaged over the others, with 95% interval bands.

Values are computed from the stored runs (finished runs only) with the formulas of
``summary.csv`` (:mod:`alignsim.sweep.aggregate`): mean ± 1.96·sd/√n for numbers, Wilson
intervals for probabilities, so a grid's figures show exactly its summary. A parameter
with many distinct values (a sampled design) is binned into equal-width bins; text
parameters (dates such as ``events.1.at``) are ordered categories. ``first_triangle_step``
is averaged over the runs in which the triangle formed (−1, "never", is left out).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb

from alignsim.sweep import storage
from alignsim.sweep.aggregate import Z95, wilson
from alignsim.viz.style import TIE_CMAP, line_style, minus, save

PLOTS = "plots"
#: A numeric parameter with more distinct values than this is binned.
MAX_LEVELS = 12
BINS = 8
#: Heat-map cells are annotated up to this many in either direction.
MAX_ANNOTATED = 14
MISSING = "#DDDDDD"


@dataclass(frozen=True)
class Series:
    """One plotted quantity: a numeric or 0/1 outcome column, or one value of a category."""

    group: str
    panel: str
    source: str
    kind: str
    value: str | None = None

    @property
    def probability(self) -> bool:
        return self.kind in ("binary", "category")

    @property
    def key(self) -> str:
        return self.source if self.value is None else f"{self.source}={self.value}"

    def subject(self) -> str:
        """The column's item (``China-Russia-Pakistan``), with en dashes."""
        _, _, item = self.source.partition(".")
        return item.replace("-", "–") if item else self.source

    def label(self) -> str:
        """Legend label within its panel."""
        name = self.source.partition(".")[0]
        if name == "triangle_formed":
            return f"{self.subject()} formed"
        if name == "triangle_alliance":
            return f"{self.subject()} all alliances"
        if self.value is not None:
            if name == "bloc_of":
                return "unaligned" if self.value == "unaligned" else f"in {self.value}'s bloc"
            return self.value
        return self.subject()

    def title(self) -> str:
        """A full description, for a heat map's title and colour bar."""
        name = self.source.partition(".")[0]
        item = self.subject()
        if name == "triangle_formed":
            return f"P(triangle {item} formed at the end)"
        if name == "triangle_alliance":
            return f"P(triangle {item}: all three ties alliances at the end)"
        if name == "first_triangle_step":
            return f"first step triangle {item} formed (runs where it did)"
        if name == "final_strength":
            return f"mean final tie strength {item}"
        if name == "bloc_of" and self.value is not None:
            where = "unaligned" if self.value == "unaligned" else f"in {self.value}'s bloc"
            return f"P({item} {where} at the end)"
        if self.value is not None:
            return f"P({self.source} = {self.value})"
        return f"mean {self.source}"


_GROUP_TITLES = {
    "triangle": "P(watched triangle formed / all alliances at the end)",
    "first_triangle_step": "first step the watched triangle formed (runs where it did)",
    "final_strength": "mean final strength of the watched ties",
    "bloc_of": "P(state ends in a given bloc)",
    "final_level": "P(tie ends at a given level)",
}


def _group_of(outcome: str) -> str:
    return "triangle" if outcome in ("triangle_formed", "triangle_alliance") else outcome


def _series(runs: pd.DataFrame, kinds: dict[str, str]) -> list[Series]:
    out: list[Series] = []
    for column, kind in kinds.items():
        if column not in runs.columns:
            continue
        outcome = column.partition(".")[0]
        group = _group_of(outcome)
        if kind == "category":
            values = sorted({str(v) for v in runs[column].dropna()})
            out += [Series(group, column, column, kind, v) for v in values]
        else:
            out.append(Series(group, "", column, kind))
    return out


def _values(runs: pd.DataFrame, s: Series) -> pd.Series:
    """Per finished run: the number, or 0/1 for a probability; NaN where not counted."""
    raw = runs[s.source]
    if s.kind == "category":
        present = raw.notna()
        hit = raw.astype("string") == s.value
        return hit.astype(float).where(present, np.nan)
    x = pd.to_numeric(raw, errors="coerce").astype(float)
    if s.kind == "binary":
        return (x >= 0.5).astype(float).where(x.notna(), np.nan)
    if s.source.startswith("first_triangle_step"):
        return x.where(x >= 0, np.nan)
    return x


def _aggregate(runs: pd.DataFrame, keys: list[str], s: Series) -> pd.DataFrame:
    """Mean (or probability) and its 95% interval per combination of ``keys``."""
    frame = runs[keys].copy()
    frame["_y"] = _values(runs, s)
    rows = []
    for key, group in frame.groupby(keys, sort=True):
        key = key if isinstance(key, tuple) else (key,)
        y = group["_y"].dropna().to_numpy(dtype=float)
        n = len(y)
        if s.probability:
            mean, low, high = wilson(round(float(y.sum())), n)
        elif n == 0:
            mean = low = high = math.nan
        else:
            mean = float(y.mean())
            if n < 2:
                low = high = math.nan
            else:
                half = Z95 * float(y.std(ddof=1)) / math.sqrt(n)
                low, high = mean - half, mean + half
        rows.append((*key, mean, low, high, n))
    return pd.DataFrame(rows, columns=[*keys, "mean", "low", "high", "n"])


@dataclass
class _Levels:
    """A parameter's values as plotting positions."""

    codes: np.ndarray
    positions: np.ndarray
    labels: list[str]
    numeric: bool
    binned: bool


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return minus(float(value), ".3g")
    if isinstance(value, int | np.integer):
        return minus(int(value), "d")
    return str(value)


def _levels(column: pd.Series) -> _Levels:
    values = column.dropna()
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        x = column.astype(float).to_numpy()
        unique = np.unique(x[~np.isnan(x)])
        if len(unique) <= MAX_LEVELS:
            codes = np.searchsorted(unique, x)
            labels = [_fmt(v) for v in unique]
            return _Levels(codes, unique, labels, True, False)
        edges = np.linspace(unique[0], unique[-1], BINS + 1)
        codes = np.clip(np.digitize(x, edges[1:-1]), 0, BINS - 1)
        centres = (edges[:-1] + edges[1:]) / 2
        labels = [f"{_fmt(a)}–{_fmt(b)}" for a, b in itertools.pairwise(edges)]
        return _Levels(codes, centres, labels, True, True)
    text = values.astype(str)
    ordered = sorted(set(text))
    index = {v: i for i, v in enumerate(ordered)}
    codes = np.array([index.get(str(v), -1) if pd.notna(v) else -1 for v in column])
    return _Levels(codes, np.arange(len(ordered), dtype=float), ordered, False, False)


def _heading(manifest: dict[str, Any]) -> str:
    sweep = Path(str(manifest.get("sweep_path", "sweep"))).name
    design = manifest.get("design", {}) or {}
    reps = int(manifest.get("replications", 1))
    return (
        f"sweep {sweep} · base scenario {manifest.get('scenario_name', '?')}\n"
        f"{design.get('method', 'grid')} design, {manifest.get('points', '?')} points × "
        f"{reps} replication{'s' if reps != 1 else ''}, {manifest.get('steps', '?')} steps"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()


def _x_axis(ax: plt.Axes, name: str, levels: _Levels) -> None:
    suffix = " (binned)" if levels.binned else ""
    ax.set_xlabel(f"{name}{suffix}")
    if not levels.numeric or len(levels.labels) <= 6:
        ax.set_xticks(levels.positions)
        ax.set_xticklabels(levels.labels)
        if not levels.numeric and max(len(s) for s in levels.labels) * len(levels.labels) > 40:
            plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    if not levels.numeric:
        ax.set_xlim(-0.5, len(levels.labels) - 0.5)


def _line_figure(
    runs: pd.DataFrame,
    parameters: list[str],
    levels: dict[str, _Levels],
    group: str,
    series: list[Series],
    manifest: dict[str, Any],
    path: Path,
) -> Path:
    panels: list[str] = list(dict.fromkeys(s.panel for s in series))
    ncols, nrows = len(parameters), len(panels)
    width = 4.6 * ncols + 2.6
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(width, 3.2 * nrows + 1.2), squeeze=False, sharey="row"
    )
    probability = all(s.probability for s in series)
    for r, panel in enumerate(panels):
        members = [s for s in series if s.panel == panel]
        for c, name in enumerate(parameters):
            ax = axes[r][c]
            lv = levels[name]
            frame = runs.assign(_code=lv.codes)
            frame = frame[frame["_code"] >= 0]
            for i, s in enumerate(members):
                table = _aggregate(frame, ["_code"], s)
                x = lv.positions[table["_code"].to_numpy(dtype=int)]
                colour, dashes = line_style(i)
                ax.fill_between(x, table["low"], table["high"], color=colour, alpha=0.18, lw=0)
                ax.plot(x, table["mean"], color=colour, ls=dashes, lw=2, marker="o", ms=4,
                        label=s.label())  # fmt: skip
            _x_axis(ax, name, lv)
            if probability:
                ax.set_ylim(-0.03, 1.03)
            ax.grid(True, color="#E5E5E5", lw=0.8)
            if c == 0:
                ax.set_ylabel("probability" if probability else "mean")
            if len(parameters) > 1 and c > 0:
                ax.set_ylabel("")
            if panel:
                ax.set_title(members[0].subject(), loc="left", fontsize=12)
        axes[r][-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    over = " (each averaged over the other parameters)" if len(parameters) > 1 else ""
    what = _GROUP_TITLES.get(group, group)
    fig.suptitle(f"{what}{over}; bands: 95% intervals\n{_heading(manifest)}", x=0.02,
                 ha="left", fontsize=13)  # fmt: skip
    fig.tight_layout()
    return save(fig, path)


def _luminance(rgba: Any) -> float:
    r, g, b = to_rgb(rgba)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _phase_diagram(
    runs: pd.DataFrame,
    parameters: list[str],
    levels: dict[str, _Levels],
    s: Series,
    manifest: dict[str, Any],
    path: Path,
) -> Path:
    px, py = parameters
    lx, ly = levels[px], levels[py]
    frame = runs.assign(cell_x=lx.codes, cell_y=ly.codes)
    frame = frame[(frame["cell_x"] >= 0) & (frame["cell_y"] >= 0)]
    table = _aggregate(frame, ["cell_x", "cell_y"], s)
    grid = np.full((len(ly.labels), len(lx.labels)), np.nan)
    for x, y, mean in zip(table["cell_x"], table["cell_y"], table["mean"], strict=True):
        grid[int(y), int(x)] = mean
    if s.probability:
        cmap, vmin, vmax, fmt = "viridis", 0.0, 1.0, ".2f"
    elif s.source.startswith("final_strength"):
        cmap, vmin, vmax, fmt = TIE_CMAP, -1.0, 1.0, ".2f"
    else:
        finite = grid[np.isfinite(grid)]
        vmin = float(finite.min()) if finite.size else 0.0
        vmax = float(finite.max()) if finite.size else 1.0
        if vmin == vmax:
            vmin, vmax = vmin - 0.5, vmax + 0.5
        cmap, fmt = "viridis", ".3g"
    nx, ny = len(lx.labels), len(ly.labels)
    cell = 0.95 if max(nx, ny) <= 8 else 0.6
    fig, ax = plt.subplots(figsize=(max(6.5, cell * nx + 3.6), max(4.8, cell * ny + 2.4)))
    colormap = plt.get_cmap(cmap).with_extremes(bad=MISSING)
    image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap=colormap,
                      vmin=vmin, vmax=vmax, interpolation="nearest")  # fmt: skip
    if nx <= MAX_ANNOTATED and ny <= MAX_ANNOTATED:
        for (j, i), value in np.ndenumerate(grid):
            if np.isfinite(value):
                colour = "black" if _luminance(image.cmap(image.norm(value))) > 0.45 else "white"
                text = minus(value, fmt)
            else:
                colour, text = "#555555", "–"
            ax.text(i, j, text, ha="center", va="center", color=colour, fontsize=10)
    ax.set_xticks(np.arange(nx))
    ax.set_xticklabels(lx.labels)
    ax.set_yticks(np.arange(ny))
    ax.set_yticklabels(ly.labels)
    if max(len(t) for t in lx.labels) * nx > 48:
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor")
    ax.set_xlabel(px + (" (binned)" if lx.binned else ""))
    ax.set_ylabel(py + (" (binned)" if ly.binned else ""))
    for side in ("top", "right"):
        ax.spines[side].set_visible(True)
    bar = fig.colorbar(image, ax=ax, fraction=0.05, pad=0.03)
    bar.set_label("probability" if s.probability else "mean" + (
        " (first step)" if s.source.startswith("first_triangle_step") else ""))  # fmt: skip
    note = "grey: no finished run" if np.isnan(grid).any() else ""
    ax.set_title(f"{s.title()}\n{_heading(manifest)}" + (f"\n{note}" if note else ""),
                 loc="left", fontsize=11)  # fmt: skip
    fig.tight_layout()
    return save(fig, path)


def write_sweep_plots(out: str | Path) -> list[Path]:
    """Draw the figures of the sweep folder ``out`` into ``out/plots/``; their paths.

    Figures already in ``plots/`` under the same names are replaced; the PNGs carry no
    timestamp, so drawing the same folder again gives identical files.
    """
    out = Path(out)
    manifest = storage.read_manifest(out)
    parameters: list[str] = list(manifest.get("parameters", []))
    kinds: dict[str, str] = dict(manifest.get("outcome_kinds", {}))
    runs = storage.read_runs(out, ["point", "status", *parameters, *kinds])
    runs = runs[runs["status"] != "failed"].reset_index(drop=True)
    folder = out / PLOTS
    if runs.empty or not parameters:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    levels = {p: _levels(runs[p]) for p in parameters}
    series = _series(runs, kinds)
    paths: list[Path] = []
    with plt.rc_context({"figure.max_open_warning": 0}):
        if len(parameters) == 2:
            for s in series:
                path = folder / f"phase_{_slug(s.key)}.png"
                paths.append(_phase_diagram(runs, parameters, levels, s, manifest, path))
        else:
            groups = list(dict.fromkeys(s.group for s in series))
            suffix = "" if len(parameters) == 1 else "_by_parameter"
            for group in groups:
                members = [s for s in series if s.group == group]
                path = folder / f"{_slug(group)}{suffix}.png"
                paths.append(_line_figure(runs, parameters, levels, group, members, manifest, path))
    return paths
