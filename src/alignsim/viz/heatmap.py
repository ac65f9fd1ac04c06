"""Every pair's tie strength over time as a heat map, pairs grouped by the final blocs."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from alignsim.model.recorder import Result
from alignsim.viz.style import (
    TIE_CMAP,
    bloc_names,
    inches,
    minus,
    save_with_heading,
    text_width,
    time_axis,
    title,
)

#: Hatching of the cells of pairs with a state out of the world (``states.X.active``).
ABSENT_HATCH = "#B8B8B8"
#: Above this many pairs the rows are not labelled one by one (only the groups are).
MAX_LABELLED_PAIRS = 90


def pair_groups(result: Result) -> list[tuple[str, list[int]]]:
    """Pair columns grouped by the blocs at the last step, strongest final tie first.

    Groups: pairs inside each bloc (largest bloc first), pairs between two blocs, pairs
    with an unaligned state. Empty groups are left out.
    """
    final = result.recorder.strength[result.steps]
    blocs = result.recorder.bloc[result.steps]
    rows, cols = result.recorder.upper
    a, b = blocs[rows], blocs[cols]
    names = bloc_names(result, result.steps)
    ids, sizes = np.unique(blocs[blocs > 0], return_counts=True)
    groups: list[tuple[str, np.ndarray]] = []
    for bloc in ids[np.argsort(-sizes, kind="stable")]:
        groups.append((f"inside {names[int(bloc)]}", (a == bloc) & (b == bloc)))
    groups.append(("between blocs", (a > 0) & (b > 0) & (a != b)))
    groups.append(("with an unaligned state", (a == 0) | (b == 0)))
    out = []
    for label, mask in groups:
        members = np.nonzero(mask)[0]
        if len(members):
            order = members[np.argsort(-final[members], kind="stable")]
            out.append((label, [int(m) for m in order]))
    return out


def shown_strength(result: Result, order: list[int]) -> tuple[np.ndarray, np.ndarray | None]:
    """The strengths of the pair columns ``order`` over time, (pairs, steps), NaN where a
    state of the pair is not in the world; and which pairs are there, (steps, pairs), or
    None when every state is there throughout."""
    data = result.recorder.strength[: result.steps + 1, order].T
    there = result.pairs_present()
    if there is None:
        return data, None
    there = there[: result.steps + 1, order]
    return np.where(there.T, data, np.nan), there


def plot_tie_heatmap(result: Result, path: Path) -> Path:
    groups = pair_groups(result)
    order = [column for _label, members in groups for column in members]
    pairs = result.pairs
    labelled = len(order) <= MAX_LABELLED_PAIRS
    row_labels = [f"{pairs[c][0]}–{pairs[c][1]}" for c in order] if labelled else []
    group_labels = [label.replace(" (", "\n(") for label, _members in groups]
    plot_h = 0.2 * len(order) if labelled else 9.0
    plot_h = max(plot_h, 0.5 * len(groups) + 0.6)
    left = 0.25 + 0.3 + max((text_width(t, 10) for t in row_labels), default=0.0) + 0.15
    right = 0.35 + max((text_width(t, 11, "bold") for t in group_labels), default=0.0) + 0.2
    plot_w, top, bottom = 9.0, 1.55, 0.8
    width, height = left + plot_w + right, top + plot_h + bottom
    heading = (
        title(result, "every tie over time")
        + "; pairs grouped by the blocs at the last step, strongest tie first"
    )
    width = max(width, text_width(heading, 14) + 0.4)
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes(inches(fig, left, bottom, plot_w, plot_h))
    data, there = shown_strength(result, order)
    if there is not None:  # hatched where a state of the pair is not in the world
        ax.patch.set_hatch("////")
        ax.patch.set_edgecolor(ABSENT_HATCH)
    if not order:  # one state: no pairs, an empty picture that says so
        data = np.full((1, result.steps + 1), np.nan)
        ax.text(
            0.5,
            0.5,
            "no pairs: a scenario with one state has no ties",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=12,
            color="#555555",
        )
    image = ax.imshow(
        data,
        cmap=TIE_CMAP,
        vmin=-1,
        vmax=1,
        aspect="auto",
        interpolation="nearest",
        extent=(-0.5, result.steps + 0.5, max(len(order), 1) - 0.5, -0.5),
    )
    ax.set_yticks(range(len(order)) if labelled else [])
    if labelled:
        ax.set_yticklabels(row_labels, fontsize=10)
    ax.tick_params(axis="y", length=0)
    ax.set_ylabel("pair")
    start = 0
    for label, (_name, members) in zip(group_labels, groups, strict=True):
        end = start + len(members)
        if start > 0:
            ax.axhline(start - 0.5, color="black", lw=2.0)
        ax.annotate(
            label,
            xy=(1.0, (start + end) / 2 - 0.5),
            xycoords=("axes fraction", "data"),
            xytext=(14, 0),
            textcoords="offset points",
            va="center",
            ha="left",
            fontsize=11,
            fontweight="bold",
        )
        ax.plot(
            [1.006, 1.006],
            [start - 0.35, end - 0.65],
            color="black",
            lw=1.5,
            transform=ax.get_yaxis_transform(),
            clip_on=False,
        )
        start = end
    for spine in ax.spines.values():
        spine.set_visible(True)
    time_axis(ax, result, cells=True)
    bar_ax = fig.add_axes(inches(fig, left, bottom + plot_h + 0.22, min(5.5, plot_w), 0.18))
    bar = fig.colorbar(image, cax=bar_ax, orientation="horizontal")
    bar_ax.xaxis.set_ticks_position("top")
    bar_ax.xaxis.set_label_position("top")
    t = result.scenario.params.thresholds
    ticks = sorted({-1.0, t.hostile, t.rival, 0.0, t.partner, t.alliance, 1.0})
    bar.set_ticks(ticks)
    bar.set_ticklabels([minus(v) for v in ticks])
    bar.set_label(
        "tie strength (ticks at the level thresholds): −1 hostile … +1 alliance", fontsize=11
    )
    if there is not None and not there.all():
        bar_ax.text(1.03, 0.5, "hatched: a state of the pair\nis not in the world then",
                    transform=bar_ax.transAxes, va="center", ha="left", fontsize=10,
                    color="#444444")  # fmt: skip
    bar_ax.tick_params(labelsize=10)
    return save_with_heading(fig, path, heading, x=0.2)
