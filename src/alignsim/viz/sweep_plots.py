"""Figures of a sweep: ``write_sweep_plots(runs, manifest, folder)`` draws the stored runs
(the columns :func:`columns_drawn` names) into ``folder``, a sweep folder's ``plots/``.

What is drawn depends on how many parameters the sweep varies:

- one: every outcome against the parameter, with 95% interval bands, one figure per outcome
  group (``triangle.png``, ``final_strength.png``, ``first_triangle_step.png``,
  ``bloc_of.png``, …; a category outcome such as ``bloc_of`` gets one panel per state);
- two: a heat-map phase diagram per outcome column (``phase_<outcome>.png``): the first
  parameter across, the second up, the mean or probability as colour, annotated;
- more: small multiples per outcome group (``<group>_by_parameter.png``): the outcome
  against each parameter, averaged over the others, with 95% interval bands, in rows of
  up to three parameters.

The y axis (or colour bar) names the outcome and its unit ("tie strength at the end
(−1…1)", "first step the triangle forms (step)"). In the line figures a category outcome
gets a panel only for the states or ties whose value differs between runs; those with the
same value in every run are named in the heading instead ("The same in every run, so not
drawn: China–Pakistan formal alliance"), and a figure where nothing varies is that note
alone. Phase diagrams keep one file per column.
``sensitivity_figure`` draws the chart of ``alignsim sensitivity``.

Values are computed from the stored runs (finished runs only) with the formulas of
``summary.csv`` (:mod:`alignsim.sweep.aggregate`): mean ± 1.96·sd/√n for numbers, Wilson
intervals for probabilities, so a grid's figures show exactly its summary. A parameter
with many distinct values (a sampled design) is binned into equal-width bins; text
parameters (dates such as ``events.1.at``) are ordered categories. A step that may never
come (``first_triangle_step``, ``first step when …``: the manifest's ``never_columns``) is
averaged over the runs where it came (−1, "never", is left out), as in ``summary.csv``.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from alignsim.analysis.intervals import Z95, wilson
from alignsim.analysis.sweep_columns import never_columns
from alignsim.model.metrics import LEVELS
from alignsim.viz.style import TIE_CMAP, legend_width, line_style, minus, save, text_width

#: A numeric parameter with more distinct values than this is binned.
MAX_LEVELS = 12
BINS = 8
#: Heat-map cells are annotated up to this many in either direction.
MAX_ANNOTATED = 14
MISSING = "#DDDDDD"
#: A point larger than the run folder's figures: sweep figures are shown to a room.
FONTS = {
    "font.size": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
}
#: ``bloc_of`` of a state in no bloc (as :mod:`alignsim.sweep.outcomes` writes it).
UNALIGNED = "unaligned"


@dataclass(frozen=True)
class Series:
    """One plotted quantity: a numeric or 0/1 outcome column, or one value of a category."""

    group: str
    panel: str
    source: str
    kind: str
    value: str | None = None
    words: str | None = field(default=None, compare=False)
    """A sweep file's own outcome in its words (``first step when level(A, B) >= …``)."""
    never: bool = field(default=False, compare=False)
    """A step, −1 when it never came: averaged over the runs where it came."""

    @property
    def probability(self) -> bool:
        return self.kind in ("binary", "category")

    @property
    def key(self) -> str:
        return self.source if self.value is None else f"{self.source}={self.value}"

    @property
    def outcome(self) -> str:
        """The outcome's name: ``final_strength`` of ``final_strength.Russia-Pakistan``."""
        return self.source.partition(".")[0]

    def subject(self) -> str:
        """The column's item (``China-Russia-Pakistan``), with en dashes."""
        _, _, item = self.source.partition(".")
        return item.replace("-", "–") if item else self.source

    def label(self) -> str:
        """Legend label within its panel."""
        if self.outcome == "triangle_formed":
            return f"{self.subject()} formed"
        if self.outcome == "triangle_alliance":
            return f"{self.subject()} all alliances"
        if self.value is not None:
            return _value_words(self.outcome, self.value)
        return self.subject()

    def title(self) -> str:
        """A full description, for a heat map's title."""
        name = self.outcome
        item = self.subject()
        if name == "triangle_formed":
            return f"P(triangle {item} formed at the end)"
        if name == "triangle_alliance":
            return f"P(triangle {item}: all three ties alliances at the end)"
        if name == "first_triangle_step":
            return f"first step triangle {item} formed (runs where it did)"
        if name == "final_strength":
            return f"mean final tie strength {item}"
        if self.value is not None and name in ("bloc_of", "final_level"):
            return f"P({item} {_value_words(name, self.value)} at the end)"
        if self.value is not None:
            return f"P({self.source} = {self.value})"
        return f"mean {self.source}"

    def measure(self) -> str:
        """What this series alone measures, its item named, with its unit (a colour bar's
        label, a sensitivity panel's title)."""
        if self.words:
            return self._own_measure()
        item = self.subject()
        if self.value is not None and self.outcome in ("bloc_of", "final_level"):
            return f"P({item} {_value_words(self.outcome, self.value)} at the end)"
        if self.outcome in _NAMED_MEASURES:
            return _NAMED_MEASURES[self.outcome].format(item=item)
        if self.value is not None:
            return f"P({self.source} = {self.value})"
        if self.probability and self.outcome not in _MEASURES:
            return f"P({self.source})"
        return measure(self.outcome, self.source)

    def _own_measure(self) -> str:
        """A sweep file's own outcome: its words, as a probability for 0/1 and categories,
        with the column's suffix (a function's several columns) named."""
        words = self.words or self.source
        _, _, suffix = self.source.partition(".")
        if suffix:
            words = f"{words} [{suffix}]"
        if self.value is not None:
            return f"P({words} = {self.value})"
        return f"P({words})" if self.kind == "binary" else words

    @classmethod
    def of_summary(cls, name: str) -> Series:
        """The series of a summary column's name: ``final_strength.Russia-Pakistan``,
        ``P(triangle_formed.China-Russia-Pakistan)``, ``P(bloc_of.Pakistan=China)``."""
        if not (name.startswith("P(") and name.endswith(")")):
            return cls("", "", name, "float")
        source, _, value = name[2:-1].partition("=")
        if value:
            return cls("", source, source, "category", value)
        return cls("", "", source, "binary")


#: Axis labels of the outcomes: what is measured and in which unit.
_MEASURES = {
    "triangle_formed": "P(triangle formed)",
    "triangle_alliance": "P(triangle at alliance level)",
    "first_triangle_step": "first step the triangle forms (step)",
    "final_strength": "tie strength at the end (−1…1)",
    "final_level": "P(tie ends at this level)",
    "bloc_of": "P(state ends in this bloc)",
    "balance_ratio": "share of balanced triads at the end (0…1)",
    "polarization": "polarization at the end (0…1)",
    "blocs": "number of blocs at the end",
}


#: :data:`_MEASURES` of one item (a triangle or a tie), named.
_NAMED_MEASURES = {
    "triangle_formed": "P({item} triangle formed)",
    "triangle_alliance": "P({item} triangle at alliance level)",
    "first_triangle_step": "first step the {item} triangle forms (step)",
    "final_strength": "{item} tie strength at the end (−1…1)",
}


def measure(outcome: str, source: str | None = None) -> str:
    """The axis label of an outcome (``final_strength``): the quantity and its unit."""
    return _MEASURES.get(outcome, f"{source or outcome} (mean)")


def _y_label(series: list[Series]) -> str:
    """One label for the series of one figure: their outcome's, or both triangle ones."""
    outcomes = list(dict.fromkeys(s.outcome for s in series))
    if len(outcomes) == 1 and series[0].words:
        return (
            series[0].measure()
            if len(series) == 1 or series[0].value is None
            else (f"P({series[0].words})")
        )
    if len(outcomes) == 1:
        return measure(outcomes[0], series[0].source)
    if set(outcomes) == {"triangle_formed", "triangle_alliance"}:
        return "P(triangle formed / at alliance level)"
    return "probability" if all(s.probability for s in series) else "mean"


def _fit(label: str, inches: float) -> str:
    """An axis label on two lines, split at the middle space, if one is longer than
    ``inches`` at the axis label size."""
    if text_width(label, plt.rcParams["axes.labelsize"]) <= inches or " " not in label:
        return label
    spaces = [k for k, char in enumerate(label) if char == " "]
    cut = min(spaces, key=lambda k: abs(2 * k - len(label)))
    return f"{label[:cut]}\n{label[cut + 1 :]}"


def _bloc_words(leader: str) -> str:
    if leader == UNALIGNED:
        return leader
    possessive = "'" if leader.endswith("s") else "'s"
    return f"in {leader}{possessive} bloc"


def _value_words(outcome: str, value: str) -> str:
    """A category value as words: ``in China's bloc``, ``formal alliance``."""
    if outcome == "bloc_of":
        return _bloc_words(value)
    return value.replace("_", " ")


#: Tie levels from the strongest down: the order of a ``final_level`` legend.
_LEVEL_RANK = {level: k for k, level in enumerate(reversed(LEVELS))}


def _value_order(outcome: str, value: str) -> tuple[int, str]:
    """Legend order of a category's values: levels strongest first; blocs by name,
    unaligned last."""
    if outcome == "final_level":
        return _LEVEL_RANK.get(value, len(_LEVEL_RANK)), value
    return int(value == UNALIGNED), value


_GROUP_TITLES = {
    "triangle": "P(watched triangle formed / all alliances at the end)",
    "first_triangle_step": "first step the watched triangle formed (runs where it did)",
    "final_strength": "mean final strength of the watched ties",
    "bloc_of": "P(state ends in a given bloc)",
    "final_level": "P(tie ends at a given level)",
}


def _group_of(outcome: str) -> str:
    return "triangle" if outcome in ("triangle_formed", "triangle_alliance") else outcome


def own_outcome_words(manifest: dict[str, Any]) -> dict[str, str]:
    """{name: words} of the sweep file's own outcomes (``{name, value}``; a function's
    import path), from the sweep as the manifest stores it."""
    words = {}
    for item in manifest.get("sweep", {}).get("outcomes", []) or []:
        if isinstance(item, dict) and "name" in item:
            text = item.get("value") or item.get("function")
            words[str(item["name"])] = str(text) if text else str(item["name"])
    return words


def _series(
    runs: pd.DataFrame, kinds: dict[str, str], words: dict[str, str] | None = None,
    never: Collection[str] = (),
) -> list[Series]:  # fmt: skip
    words = words or {}
    out: list[Series] = []
    for column, kind in kinds.items():
        if column not in runs.columns:
            continue
        outcome = column.partition(".")[0]
        group = _group_of(outcome)
        own = words.get(outcome)
        if kind == "category":
            seen = {str(v) for v in runs[column].dropna()}
            values = sorted(seen, key=lambda v, o=outcome: _value_order(o, v))
            out += [Series(group, column, column, kind, v, own) for v in values]
        else:
            out.append(Series(group, "", column, kind, None, own, column in never))
    return out


def _split_constant(series: list[Series]) -> tuple[list[Series], list[Series]]:
    """Series worth a panel, and the category panels with one value in every finished run
    (a probability of 1 everywhere: nothing varies across the design)."""
    per_panel: dict[str, list[Series]] = {}
    for s in series:
        per_panel.setdefault(s.panel, []).append(s)
    constant = [s for s in series if s.kind == "category" and len(per_panel[s.panel]) == 1]
    return [s for s in series if s not in constant], constant


def _constant_note(constant: list[Series]) -> str:
    """``Same in every run, not drawn: Russia, China in China's bloc; India neutral``."""
    by_value: dict[str, list[str]] = {}
    for s in constant:
        by_value.setdefault(_unbroken(s.label()), []).append(_unbroken(s.subject()))
    parts = [f"{', '.join(items)} {value}" for value, items in by_value.items()]
    return "The same in every run, so not drawn: " + "; ".join(parts)


def _unbroken(name: str) -> str:
    """``United States`` with a no-break space: a wrapped note keeps a name on one line."""
    return name.replace(" ", "\u00a0")


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
    if s.never:
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


#: Parameters per row of a one-panel figure: more would make a figure too wide to show.
MAX_COLUMNS = 3


def _line_figure(
    runs: pd.DataFrame,
    parameters: list[str],
    levels: dict[str, _Levels],
    group: str,
    series: list[Series],
    manifest: dict[str, Any],
    note: str = "",
) -> Figure:
    """The group's outcome against each parameter: one row per panel (a state or tie of a
    category outcome), a parameter per column, or rows of up to MAX_COLUMNS parameters
    when there is one panel; ``note`` goes under the heading."""
    panels: list[str] = list(dict.fromkeys(s.panel for s in series))
    cells = [(panel, name) for panel in panels for name in parameters]
    ncols = len(parameters) if len(panels) > 1 else min(MAX_COLUMNS, len(parameters))
    nrows = math.ceil(len(cells) / ncols)
    labels = [s.label() for s in series]
    width = 4.6 * ncols + 0.3 + legend_width(labels, plt.rcParams["legend.fontsize"])
    fig, grid = plt.subplots(nrows, ncols, figsize=(width, 3.2 * nrows + 1.2), squeeze=False,
                             sharey="row" if len(panels) > 1 else "all")  # fmt: skip
    axes = list(grid.ravel())
    probability = all(s.probability for s in series)
    for k, (panel, name) in enumerate(cells):
        ax = axes[k]
        members = [s for s in series if s.panel == panel]
        _draw_lines(ax, runs, levels[name], members)
        _x_axis(ax, name, levels[name])
        if probability:
            ax.set_ylim(-0.03, 1.03)
        ax.grid(True, color="#E5E5E5", lw=0.8)
        ax.set_ylabel(_fit(_y_label(series), 2.4) if k % ncols == 0 else "")
        if panel:
            ax.set_title(members[0].subject(), loc="left", fontsize=13)
        if (k % ncols if len(panels) > 1 else k) == ncols - 1:  # right of a panel's first row
            ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    for ax in axes[len(cells) :]:
        ax.axis("off")
    fig.suptitle(_line_heading(group, parameters, manifest, note, width), x=0.02, ha="left",
                 fontsize=13)  # fmt: skip
    fig.tight_layout()
    return fig


def _draw_lines(ax: plt.Axes, runs: pd.DataFrame, lv: _Levels, members: list[Series]) -> None:
    """Mean (or probability) of each series at each level of one parameter, with bands."""
    frame = runs.assign(_code=lv.codes)
    frame = frame[frame["_code"] >= 0]
    for i, s in enumerate(members):
        table = _aggregate(frame, ["_code"], s)
        x = lv.positions[table["_code"].to_numpy(dtype=int)]
        colour, dashes = line_style(i)
        ax.fill_between(x, table["low"], table["high"], color=colour, alpha=0.18, lw=0)
        ax.plot(x, table["mean"], color=colour, ls=dashes, lw=2, marker="o", ms=4,
                label=s.label())  # fmt: skip


def _line_heading(
    group: str,
    parameters: list[str],
    manifest: dict[str, Any],
    note: str,
    width: float,
    bands: bool = True,
) -> str:
    over = " (each averaged over the other parameters)" if len(parameters) > 1 else ""
    what = _GROUP_TITLES.get(group, group) + (over + "; bands: 95% intervals" if bands else "")
    heading = f"{what}\n{_heading(manifest)}"
    return heading + (f"\n{_wrap(note, width, 13)}" if note else "")


def _wrap(text: str, width: float, size: float) -> str:
    """``text`` broken at spaces into lines that fit ``width`` inches at ``size`` points."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", size) <= width - 0.3:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


def _note_figure(group: str, parameters: list[str], manifest: dict[str, Any], note: str) -> Figure:
    """A figure with nothing to draw says so, in place of the panels."""
    width = 8.0
    text = _line_heading(group, parameters, manifest, note, width, bands=False)
    fig = plt.figure(figsize=(width, 0.3 + 0.27 * (text.count("\n") + 1)))
    fig.text(0.02, 0.5, text, ha="left", va="center", fontsize=13)
    return fig


def _luminance(rgba: Any) -> float:
    r, g, b = to_rgb(rgba)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _phase_diagram(
    runs: pd.DataFrame,
    parameters: list[str],
    levels: dict[str, _Levels],
    s: Series,
    manifest: dict[str, Any],
) -> Figure:
    """The series over two parameters as an annotated heat map."""
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
            ax.text(i, j, text, ha="center", va="center", color=colour, fontsize=12)
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
    bar.set_label(s.measure())
    note = "grey: no finished run" if np.isnan(grid).any() else ""
    ax.set_title(f"{s.title()}\n{_heading(manifest)}" + (f"\n{note}" if note else ""),
                 loc="left", fontsize=12)  # fmt: skip
    fig.tight_layout()
    return fig


def columns_drawn(manifest: dict[str, Any]) -> list[str]:
    """The run columns the figures of a sweep with this manifest are drawn from."""
    parameters = list(manifest.get("parameters", []))
    return ["point", "status", *parameters, *manifest.get("outcome_kinds", {})]


def sweep_figures(runs: pd.DataFrame, manifest: dict[str, Any]) -> Iterator[tuple[str, Figure]]:
    """The figures of a sweep's runs (at least :func:`columns_drawn`), one at a time, with
    their file names.

    Category outcomes (``bloc_of``, ``final_level``) get a panel only for the states or ties
    whose value differs between runs; the others are named in the heading instead.
    """
    for name, make in _figure_makers(runs, manifest):
        with plt.rc_context(FONTS):
            fig = make()
        yield name, fig


def _figure_makers(
    runs: pd.DataFrame, manifest: dict[str, Any]
) -> Iterator[tuple[str, Callable[[], Figure]]]:
    """(file name, a function drawing the figure) for each figure of the sweep."""
    parameters: list[str] = list(manifest.get("parameters", []))
    kinds: dict[str, str] = dict(manifest.get("outcome_kinds", {}))
    runs = runs[runs["status"] != "failed"].reset_index(drop=True)
    if runs.empty or not parameters:
        return
    levels = {p: _levels(runs[p]) for p in parameters}
    series = _series(runs, kinds, own_outcome_words(manifest), never_columns(manifest))
    if len(parameters) == 2:
        for s in series:
            yield (
                f"phase_{_slug(s.key)}.png",
                functools.partial(_phase_diagram, runs, parameters, levels, s, manifest),
            )
        return
    suffix = "" if len(parameters) == 1 else "_by_parameter"
    for group in dict.fromkeys(s.group for s in series):
        shown, constant = _split_constant([s for s in series if s.group == group])
        note = _constant_note(constant) if constant else ""
        name = f"{_slug(group)}{suffix}.png"
        if shown:
            yield (
                name,
                functools.partial(
                    _line_figure, runs, parameters, levels, group, shown, manifest, note
                ),
            )
        else:
            yield name, functools.partial(_note_figure, group, parameters, manifest, note)


def write_sweep_plots(runs: pd.DataFrame, manifest: dict[str, Any], folder: Path) -> list[Path]:
    """Draw the figures of a sweep's runs into ``folder``; their paths.

    Figures already in ``folder`` under the same names are replaced; the PNGs carry no
    timestamp, so drawing the same runs again gives identical files.
    """
    folder = Path(folder)
    paths: list[Path] = []
    with plt.rc_context({"figure.max_open_warning": 0}):
        for name, fig in sweep_figures(runs, manifest):
            folder.mkdir(parents=True, exist_ok=True)
            paths.append(save(fig, folder / name))
    return paths


# --- the sensitivity chart ------------------------------------------------------------------

#: Font size of the sensitivity chart, in points: at least 16 pixels high when the chart
#: (about 15 × 10 inches at 110 dpi) fills a 1280 × 720 projector.
SENSITIVITY_FONT = 16
#: Outcomes without indices named in the heading; the table has them all.
NAMED = 6
#: Bars of a sensitivity panel: (index column, interval column, legend label, colour, hatch).
_BARS = {
    "sobol": [
        ("S1", "S1_conf", "first order S1 (alone)", "#0072B2", None),
        ("ST", "ST_conf", "total order ST (with interactions)", "#E69F00", "//"),
    ],
    "morris": [
        ("mu_star", "mu_star_conf", "mu* (mean |effect|)", "#0072B2", None),
        ("sigma", None, "sigma (interaction / nonlinearity)", "#E69F00", "//"),
    ],
}
_INDEX_AXIS = {
    "sobol": "share of the outcome's variance",
    "morris": "effect, in the outcome's unit",
}


def sensitivity_figure(
    table: pd.DataFrame, method: str, manifest: dict[str, Any], note: str = ""
) -> Figure:
    """One horizontal bar chart per outcome: S1 and ST (Sobol) or mu* and sigma (Morris) of
    each parameter, intervals as error bars. An index with a warning (too few samples to
    read it) is drawn pale with a dashed edge; ``note`` (how many samples would do) goes
    under the heading. Outcomes without indices (constant over the design, or incomplete)
    are named under the heading instead."""
    shown = table[_notes(table) == ""]
    outcomes = list(dict.fromkeys(shown["outcome"]))
    names = list(dict.fromkeys(table["parameter"]))
    short = _short_names(names)
    size = SENSITIVITY_FONT
    ncols = min(3, max(1, len(outcomes)))
    nrows = max(1, math.ceil(len(outcomes) / ncols))
    left = text_width("\n".join(short), size - 1) + 0.25
    panel_h = max(2.6, 0.3 * len(names) + 1.25)  # with the title above, the axis below
    handles = _sensitivity_legend(method, any(_flagged(shown).values())) if outcomes else []
    beside = legend_width([h.get_label() for h in handles], size - 1) if handles else 0.0
    width = max(left + 4.6 * ncols, beside + 6.5)  # the heading, 6.5 in at least, beside it
    heading = _sensitivity_heading(table, method, manifest, width - beside - 0.2, note)
    lines = max(heading.count("\n") + 1, len(handles))
    top = lines * size * 1.3 / 72 + 0.3
    fig = plt.figure(figsize=(width, panel_h * nrows + top), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    for k, outcome in enumerate(outcomes):
        part = shown[shown["outcome"] == outcome].set_index("parameter").reindex(names)
        _index_bars(axes[k], part, method, short, size)
        title = Series.of_summary(outcome).measure()
        if method == "sobol":  # shares of variance: the outcome's unit does not matter
            title = re.sub(r" \([^()]*\)$", "", title)
        axes[k].set_title(_wrap(title, 4.75, size), loc="left", fontsize=size)
        if k + ncols >= len(outcomes):
            axes[k].set_xlabel(_INDEX_AXIS[method], fontsize=size - 1)
    for ax in axes[len(outcomes) :]:
        ax.axis("off")
    if handles:
        fig.legend(handles=handles, loc="outside upper right", frameon=False,
                   fontsize=size - 1, ncols=1)  # fmt: skip
    else:
        axes[0].text(0.5, 0.5, "every outcome is constant\nover the design", ha="center",
                     va="center", transform=axes[0].transAxes, fontsize=size)  # fmt: skip
    fig.suptitle(heading, x=0.01, ha="left", fontsize=size)
    return fig


def _sensitivity_legend(method: str, pale: bool) -> list[Patch]:
    """The bars' colours as drawn when readable (a panel's first bar may be pale), and the
    pale bar when some are."""
    handles = [Patch(facecolor=colour, hatch=hatch, edgecolor="black", linewidth=0.6,
                     label=label) for _, _, label, colour, hatch in _BARS[method]]  # fmt: skip
    if pale:
        handles.append(Patch(facecolor=_pale("#999999"), edgecolor="black", linestyle="--",
                             linewidth=0.8, label="pale: too few samples to read"))  # fmt: skip
    return handles


def _flagged(table: pd.DataFrame) -> dict[Any, set[str]]:
    """The indices named in each row's ``warning`` (each warning starts with its index's
    column name); no warnings in a table written before the column existed."""
    if "warning" not in table:
        return {i: set() for i in table.index}
    texts = table["warning"].astype("string").fillna("")
    return {i: {w.split(" ", 1)[0] for w in text.split("; ") if w} for i, text in texts.items()}


def _pale(colour: str) -> tuple[float, float, float]:
    """``colour`` a third as strong, on white."""
    return tuple(1 - (1 - c) / 3 for c in to_rgb(colour))  # type: ignore[return-value]


def _notes(table: pd.DataFrame) -> pd.Series:
    """The table's notes, empty text where an outcome has indices (also when read back)."""
    return table["note"].astype("string").fillna("")


def _short_names(names: list[str]) -> list[str]:
    """``balance_weight`` for ``params.balance_weight``, unless two would read the same."""
    short = [n.rsplit(".", 1)[-1] for n in names]
    return short if len(set(short)) == len(short) else names


def _index_bars(
    ax: plt.Axes, part: pd.DataFrame, method: str, short: list[str], size: float
) -> None:
    """The two index bars of every parameter, the first parameter at the top."""
    y = np.arange(len(short))
    height = 0.38
    flagged = list(_flagged(part).values())
    for j, (col, conf, label, colour, hatch) in enumerate(_BARS[method]):
        err = part[conf].to_numpy(dtype=float) if conf else None
        bars = ax.barh(y + (j - 0.5) * height, part[col].to_numpy(dtype=float), height,
                       xerr=err, color=colour, hatch=hatch, edgecolor="black", linewidth=0.6,
                       capsize=3, label=label)  # fmt: skip
        for bar, names in zip(bars.patches, flagged, strict=True):
            if col in names:
                bar.set_facecolor(_pale(colour))
                bar.set_linestyle("--")
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, short)
    ax.set_ylim(len(short) - 0.5, -0.5)
    ax.tick_params(labelsize=size - 1)
    ax.grid(True, axis="x", color="#E5E5E5", lw=0.8)


def _sensitivity_heading(
    table: pd.DataFrame, method: str, manifest: dict[str, Any], width: float, note: str = ""
) -> str:
    """The heading, every line wrapped to ``width`` inches (the space left of the legend)."""
    what = "Sobol indices" if method == "sobol" else "Morris screening"
    lines = [f"{what}; error bars: 95% intervals", *_heading(manifest).split("\n")]
    if note:
        lines.append(note[:1].upper() + note[1:])
    skipped = list(dict.fromkeys(table.loc[_notes(table) != "", "outcome"]))
    if skipped:
        listed = ", ".join(Series.of_summary(o).measure() for o in skipped[:NAMED])
        more = f" and {len(skipped) - NAMED} more" if len(skipped) > NAMED else ""
        lines.append(f"Not drawn (constant over the design or incomplete, see the table): "
                     f"{listed}{more}")  # fmt: skip
    return "\n".join(_wrap(line, width, SENSITIVITY_FONT) for line in lines)


def write_sensitivity_plot(
    table: pd.DataFrame, method: str, manifest: dict[str, Any], path: Path, note: str = ""
) -> Path:
    """:func:`sensitivity_figure` saved as a PNG at ``path``."""
    return save(sensitivity_figure(table, method, manifest, note), path)
