"""All figures a run folder gets, written into ``plots/``."""

from __future__ import annotations

from pathlib import Path

from alignsim.model.recorder import Result
from alignsim.viz.network import layout, plot_network
from alignsim.viz.timeline import plot_timeline


def write_plots(result: Result, folder: Path) -> list[Path]:
    plots = Path(folder) / "plots"
    positions = layout(result)
    return [
        plot_network(result, result.steps, plots / "network_final.png", positions),
        plot_network(result, 0, plots / "network_start.png", positions),
        plot_timeline(result, plots / "timeline_watched.png"),
    ]
