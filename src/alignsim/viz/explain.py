"""The figure of ``alignsim explain``: payoff parts of both directions over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from alignsim.analysis.drivers import part_label
from alignsim.viz.style import OKABE_ITO, save

#: Fixed colours for the non-interest parts, so every explain figure reads the same way.
PART_COLOURS = {
    "balance": "#000000",
    "history": "#999999",
    "power": "#882255",
    "cost": "#DDCC77",
    "noise": "#CCCCCC",
}


def part_colours(names: list[str]) -> dict[str, str]:
    interest = [n for n in names if n.startswith("interest.")]
    palette = [c for c in OKABE_ITO if c != "#000000"]
    colours = {n: palette[k % len(palette)] for k, n in enumerate(interest)}
    colours.update({n: PART_COLOURS.get(n, "#444444") for n in names if n not in colours})
    return colours


def plot_explanation(explanation, path: Path) -> Path:
    """Stacked bars of the parts (positive up, negative down), the payoff, the tie and the
    strength the mutual payoff sustains, which the tie relaxes toward."""
    result, table = explanation.result, explanation.table
    names = explanation.part_names
    colours = part_colours(names)
    fig, axes = plt.subplots(2, 1, figsize=(13, 9), sharex=True)
    for ax, source in zip(axes, (explanation.a, explanation.b), strict=True):
        block = table[table["source"] == source]
        target = block["target"].iloc[0]
        steps = block["step"].to_numpy()
        up = np.zeros(len(block))
        down = np.zeros(len(block))
        for name in names:
            values = block[name].to_numpy()
            positive = np.clip(values, 0, None)
            negative = np.clip(values, None, 0)
            ax.bar(steps, positive, bottom=up, color=colours[name], width=0.85,
                   label=part_label(name), edgecolor="none")  # fmt: skip
            ax.bar(steps, negative, bottom=down, color=colours[name], width=0.85,
                   edgecolor="none")  # fmt: skip
            up += positive
            down += negative
        ax.plot(steps, block["payoff"], color="#0072B2", lw=2.2, marker="o", ms=3,
                label="payoff (sum of parts)")  # fmt: skip
        ax.plot(steps, block["strength"], color="#D55E00", lw=2.2, ls="--",
                label="tie strength")  # fmt: skip
        if "sustained" in block:
            ax.plot(steps, block["sustained"], color="#CC79A7", lw=2.2, ls=(0, (1, 1)),
                    label="what the lower payoff sustains:\nthe tie moves toward it")  # fmt: skip
        ax.axhline(0, color="black", lw=0.8)
        for row in explanation.changes:
            ax.axvline(int(row["step"]), color="#666666", lw=1, ls=":")
        ax.set_ylabel(f"{source} → {target}")
        ax.set_title(f"What {source} gains from a tie with {target}", loc="left", fontsize=11)
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="part")
    count = min(12, result.steps)
    ticks = np.unique(np.linspace(1, max(result.steps, 1), count).round().astype(int))
    axes[1].set_xticks(ticks)
    axes[1].set_xticklabels([result.dates[t] for t in ticks], rotation=35, ha="right")
    fig.suptitle(
        f"{result.scenario.name} — payoff parts of {explanation.a}–{explanation.b} "
        f"(seed {result.seed}); dotted lines: level changes",
        fontsize=13,
    )
    return save(fig, path)
