"""The signed tie network: green for friendly ties, red for hostile, coloured by bloc."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
from matplotlib.lines import Line2D

from alignsim.model.recorder import Result
from alignsim.viz.style import NEGATIVE, POSITIVE, bloc_colour, save


def layout(result: Result) -> dict[str, np.ndarray]:
    """One layout for the whole run: a spring layout on the mean positive ties, seeded.

    Using the run's average keeps states in place across snapshots, so a class can follow
    one country from picture to picture.
    """
    mean = np.mean([result.tie_matrix(s) for s in range(result.steps + 1)], axis=0)
    graph = nx.Graph()
    graph.add_nodes_from(result.names)
    n = len(result.names)
    for i in range(n):
        for j in range(i + 1, n):
            weight = 1.0 + mean[i, j]  # friends pulled together, enemies kept apart
            graph.add_edge(result.names[i], result.names[j], weight=max(weight, 0.05) ** 2)
    positions = nx.spring_layout(graph, weight="weight", seed=7, k=1.6 / np.sqrt(max(n, 1)))
    return {name: np.asarray(xy) for name, xy in positions.items()}


def plot_network(
    result: Result,
    step: int,
    path: Path,
    positions: dict[str, np.ndarray] | None = None,
) -> Path:
    positions = positions or layout(result)
    ties = result.tie_matrix(step)
    thresholds = result.scenario.params.thresholds
    blocs = result.recorder.bloc[step]
    power = result.recorder.power[step]
    fig, ax = plt.subplots(figsize=(10, 8))
    n = len(result.names)
    for i in range(n):
        for j in range(i + 1, n):
            t = ties[i, j]
            if thresholds.rival < t < thresholds.partner:
                continue  # neutral: not drawn, to keep the picture readable
            a, b = positions[result.names[i]], positions[result.names[j]]
            friendly = t > 0
            ax.plot(
                [a[0], b[0]],
                [a[1], b[1]],
                color=POSITIVE if friendly else NEGATIVE,
                linewidth=(0.5 + 5.0 * abs(t)) if friendly else (0.4 + 3.0 * abs(t)),
                linestyle="-" if friendly else (0, (4, 3)),
                alpha=0.9 if friendly else 0.55,
                zorder=1.5 if friendly else 1,
            )
    sizes = 300 + 2700 * power / power.max()
    xy = np.array([positions[name] for name in result.names])
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=sizes,
        c=[bloc_colour(int(b)) for b in blocs],
        edgecolors="black",
        linewidths=1.0,
        zorder=2,
    )
    for name, (x, y), size in zip(result.names, xy, sizes, strict=True):
        ax.annotate(
            name,
            (x, y),
            xytext=(0, -(np.sqrt(size) / 2 + 9)),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=10,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    handles = [
        Line2D([], [], color=POSITIVE, lw=3, label=f"friendly tie (≥ {thresholds.partner:g})"),
        Line2D(
            [], [], color=NEGATIVE, lw=3, ls="--", label=f"hostile tie (≤ {thresholds.rival:g})"
        ),
    ]
    for bloc in sorted(set(int(b) for b in blocs)):
        members = [result.names[i] for i in np.nonzero(blocs == bloc)[0]]
        lead = max(members, key=lambda s: power[result.names.index(s)])
        label = "unaligned" if bloc == 0 else f"bloc {bloc} ({lead} and others)"
        if bloc != 0 and len(members) == 1:
            label = f"bloc {bloc} ({lead})"
        handles.append(
            Line2D([], [], marker="o", ls="", markersize=10, markeredgecolor="black",
                   color=bloc_colour(bloc), label=label)
        )  # fmt: skip
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    ax.set_title(
        f"{result.scenario.name} — tie network at {result.dates[step]}\n"
        f"seed {result.seed}; line width = tie strength, node size = power"
    )
    ax.set_axis_off()
    ax.margins(0.12)
    return save(fig, path)
