"""Figures of a calibration: observed levels against the calibrated model, and the posterior.

Both take tables (a calibration folder's ``predictive.csv``, ``observations.csv``, the last
generation's particles and ``parameters.csv``) and return figures; reading the folder is the
workflow's job (:mod:`alignsim.workflows.calibrate`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from alignsim.viz.ensembles import _date_ticks
from alignsim.viz.style import NEGATIVE

FONT = 11
MODEL = "#0072B2"
TRAIN = "#000000"
TEST = NEGATIVE
BAND_NAMES = ("hostile", "rival", "neutral", "partner", "alliance")


def level_bands(thresholds: Mapping[str, float]) -> list[tuple[str, float, float]]:
    """(level, low, high) of the five strength bands, from the scenario's thresholds."""
    cuts = [-1.0, thresholds["hostile"], thresholds["rival"], thresholds["partner"],
            thresholds["alliance"], 1.0]  # fmt: skip
    return [(name, cuts[k], cuts[k + 1]) for k, name in enumerate(BAND_NAMES)]


def observed_y(row: pd.Series, bands: Sequence[tuple[str, float, float]]) -> float:
    """Where an observation is drawn: a strength at its value, a level in the middle of its
    band, a sign in the middle of the bands of that sign."""
    middle = {name: (low + high) / 2 for name, low, high in bands}
    if row["kind"] == "strength":
        return float(row["value"])
    if row["kind"] == "level":
        level = "alliance" if row["level"] == "formal_alliance" else str(row["level"])
        return middle[level]
    sign = int(row["sign"])
    if sign == 0:
        return middle["neutral"]
    return (bands[3][1] + 1) / 2 if sign > 0 else (bands[1][2] - 1) / 2


def observed_figure(
    fan: pd.DataFrame,
    observations: pd.DataFrame,
    thresholds: Mapping[str, float],
    dates: Sequence[str],
    heading: str,
    test_from: int | None = None,
    limit: int = 12,
) -> Figure:
    """One panel per observed pair: the tie strength of the calibrated model's runs (median,
    middle 50% and 90%) over the level bands, the observations on top (filled: training,
    open: test), and the test period (from step ``test_from``) shaded. A history of more
    than ``limit`` pairs (a whole network) shows the ``limit`` pairs whose observed sign
    changes most often (:func:`busiest_pairs`), and says so in the heading."""
    bands = level_bands(thresholds)
    pairs = list(dict.fromkeys(zip(fan["source"], fan["target"], strict=True)))
    if len(pairs) > limit:
        heading += (
            f"\nthe {limit} of {len(pairs)} observed pairs whose observed sign changes most "
            "often; the others are in predictive.csv and observations.csv"
        )
        pairs = busiest_pairs(observations, limit)
    ncols = min(3, max(1, len(pairs)))
    nrows = max(1, math.ceil(len(pairs) / ncols))
    fig = plt.figure(figsize=(5.0 * ncols, 3.1 * nrows + 1.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True, sharey=True).ravel()
    for k, (source, target) in enumerate(pairs):
        ax = axes[k]
        _bands(ax, bands, label=k % ncols == ncols - 1 or k == len(pairs) - 1)
        if test_from is not None:
            ax.axvspan(test_from - 0.5, len(dates) - 1, color="#F2F2F2", lw=0, zorder=0)
            ax.axvline(test_from - 0.5, color="#555555", lw=1, ls="--", zorder=1)
        part = fan[(fan["source"] == source) & (fan["target"] == target)]
        steps = part["step"].to_numpy()
        ax.fill_between(steps, part["q05"], part["q95"], color=MODEL, alpha=0.15, lw=0)
        ax.fill_between(steps, part["q25"], part["q75"], color=MODEL, alpha=0.3, lw=0)
        ax.plot(steps, part["q50"], color=MODEL, lw=2)
        seen = observations[(observations["source"] == source)
                            & (observations["target"] == target)]  # fmt: skip
        for period, face in (("train", TRAIN), ("test", "white")):
            rows = seen[seen["period"] == period]
            ys = [observed_y(row, bands) for _, row in rows.iterrows()]
            edge = TRAIN if period == "train" else TEST
            ax.scatter(rows["step"], ys, s=42, marker="o", facecolor=face, edgecolor=edge,
                       linewidth=1.6, zorder=4)  # fmt: skip
        ax.set_title(f"{source}–{target}", loc="left", fontsize=FONT)
        ax.set_ylim(-1, 1)
        _date_ticks(ax, dates)
        ax.tick_params(labelsize=FONT - 2)
        if k % ncols == 0:
            ax.set_ylabel("tie strength", fontsize=FONT - 1)
        if k + ncols >= len(pairs):
            ax.tick_params(labelbottom=True)
    for ax in axes[len(pairs) :]:
        ax.axis("off")
    fig.legend(handles=_legend(test_from is not None), loc="outside lower center", ncols=5,
               fontsize=FONT - 1, frameon=False)  # fmt: skip
    fig.suptitle(heading, x=0.01, ha="left", fontsize=FONT + 1)
    return fig


def busiest_pairs(observations: pd.DataFrame, limit: int) -> list[tuple[str, str]]:
    """The ``limit`` pairs whose observed sign changes most often from one observation to
    the next (then the most observed; then by name): the pairs a reader wants to see the
    model follow, where a sparse network's unchanging pairs would fill every panel."""
    ordered = observations.sort_values(["source", "target", "step"], kind="stable")
    pair = ordered[["source", "target"]]
    same_pair = (pair == pair.shift()).all(axis=1)
    ordered = ordered.assign(change=same_pair & (ordered["sign"] != ordered["sign"].shift()))
    grouped = ordered.groupby(["source", "target"], sort=True)
    ranking = pd.DataFrame(
        {"changes": grouped["change"].sum(), "observed": grouped.size()}
    ).reset_index()
    ranking = ranking.sort_values(
        ["changes", "observed", "source", "target"], ascending=[False, False, True, True],
        kind="stable",
    )  # fmt: skip
    return list(zip(ranking["source"], ranking["target"], strict=True))[:limit]


def _bands(ax: plt.Axes, bands: Sequence[tuple[str, float, float]], label: bool) -> None:
    """The level bands as pale stripes, named at the right edge of the last column."""
    for k, (name, low, high) in enumerate(bands):
        if k % 2 == 0:
            ax.axhspan(low, high, color="#FAFAFA", lw=0, zorder=0)
        ax.axhline(low, color="#DDDDDD", lw=0.8, zorder=0)
        if label:
            ax.text(1.01, (low + high) / 2, name, transform=ax.get_yaxis_transform(),
                    fontsize=FONT - 3, va="center", color="#666666")  # fmt: skip


def _legend(test: bool) -> list:
    handles = [
        Line2D([], [], color=MODEL, lw=2, label="model: median of runs"),
        Patch(color=MODEL, alpha=0.45, label="middle 50% of runs"),
        Patch(color=MODEL, alpha=0.15, label="90% of runs"),
        Line2D([], [], marker="o", ls="", color=TRAIN, label="observed (training)"),
    ]
    if test:
        handles.append(Line2D([], [], marker="o", ls="", markerfacecolor="white",
                              markeredgecolor=TEST, markeredgewidth=1.6,
                              label="observed (test, shaded)"))  # fmt: skip
    return handles


def _bins(low: float, high: float, interval: float) -> np.ndarray:
    """Bin edges over the prior range: twenty, or as many as put eight across the credible
    interval when it is narrower (at most 200), so that a narrow posterior keeps a shape."""
    width = (high - low) / 20
    if 0 < interval < 8 * width:
        width = max(interval / 8, (high - low) / 200)
    return np.linspace(low, high, round((high - low) / width) + 1)


def posterior_figure(
    particles: pd.DataFrame,
    ranges: Mapping[str, tuple[float, float]],
    estimates: pd.DataFrame,
    heading: str,
    truth: Mapping[str, float] | None = None,
    priors: Mapping[str, str] | None = None,
) -> Figure:
    """One panel per parameter over its prior range: the posterior (the last generation's
    weighted particles) as a histogram, the prior's density dashed (``priors``: name →
    ``uniform`` or ``loguniform``; uniform when not given), the median and
    the 90% credible interval, and the true value when it is known (recovery)."""
    names = list(ranges)
    ncols = min(3, max(1, len(names)))
    nrows = max(1, math.ceil(len(names) / ncols))
    fig = plt.figure(figsize=(4.6 * ncols, 3.2 * nrows + 1.2), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    weights = particles["weight"].to_numpy(dtype=float)
    for k, name in enumerate(names):
        ax = axes[k]
        low, high = ranges[name]
        row = estimates[estimates["parameter"] == name].iloc[0]
        ax.axvspan(row["low"], row["high"], color=MODEL, alpha=0.12, lw=0)
        ax.hist(particles[name], bins=_bins(low, high, row["high"] - row["low"]),
                weights=weights, density=True, color=MODEL, alpha=0.6)  # fmt: skip
        xs = np.linspace(low, high, 200)
        if (priors or {}).get(name) == "loguniform":
            density = 1 / (xs * math.log(high / low))
        else:
            density = np.full_like(xs, 1 / (high - low))
        ax.plot(xs, density, color="#555555", ls="--", lw=1)
        ax.axvline(row["estimate"], color=MODEL, lw=2)
        if truth is not None and name in truth:
            ax.axvline(truth[name], color=TEST, lw=2, ls=(0, (4, 2)))
        ax.set_xlim(low, high)
        ax.set_title(name, loc="left", fontsize=FONT)
        ax.set_xlabel(f"median {row['estimate']:.3g}, 90% interval {row['low']:.3g}–"
                      f"{row['high']:.3g}", fontsize=FONT - 1)  # fmt: skip
        ax.tick_params(labelsize=FONT - 2)
        if k % ncols == 0:
            ax.set_ylabel("density", fontsize=FONT - 1)
    for ax in axes[len(names) :]:
        ax.axis("off")
    handles = [
        Patch(color=MODEL, alpha=0.6, label="posterior"),
        Line2D([], [], color="#555555", ls="--", label="prior"),
        Line2D([], [], color=MODEL, lw=2, label="median"),
        Patch(color=MODEL, alpha=0.12, label="90% credible interval"),
    ]
    if truth:
        handles.append(Line2D([], [], color=TEST, lw=2, ls=(0, (4, 2)), label="true value"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles),
               fontsize=FONT - 1, frameon=False)  # fmt: skip
    fig.suptitle(heading, x=0.01, ha="left", fontsize=FONT + 1)
    return fig


# --- skill against baselines ---------------------------------------------------------------

#: Colours of the models in the skill figure: the baselines grey, the models blue.
SKILL_COLOURS = {"persistence": "#7F7F7F", "base rates": "#BDBDBD",
                 "balance only": "#56B4E9", "calibrated": MODEL}  # fmt: skip
#: What each metric is, as a panel's title says it.
SKILL_TITLES = {
    "sign accuracy": "sign accuracy",
    "Brier": "Brier score of the sign",
    "RPS": "ranked probability score",
    "AUC": "AUC: which pairs change sign",
    "sign accuracy (changed)": "sign accuracy, where the sign changed",
    "Brier (changed)": "Brier score, where the sign changed",
}
SKILL_HIGHER = frozenset({"sign accuracy", "AUC", "sign accuracy (changed)"})
SKILL_FONT = 14


def skill_figure(table: pd.DataFrame, heading: str) -> Figure:
    """One panel per metric of a skill table (``model, metric, value, n``): a bar per
    model, its value written at its end, the better direction in the title, and
    persistence's value as a dotted line to beat (the AUC's chance level, 0.5)."""
    metrics = list(dict.fromkeys(table["metric"]))
    models = list(dict.fromkeys(table["model"]))
    ncols = min(3, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    fig = plt.figure(figsize=(6.0 * ncols, 3.0 * nrows + 1.6), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        _skill_panel(ax, table[table["metric"] == metric], metric, models)
    for ax in axes[len(metrics) :]:
        ax.axis("off")
    fig.suptitle(heading, x=0.01, ha="left", fontsize=SKILL_FONT + 1)
    return fig


def _skill_panel(ax: plt.Axes, rows: pd.DataFrame, metric: str, models: Sequence[str]) -> None:
    values = rows.set_index("model")["value"].reindex(models).to_numpy(dtype=float)
    count = int(rows["n"].iloc[0])
    higher = metric in SKILL_HIGHER
    finite = values[np.isfinite(values)]
    top = 1.0 if higher else max(0.05, float(finite.max()) * 1.3 if finite.size else 1.0)
    ys = np.arange(len(models))[::-1]
    ax.barh(ys, np.nan_to_num(values), color=[SKILL_COLOURS.get(m, MODEL) for m in models],
            height=0.7)  # fmt: skip
    for y, value in zip(ys, values, strict=True):
        text = f"{value:.3f}" if np.isfinite(value) else "no cases"
        ax.text(np.nan_to_num(value) + top * 0.02, y, text, va="center", fontsize=SKILL_FONT - 1,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1}, zorder=4)  # fmt: skip
    if "persistence" in models and np.isfinite(values[list(models).index("persistence")]):
        reference = values[list(models).index("persistence")]
        ax.axvline(reference, color="#333333", lw=1.4, ls=(0, (1.5, 1.5)), zorder=3)
    ax.set_xlim(0, top * (1.18 if higher else 1.0))
    ax.set_yticks(ys, models, fontsize=SKILL_FONT - 1)
    ax.tick_params(axis="x", labelsize=SKILL_FONT - 3)
    unit = "pairs" if metric == "AUC" else "observations"
    better = "higher is better" if higher else "lower is better"
    if metric == "AUC":
        better += ", 0.5 is chance"
    ax.set_title(f"{SKILL_TITLES.get(metric, metric)}\n{better}; {count} {unit}", loc="left",
                 fontsize=SKILL_FONT)  # fmt: skip
