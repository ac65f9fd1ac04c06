"""Structural balance, polarization and the number of blocs over time."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from alignsim.model.recorder import Result
from alignsim.viz.style import (
    inches,
    legend_width,
    save_with_heading,
    text_width,
    time_axis,
    title,
)
from alignsim.viz.timeline import event_lines, event_markers, merged_events


def plot_balance_polarization(result: Result, path: Path) -> Path:
    steps = np.arange(result.steps + 1)
    metrics = result.recorder.metrics
    events = merged_events(result)
    labels = [
        "balance ratio\n(share of balanced closed triads)",
        "polarization\n(mean hostility between\nthe two largest blocs)",
    ]
    note = "grey lines and numbers:\nscenario events, listed\nin timeline_watched.png"
    legend_w = max(legend_width(labels, 10, 2.5), text_width(note, 10))
    left, plot_w, top_h, bottom_h, gap = 0.9, 9.6, 4.2, 1.9, 0.2
    top = 0.75 + (0.65 if events else 0.15)
    width = left + plot_w + 0.3 + legend_w + 0.2
    height = top + top_h + gap + bottom_h + 0.75
    fig = plt.figure(figsize=(width, height))
    bottom = fig.add_axes(inches(fig, left, 0.75, plot_w, bottom_h))
    upper = fig.add_axes(inches(fig, left, 0.75 + bottom_h + gap, plot_w, top_h), sharex=bottom)
    event_lines(bottom, events)
    if "balance_ratio" in metrics:
        upper.plot(steps, result.metric("balance_ratio"), color="#0072B2", lw=2.6, label=labels[0])
    if "polarization" in metrics:
        upper.plot(
            steps,
            result.metric("polarization"),
            color="#D55E00",
            lw=2.6,
            ls=(0, (5, 2)),
            label=labels[1],
        )
    upper.set_ylim(-0.02, 1.05)
    upper.set_ylabel("share (0 … 1)")
    legend_x = (left + plot_w + 0.3) / width
    upper.legend(
        loc="upper left",
        bbox_to_anchor=(legend_x, 1 - top / height),
        frameon=False,
        labelspacing=1.2,
        handlelength=2.5,
        borderaxespad=0,
        bbox_transform=fig.transFigure,
    )
    if "blocs" in metrics:
        bottom.step(
            steps, result.metric("blocs"), where="mid", color="#000000", lw=2.4, label="blocs"
        )
    if "unaligned" in metrics:
        bottom.step(
            steps,
            result.metric("unaligned"),
            where="mid",
            color="#E69F00",
            lw=2.4,
            ls=(0, (5, 2)),
            label="unaligned states",
        )
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    high = max(
        3.0,
        float(result.metric("blocs").max()) if "blocs" in metrics else 0.0,
        float(result.metric("unaligned").max()) if "unaligned" in metrics else 0.0,
    )
    bottom.set_ylim(-0.3, high + 0.3)
    bottom.set_ylabel("count")
    bottom.legend(
        loc="upper left",
        bbox_to_anchor=(legend_x, (0.75 + bottom_h) / height),
        frameon=False,
        handlelength=2.5,
        borderaxespad=0,
        bbox_transform=fig.transFigure,
    )
    plt.setp(upper.get_xticklabels(), visible=False)
    time_axis(bottom, result)
    if events:
        event_markers(upper, result, events)
        fig.text(legend_x, 0.75 / height, note, fontsize=10, color="#555555", va="bottom")
    return save_with_heading(
        fig, path, title(result, "structural balance, polarization and blocs"), x=0.15
    )
