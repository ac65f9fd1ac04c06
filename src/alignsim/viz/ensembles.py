"""Figures of ensembles: a forest plot of differences with their intervals, and fan charts
of per-step series (median, 50% and 90% of replications).

Both take tables — compare.csv's rows, and series in long form (``step, date, outcome,
value`` and one row per run and step) — and never read a folder.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from alignsim.viz.style import minus
from alignsim.viz.sweep_plots import Series

#: Points: the figures are shown to a room, like the sweep figures.
FONT = 13
#: Most rows a forest plot draws; compare.csv has every one.
MAX_ROWS = 40
SIDE_A, SIDE_B = "#0072B2", "#E69F00"  # Okabe–Ito blue and orange
#: The quantiles drawn as bands, inner to outer: the middle 50% and 90% of replications.
BANDS = ((0.25, 0.75), (0.05, 0.95))

#: The unit of a difference, by the outcome's name (probabilities are all alike).
_UNITS = {
    "final_strength": "tie strength (−1…1)",
    "first_triangle_step": "steps",
    "balance_ratio": "share of balanced triads",
    "polarization": "polarization",
    "blocs": "blocs",
}


def unit_of(outcome: str) -> str:
    """The unit of a compare.csv outcome: ``probability`` for ``P(…)``, else its measure's."""
    if outcome.startswith("P("):
        return "probability"
    name = outcome.partition(".")[0]
    return _UNITS.get(name, name)


def _row_label(outcome: str, point: str, points: int) -> str:
    words = Series.of_summary(outcome).measure()
    words = words.removesuffix(" (−1…1)").removesuffix(" (step)").removesuffix(" (0…1)")
    return words if points == 1 else f"{words} · {short_point(point)}"


def short_point(point: str) -> str:
    """``params.balance_weight=0.2`` as ``balance_weight=0.2``: the last part of each path."""
    return ", ".join(
        f"{name.rsplit('.', 1)[-1]}={value}" if value else name
        for name, _, value in (part.partition("=") for part in point.split(", "))
    )


def _shown_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The rows to draw and a note on the rest: at most :data:`MAX_ROWS`, the differences
    whose intervals lie furthest from 0 first, in the table's order."""
    if len(table) <= MAX_ROWS:
        return table, ""
    distance = np.minimum(table["ci_low"].abs(), table["ci_high"].abs())
    distance[(table["ci_low"] <= 0) & (table["ci_high"] >= 0)] = 0.0
    rank = (distance + table["difference"].abs() * 1e-9).sort_values(ascending=False)
    kept = table.loc[sorted(rank.index[:MAX_ROWS])]
    return kept, (f"{MAX_ROWS} of {len(table)} differences drawn (those furthest from 0); "
                  "compare.csv has them all")  # fmt: skip


def forest_figure(table: pd.DataFrame, heading: str) -> Figure:
    """One row per outcome (and design point): the difference B − A as a dot and its 95%
    interval as a bar, a line at 0, and the numbers at the right. One panel per unit, so
    probabilities and tie strengths are not read on one scale."""
    shown, note = _shown_rows(table.dropna(subset=["difference"]))
    points = table["point"].nunique()
    units = list(dict.fromkeys(unit_of(o) for o in shown["outcome"]))
    groups = [shown[[unit_of(o) == u for o in shown["outcome"]]] for u in units]
    labels = [_row_label(r.outcome, r.point, points) for r in shown.itertuples()]
    longest = max((len(label) for label in labels), default=10)
    left = min(7.5, 0.11 * longest + 0.4)
    heights = [max(1.0, 0.42 * len(g)) + 0.9 for g in groups] or [1.5]
    fig = plt.figure(figsize=(left + 9.0, sum(heights) + 1.3), layout="constrained")
    axes = fig.subplots(max(1, len(groups)), 1, squeeze=False,
                        gridspec_kw={"height_ratios": heights})[:, 0]  # fmt: skip
    for ax, unit, group in zip(axes, units, groups, strict=False):
        _forest_panel(ax, group, unit, points)
    if not groups:
        axes[0].axis("off")
        axes[0].text(0.5, 0.5, "no difference could be computed", ha="center", fontsize=FONT)
    text = heading if not note else f"{heading}\n{note}"
    fig.suptitle(text, x=0.01, ha="left", fontsize=FONT + 1)
    return fig


def _forest_panel(ax: plt.Axes, group: pd.DataFrame, unit: str, points: int) -> None:
    y = np.arange(len(group))
    d = group["difference"].to_numpy(dtype=float)
    low, high = group["ci_low"].to_numpy(dtype=float), group["ci_high"].to_numpy(dtype=float)
    excludes = (low > 0) | (high < 0)
    colours = np.where(excludes, "#000000", "#888888")
    for k in range(len(group)):
        ax.plot([low[k], high[k]], [y[k], y[k]], color=colours[k], lw=2.2, solid_capstyle="butt")
    ax.scatter(d, y, s=46, color=colours, zorder=3,
               marker="o" if bool(group["paired"].all()) else "D")  # fmt: skip
    ax.axvline(0, color="#D55E00", lw=1.2)
    span = np.nanmax(np.abs(np.concatenate([low, high, d]))) if len(group) else 1.0
    span = span if span > 0 and math.isfinite(span) else 1.0
    ax.set_xlim(-1.15 * span, 1.15 * span)
    ax.set_yticks(y, [_row_label(r.outcome, r.point, points) for r in group.itertuples()],
                  fontsize=FONT - 1)  # fmt: skip
    ax.set_ylim(len(group) - 0.5, -0.5)
    for k, row in enumerate(group.itertuples()):
        ax.annotate(f"{_number(row.difference)} [{_number(row.ci_low)}, {_number(row.ci_high)}]",
                    (1.0, y[k]), xycoords=("axes fraction", "data"), xytext=(6, 0),
                    textcoords="offset points", va="center", fontsize=FONT - 2)  # fmt: skip
    ax.set_xlabel(f"difference B − A ({unit})", fontsize=FONT - 1)
    ax.tick_params(axis="x", labelsize=FONT - 2)
    ax.grid(True, axis="x", color="#E5E5E5", lw=0.8)
    ax.spines["right"].set_visible(False)


def _number(value: float) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    return minus(value, "+.3f" if abs(value) >= 0.001 else "+.1e")


# --- fan charts ----------------------------------------------------------------------------


def fan_quantiles(series: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and step: the median and the quantiles of :data:`BANDS` over runs."""
    grouped = series.groupby(["outcome", "step"], sort=True)["value"]
    levels = sorted({0.5, *(q for band in BANDS for q in band)})
    out = grouped.quantile(levels).unstack()
    out.columns = [f"q{round(q * 100):02d}" for q in levels]
    out["mean"] = grouped.mean()
    out["runs"] = grouped.size()
    return out.reset_index()


def fan_figure(
    sides: Sequence[tuple[str, pd.DataFrame]], dates: Sequence[str], heading: str,
    y_label: str | None = "tie strength (−1…1)",
) -> Figure:  # fmt: skip
    """One panel per series (``strength.Russia-Pakistan``, …): for each side, the median
    over replications as a line and the middle 50% and 90% as bands, on one time axis.
    With ``y_label`` None the panels have their own y axes, each titled with its unit."""
    fans = [(label, fan_quantiles(frame)) for label, frame in sides]
    names = sorted(dict.fromkeys(n for _, f in fans for n in f["outcome"]), key=_series_order)
    ncols = min(3, max(1, len(names)))
    nrows = max(1, math.ceil(len(names) / ncols))
    fig = plt.figure(figsize=(5.2 * ncols, 3.6 * nrows + 1.4), layout="constrained")
    shared = y_label is not None
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=shared).ravel()
    colours = [SIDE_A, SIDE_B, "#009E73", "#CC79A7"]
    #: A solid and wide, B dashed on top: where the sides are identical, both stay visible.
    lines = [("-", 3.0), ((0, (4, 2)), 1.8), (":", 1.8), ("-.", 1.8)]
    for k, name in enumerate(names):
        ax = axes[k]
        for (label, fan), colour, (dash, width) in zip(fans, colours, lines, strict=False):
            part = fan[fan["outcome"] == name]
            if part.empty:
                continue
            steps = part["step"].to_numpy()
            if _is_share(name):  # a 0/1 series: the share of runs, not quantiles of 0s and 1s
                ax.plot(steps, part["mean"], color=colour, lw=width, ls=dash, label=label)
                ax.set_ylim(-0.05, 1.05)
                continue
            for (lo, hi), alpha in zip(BANDS, (0.35, 0.15), strict=True):
                ax.fill_between(steps, part[f"q{round(lo * 100):02d}"],
                                part[f"q{round(hi * 100):02d}"], color=colour, alpha=alpha,
                                lw=0)  # fmt: skip
            ax.plot(steps, part["q50"], color=colour, lw=width, ls=dash, label=label)
        ax.set_title(_series_title(name, units=not shared), loc="left", fontsize=FONT)
        ax.grid(True, color="#EEEEEE", lw=0.8)
        _date_ticks(ax, dates)
        ax.tick_params(labelsize=FONT - 2)
        if shared and k % ncols == 0:
            ax.set_ylabel(y_label, fontsize=FONT - 1)
        if k + ncols >= len(names):  # nothing below it: its dates are shown
            ax.tick_params(labelbottom=True)
    for ax in axes[len(names) :]:
        ax.axis("off")
    if not shared:
        _common_limits(axes[: len(names)], names)
    if names and len(fans) > 1:
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels),
                   fontsize=FONT - 1, frameon=False)  # fmt: skip
    fig.suptitle(heading, x=0.01, ha="left", fontsize=FONT + 1)
    return fig


#: A series' quantity and unit, by its name (titles of panels with their own axes).
_SERIES_UNITS = {
    "strength": "{item} tie strength (−1…1)",
    "same_bloc": "{item}: share of runs in one bloc",
    "triangle_formed": "{item} triangle: share of runs formed",
    "balance_ratio": "share of balanced triads (0…1)",
    "polarization": "polarization (0…1)",
    "blocs": "number of blocs",
}


#: Series drawn as the share of runs where they are 1, not as quantiles.
_SHARES = ("same_bloc", "triangle_formed")
_ORDER = ("strength", "triangle_formed", "same_bloc", "balance_ratio", "polarization", "blocs")


def _is_share(name: str) -> bool:
    return name.partition(".")[0] in _SHARES


def _series_order(name: str) -> tuple[int, str]:
    kind = name.partition(".")[0]
    return (_ORDER.index(kind) if kind in _ORDER else len(_ORDER), name)


def _common_limits(axes: Sequence[plt.Axes], names: Sequence[str]) -> None:
    """Panels of one quantity (every tie strength, say) on one y range, so that a small
    wiggle in one does not look like a large swing beside another."""
    for kind in {n.partition(".")[0] for n in names} - set(_SHARES):
        group = [ax for ax, n in zip(axes, names, strict=True) if n.partition(".")[0] == kind]
        low = min(ax.get_ylim()[0] for ax in group)
        high = max(ax.get_ylim()[1] for ax in group)
        for ax in group:
            ax.set_ylim(low, high)


def _series_title(name: str, units: bool = False) -> str:
    """``strength.Russia-Pakistan`` → ``Russia–Pakistan`` (with ``units``: ``Russia–Pakistan
    tie strength (−1…1)``); ``balance_ratio`` → ``balance ratio``."""
    kind, _, item = name.partition(".")
    item = item.replace("-", "–")
    if units and kind in _SERIES_UNITS:
        return _SERIES_UNITS[kind].format(item=item)
    if kind == "same_bloc":
        return f"{item}: P(same bloc)"
    if kind == "triangle_formed":
        return f"{item}: P(triangle formed)"
    return item or kind.replace("_", " ")


def _date_ticks(ax: plt.Axes, dates: Sequence[str], most: int = 7) -> None:
    """Years (or dates) under the steps, at most ``most`` of them."""
    steps = len(dates)
    if steps == 0:
        return
    starts = [s for s, d in enumerate(dates) if d.endswith(("-Q1", "-01"))]
    ticks = starts if len(starts) >= 2 else list(range(steps))
    every = max(1, math.ceil(len(ticks) / most))
    ticks = ticks[::every]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([dates[t][:4] if starts else dates[t] for t in ticks])
    ax.set_xlim(0, max(steps - 1, 1))


def wrap(text: str, width: int = 110) -> str:
    """A heading's lines wrapped at ``width`` characters."""
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines())
