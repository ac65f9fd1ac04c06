"""Stances and salience of every state on every dimension over time, one panel per
dimension (stance above, salience below), one line style per state throughout."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from alignsim.model.recorder import Result
from alignsim.viz.style import (
    inches,
    legend_width,
    line_style,
    save_with_heading,
    text_width,
    time_axis,
    title,
)


def _poles(description: str) -> tuple[str, str] | None:
    """``"+ energy importer / - energy exporter"`` → ("+1 energy importer", "−1 energy …")."""
    parts = [p.strip() for p in " ".join(description.split()).split(" / ")]
    if len(parts) != 2 or not parts[0].startswith("+") or not parts[1].startswith("-"):
        return None
    return f"+1 = {parts[0][1:].strip()}", f"−1 = {parts[1][1:].strip()}"


def fit(text: str, width: float, size: float = 10) -> str:
    """``text`` shortened at a word boundary (with " …") to at most ``width`` inches."""
    if text_width(text, size) <= width:
        return text
    words = text.split()
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words) + " …"
        if text_width(candidate, size) <= width:
            return candidate
    return words[0]


#: Inches: panel width, stance and salience heights, header above, tick labels below.
PANEL_W, STANCE_H, SALIENCE_H, HEADER_H, FOOT_H = 4.2, 2.8, 1.0, 0.95, 0.5
CELL_W = 0.8 + PANEL_W + 0.3
CELL_H = HEADER_H + STANCE_H + 0.12 + SALIENCE_H + FOOT_H


def plot_stances(result: Result, path: Path) -> Path:
    dims = result.dimensions
    steps = np.arange(result.steps + 1)
    cols = min(3, len(dims))
    free_cell = len(dims) % cols != 0
    rows = int(np.ceil(len(dims) / cols))
    rec = result.recorder
    states = [(name, *line_style(i)) for i, name in enumerate(result.names)]
    ncols = 2 if len(states) > 8 else 1
    per_col = int(np.ceil(len(states) / ncols))
    legend_w = ncols * (legend_width(result.names, 11, handle_em=3.2) + 0.15)
    top, bottom = 0.85, 0.1
    width = 0.1 + CELL_W * cols + (0 if free_cell else legend_w + 0.2)
    if free_cell:  # the legend takes the last cell and may need more room than a panel
        width = max(width, 0.1 + CELL_W * (cols - 1) + 0.8 + legend_w + 0.1)
    heading = title(result, "stances (upper panels, −1 … +1) and salience (lower, 0 … 1)")
    width = max(width, text_width(heading, 14) + 0.4)
    height = top + CELL_H * rows + bottom
    fig = plt.figure(figsize=(width, height))
    for d, dim in enumerate(dims):
        row, col = divmod(d, cols)
        x = 0.1 + col * CELL_W + 0.8
        y = height - top - (row + 1) * CELL_H + FOOT_H
        bottom_ax = fig.add_axes(inches(fig, x, y, PANEL_W, SALIENCE_H))
        top_ax = fig.add_axes(
            inches(fig, x, y + SALIENCE_H + 0.12, PANEL_W, STANCE_H), sharex=bottom_ax
        )
        for i, (_name, colour, dashes) in enumerate(states):
            top_ax.plot(steps, rec.stances[steps, i, d], color=colour, ls=dashes, lw=2.0)
            bottom_ax.plot(steps, rec.salience[steps, i, d], color=colour, ls=dashes, lw=1.6)
        spec = result.scenario.dimensions.get(dim)
        kind = getattr(spec, "kind", None)
        poles = _poles(getattr(spec, "description", "") or "")
        header = f"{dim}" + (f" ({kind})" if kind else "")
        top_ax.text(
            0.0,
            1.0 + (0.12 + (0.4 if poles else 0.0)) / STANCE_H,
            header,
            transform=top_ax.transAxes,
            fontsize=13,
            fontweight="bold",
            va="bottom",
        )
        if poles:
            top_ax.text(
                0.0,
                1.0 + 0.08 / STANCE_H,
                "\n".join(fit(p, PANEL_W + 0.2) for p in poles),
                transform=top_ax.transAxes,
                fontsize=10,
                color="#333333",
                va="bottom",
                linespacing=1.15,
            )
        top_ax.set_ylim(-1.08, 1.08)
        top_ax.set_yticks([-1, -0.5, 0, 0.5, 1])
        top_ax.set_yticklabels(["−1", "−0.5", "0", "0.5", "1"])
        top_ax.axhline(0, color="#888888", lw=0.8, zorder=0)
        bottom_ax.set_ylim(-0.05, 1.08)
        bottom_ax.set_yticks([0, 0.5, 1])
        plt.setp(top_ax.get_xticklabels(), visible=False)
        time_axis(bottom_ax, result, max_labels=7, label=False)
        top_ax.set_ylabel("stance")
        bottom_ax.set_ylabel("salience")
    handles = [
        Line2D([], [], color=colour, ls=dashes, lw=2.4, label=name)
        for name, colour, dashes in states
    ]
    if ncols == 2:  # fill column by column in state order
        handles = [h for c in range(2) for h in handles[c * per_col : (c + 1) * per_col]]
    options = {
        "frameon": False,
        "handlelength": 3.2,
        "title": "state",
        "ncols": ncols,
        "fontsize": 11,
        "alignment": "left",
        "borderaxespad": 0,
        "columnspacing": 1.0,
    }
    if free_cell:
        row, col = rows - 1, cols - 1
        x = 0.1 + col * CELL_W + 0.8
        y = height - top - row * CELL_H - HEADER_H
        fig.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(x / width, y / height), **options
        )
    else:
        x = 0.1 + CELL_W * cols + 0.2
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(x / width, 1 - (top + HEADER_H) / height),
            **options,
        )
    return save_with_heading(fig, path, heading, x=0.15)
