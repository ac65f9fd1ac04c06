"""The figure of ``alignsim compare``: how the most changed ties differ between two runs."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from alignsim.viz.style import LINE_COLOURS, NEGATIVE, POSITIVE, save


def plot_comparison(comparison, path: Path, top: int = 6) -> Path:
    a, b, table = comparison.a, comparison.b, comparison.table
    order = table["change"].abs().sort_values(ascending=False).index
    changed = table.loc[order][:12]
    fig, (left, right) = plt.subplots(1, 2, figsize=(15, 6.5), width_ratios=[1, 1.4])
    labels = [f"{r.source}–{r.target}" for r in changed.itertuples(index=False)]
    y = np.arange(len(changed))[::-1]
    colours = [POSITIVE if c > 0 else NEGATIVE for c in changed["change"]]
    left.barh(y, changed["change"], color=colours)
    left.set_yticks(y)
    left.set_yticklabels(labels)
    left.axvline(0, color="black", lw=0.8)
    left.set_xlabel("tie strength at the end: B − A")
    left.set_title("Largest changes at the end", loc="left")
    steps = np.arange(comparison.steps + 1)
    for k, row in enumerate(changed[:top].itertuples(index=False)):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        label = f"{row.source}–{row.target}"
        right.plot(steps, a.strength(row.source, row.target)[: len(steps)], color=colour, lw=2,
                   label=f"{label} (A)")  # fmt: skip
        right.plot(steps, b.strength(row.source, row.target)[: len(steps)], color=colour, lw=2,
                   ls="--", label=f"{label} (B)")  # fmt: skip
    diverging = comparison.diverging
    if not diverging.empty:
        first = int(diverging["first_divergence"].min())
        right.axvline(first, color="#666666", ls=":", lw=1.2)
        right.text(first, 0.02, f" first divergence: {a.dates[first]}", fontsize=10,
                   transform=right.get_xaxis_transform(), va="bottom")  # fmt: skip
    right.set_ylim(-1.05, 1.05)
    right.set_ylabel("tie strength")
    count = min(10, len(steps))
    ticks = np.unique(np.linspace(0, comparison.steps, count).round().astype(int))
    right.set_xticks(ticks)
    right.set_xticklabels([a.dates[t] for t in ticks], rotation=35, ha="right")
    right.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
    right.set_title("Most changed ties over time: A solid, B dashed", loc="left")
    fig.suptitle(
        f"A: {a.scenario.name} (seed {a.seed})   vs   B: {b.scenario.name} (seed {b.seed})",
        fontsize=13,
    )
    return save(fig, path)
