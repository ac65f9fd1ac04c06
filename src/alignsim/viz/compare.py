"""The figure of ``alignsim compare``: how the most changed ties differ between two runs.

Left, the ties that end differently, as bars of B − A on a symmetric axis that is never
narrower than one level band (see :func:`axis_limit`); right, those ties over time.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from alignsim.viz.style import LINE_COLOURS, NEGATIVE, POSITIVE, minus, save, text_width

#: End differences below this are no change: they print as 0.00 in compare's report and
#: in compare.csv read to two decimals, and would be invisible bars on the axis anyway.
CHANGE_TOLERANCE = 0.005
#: Bars in the left panel, pairs over time in the right one.
BARS, LINES = 12, 6


def axis_limit(comparison, changes: pd.Series) -> float:
    """Half-width of the left panel's symmetric axis.

    Never less than the narrowest level band of run A's thresholds (0.4 in the flagship:
    partner 0.2 … alliance 0.6, rival −0.6 … −0.2, and the neutral band −0.2 … 0.2): a
    bar as long as the axis is then a change that can carry a tie across a whole level,
    and a change of 0.015 looks as small as it is instead of filling the panel.
    """
    t = comparison.a.scenario.params.thresholds
    band = min(t.alliance - t.partner, t.partner - t.rival, t.rival - t.hostile)
    largest = float(changes.abs().max()) if len(changes) else 0.0
    return max(band, 1.1 * largest)


def changed_at_end(table: pd.DataFrame) -> pd.DataFrame:
    """Rows whose end strength differs by at least ``CHANGE_TOLERANCE``, largest first."""
    changed = table[table["change"].abs() >= CHANGE_TOLERANCE]
    return changed.loc[changed["change"].abs().sort_values(ascending=False, kind="stable").index]


def plot_comparison(comparison, path: Path, top: int = LINES) -> Path:
    """Write :func:`comparison_figure` to ``path``."""
    return save(comparison_figure(comparison, top), path)


def comparison_figure(comparison, top: int = LINES) -> plt.Figure:
    """Bars of B − A at the end (left) and the changed ties over time (right)."""
    a, b = comparison.a, comparison.b
    changed = changed_at_end(comparison.table)
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 6.5), width_ratios=[1, 1.4])
    _bars(left, comparison, changed)
    _over_time(right, comparison, _pairs_over_time(comparison, changed, top))
    fig.suptitle(
        f"A: {a.scenario.name} (seed {a.seed})   vs   B: {b.scenario.name} (seed {b.seed})",
        fontsize=13,
    )
    return fig


def _bars(ax: plt.Axes, comparison, changed: pd.DataFrame) -> None:
    """B − A at the end for the most changed ties, each with its value and any level change;
    a line under the axis says how many ties are not shown and why."""
    limit = axis_limit(comparison, changed["change"])
    ax.set_xlim(-limit, limit)
    ax.axvline(0, color="black", lw=0.8)
    band = axis_limit(comparison, changed["change"][:0])
    ax.set_xlabel(f"tie strength at the end: B − A (axis at least ± one level band, {band:g})")
    ax.set_title("Ties that differ at the end", loc="left")
    if changed.empty:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no tie differs at the end\n(by 0.005 or more)", ha="center",
                va="center", fontsize=13, color="#444444", transform=ax.transAxes,
                bbox={"fc": "white", "ec": "none"})  # fmt: skip
        return
    shown = changed[:BARS]
    rows = max(len(shown), 6)  # a few bars keep their height and sit at the top
    y = rows - 1 - np.arange(len(shown))
    colours = [POSITIVE if c > 0 else NEGATIVE for c in shown["change"]]
    ax.barh(y, shown["change"], color=colours)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.source}–{r.target}" for r in shown.itertuples(index=False)])
    ax.set_ylim(-0.7, rows - 0.3)
    for k, row in zip(y, shown.itertuples(index=False), strict=True):
        _bar_label(ax, k, row, limit)
    ax.text(0, -0.16, _left_out(len(comparison.table), len(changed), len(shown)),
            transform=ax.transAxes, fontsize=9.5, color="#444444", va="top")  # fmt: skip


def _bar_label(ax: plt.Axes, y: float, row, limit: float) -> None:
    """``+0.182  rival → neutral`` beyond the bar's end; inside a long bar, in white; on the
    other side of zero when it would run into the pair names."""
    text = f" {minus(row.change, '+.3f')} "
    if row.level_a != row.level_b:
        text += f" {row.level_a} → {row.level_b} ".replace("_", " ")
    per_inch = 2 * limit / (ax.get_position().width * ax.figure.get_figwidth())
    room = limit - abs(row.change)  # data units between the bar's end and the frame
    inside = abs(row.change) > 0.55 * limit and text_width(text, 9.5) * per_inch < abs(row.change)
    if inside:
        x, ha, colour = row.change, "right" if row.change > 0 else "left", "white"
    elif row.change > 0 or text_width(text, 9.5) * per_inch < room:
        x, ha, colour = row.change, "left" if row.change > 0 else "right", "black"
    else:
        x, ha, colour = 0.0, "left", "black"
    ax.text(x, y, text, fontsize=9.5, va="center", ha=ha, color=colour,
            fontweight="bold" if inside else "normal")  # fmt: skip


def _left_out(pairs: int, changed: int, shown: int) -> str:
    """What the bars leave out: ties that barely differ, and those beyond the first ``BARS``."""
    parts = []
    if shown < changed:
        parts.append(f"{changed - shown} more ties differ by 0.005 or more")
    if pairs > changed:
        parts.append(f"{pairs - changed} differ by less than 0.005 or not at all")
    return f"Of {pairs} shared ties: " + "; ".join(parts) + " (not shown)" if parts else ""


def _pairs_over_time(comparison, changed: pd.DataFrame, top: int) -> tuple[pd.DataFrame, str]:
    """The pairs to draw over time and the panel's title: those changed at the end, else
    those that differed along the way (the runs may part and meet again)."""
    if not changed.empty:
        return changed[:top], "Ties that differ at the end, over time: A solid, B dashed"
    diverging = comparison.diverging
    if diverging.empty:
        return diverging, "The runs never diverge"
    steps = comparison.steps + 1
    gap = diverging.apply(
        lambda r: np.abs(
            comparison.a.strength(r.source, r.target)[:steps]
            - comparison.b.strength(r.source, r.target)[:steps]
        ).max(),
        axis=1,
    )
    order = gap.sort_values(ascending=False, kind="stable").index
    return (
        diverging.loc[order][:top],
        "No tie differs at the end; the ties that differed most on the way",
    )


def _over_time(ax: plt.Axes, comparison, chosen: tuple[pd.DataFrame, str]) -> None:
    rows, heading = chosen
    a, b = comparison.a, comparison.b
    steps = np.arange(comparison.steps + 1)
    for k, row in enumerate(rows.itertuples(index=False)):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        label = f"{row.source}–{row.target}"
        ax.plot(steps, a.strength(row.source, row.target)[: len(steps)], color=colour, lw=2,
                label=f"{label} (A)")  # fmt: skip
        ax.plot(steps, b.strength(row.source, row.target)[: len(steps)], color=colour, lw=2,
                ls="--", label=f"{label} (B)")  # fmt: skip
    diverging = comparison.diverging
    if not diverging.empty:
        first = int(diverging["first_divergence"].min())
        ax.axvline(first, color="#666666", ls=":", lw=1.2)
        ax.text(first, 0.02, f" first divergence: {a.dates[first]}", fontsize=10,
                transform=ax.get_xaxis_transform(), va="bottom")  # fmt: skip
    ax.set_ylim(-1.05, 1.05)
    ax.set_ylabel("tie strength")
    count = min(10, len(steps))
    ticks = np.unique(np.linspace(0, comparison.steps, count).round().astype(int))
    ax.set_xticks(ticks)
    ax.set_xticklabels([a.dates[t] for t in ticks], rotation=35, ha="right")
    if not rows.empty:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    else:
        ax.text(0.5, 0.5, "every shared tie is identical at every step", ha="center",
                va="center", fontsize=13, color="#444444", transform=ax.transAxes)  # fmt: skip
    ax.set_title(heading, loc="left")
