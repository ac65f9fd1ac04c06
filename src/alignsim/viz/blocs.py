"""Bloc membership over time: one row per state, one cell per step, coloured by bloc."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from alignsim.model.recorder import Result
from alignsim.viz.style import (
    bloc_colour,
    bloc_names,
    inches,
    legend_width,
    save_with_heading,
    text_width,
    time_axis,
    title,
)


def state_order(result: Result) -> list[int]:
    """States sorted by their bloc at the last step (unaligned last), then by power."""
    blocs = result.recorder.bloc[result.steps]
    power = result.recorder.power[result.steps]
    key = [
        (int(b) if b > 0 else 10**9, -float(p), i)
        for i, (b, p) in enumerate(zip(blocs, power, strict=True))
    ]
    return [k[2] for k in sorted(key)]


def plot_blocs(result: Result, path: Path) -> Path:
    order = state_order(result)
    blocs = result.recorder.bloc[: result.steps + 1][:, order].T
    top_id = int(blocs.max()) if blocs.size else 0
    there = result.present()
    if there is not None:  # blank where a state is not in the world
        blocs = np.ma.masked_where(~there[: result.steps + 1][:, order].T, blocs)
    cmap = ListedColormap([bloc_colour(b) for b in range(top_id + 1)])
    n = len(order)
    names = bloc_names(result)
    legend_title = "bloc (named by its\nmost powerful member)"
    legend_w = max(legend_width(list(names.values()), 11), text_width(legend_title, 11))
    left = 0.3 + max(text_width(result.names[i], 11) for i in order)
    plot_w, plot_h = 9.5, max(0.42 * n, 1.6)
    top, bottom = 0.85, 0.8
    width, height = left + plot_w + 0.3 + legend_w + 0.2, top + plot_h + bottom
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes(inches(fig, left, bottom, plot_w, plot_h))
    ax.imshow(
        blocs,
        cmap=cmap,
        vmin=-0.5,
        vmax=top_id + 0.5,
        aspect="auto",
        interpolation="nearest",
        extent=(-0.5, result.steps + 0.5, n - 0.5, -0.5),
    )
    for row in range(1, n):  # white rules between states
        ax.axhline(row - 0.5, color="white", lw=2.0)
    ax.set_yticks(range(n))
    ax.set_yticklabels([result.names[i] for i in order], fontsize=11)
    ax.tick_params(axis="y", length=0)
    time_axis(ax, result, cells=True)
    for spine in ax.spines.values():
        spine.set_visible(False)
    handles = [
        Patch(facecolor=bloc_colour(bloc), edgecolor="black", label=label)
        for bloc, label in names.items()
    ]
    if there is not None and not there.all():
        handles.append(Patch(facecolor="white", edgecolor="#A0A0A0", ls="--",
                             label="not in the world"))  # fmt: skip
    fig.legend(
        handles=handles,
        loc="upper left",
        frameon=False,
        title=legend_title,
        fontsize=11,
        alignment="left",
        borderaxespad=0,
        bbox_to_anchor=((left + plot_w + 0.3) / width, 1 - top / height),
    )
    return save_with_heading(fig, path, title(result, "bloc membership over time"), x=0.15)
